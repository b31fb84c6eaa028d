"""pix2pix training (Isola et al., 2017): a conditional GAN whose generator also pays an L1
distance to the target,

    G* = arg min_G max_D  L_cGAN(G, D) + lambda L_L1(G),                lambda = 100
    L_cGAN = E_{x,y} log D(y | x) + E_x log(1 - D(G(x) | x))
    L_L1   = E_{x,y} ||y - G(x)||_1

(the lecture slides' L_1 + L_2 + L_3). D judges the pair: the real target y or G's output,
each beside the input x it belongs to. G minimizes the game's generator cost (the
non-saturating -log D(G(x) | x), as the paper) plus lambda times the L1 term.

``Pix2PixTrainer`` is ``GANTrainer`` with the batches it draws changed and nothing else:
a batch is a pair (x, y) from ``sample_pairs(n, rng)``; the "fake" is G(x), not G(z); the
input x is bound to D as a conditional D's labels are (``BoundDiscriminator``), so the games,
the joint pass, ``n_critic``, simultaneous updates, the schedulers and ``state_dict`` /
resume are the trainer's own. With ``game=None`` it trains G on the L1 term alone (the
paper's "L1" ablation) and never touches D.
"""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..ops.losses import l1_loss
from ..random import draw
from .trainer import BoundDiscriminator, GANTrainer, _set_grads

L1_LAMBDA = 100.0


class Pix2PixTrainer(GANTrainer):
    def __init__(self, generator, discriminator, opt_g, opt_d, game, sample_pairs, l1_lambda=L1_LAMBDA,
                 batch_size=64, n_critic=1, update="alternating", seed=0, schedulers=(), compile=False):
        """``sample_pairs(batch_size, rng) -> (inputs, targets)`` NumPy arrays of one shape;
        ``game`` a game of ``npgan.gan.games`` (or None: L1 alone); the rest as ``GANTrainer``."""
        if not (isinstance(l1_lambda, (int, float)) and l1_lambda >= 0):
            raise ValueError(f"Pix2PixTrainer: l1_lambda must be a number >= 0, got {l1_lambda!r}")
        if game is None and l1_lambda == 0:
            raise ValueError("Pix2PixTrainer: without a game and with l1_lambda = 0, G has nothing to minimize")
        super().__init__(generator, discriminator, opt_g, opt_d, game, sample_pairs, None, batch_size, n_critic,
                         update, None, seed, schedulers, compile)
        self.l1_lambda = float(l1_lambda)

    def _pair_batch(self):
        """(x, y) as Tensors, a draw from ``rng`` (a source of a captured update)."""
        def sample():
            x, y = self.sample_real(self.batch_size, self.rng)
            return np.asarray(x, dtype=self.dtype), np.asarray(y, dtype=self.dtype)
        return draw(sample)

    def translate(self, x):
        """G(x) for a Tensor ``x``, in G's current mode."""
        return self.G(x)

    def _discriminator_loss(self):
        """(L_D, metrics) on a real pair (x, y) and a fake one (x, G(x))."""
        x, y = self._pair_batch()
        with no_grad():  # G(x) is a constant for D's update
            fake = self.G(x)
        return self.game.discriminator_loss(BoundDiscriminator(self.D, x), y, fake, self.rng)

    def _generator_loss(self):
        """(L_G + lambda L1, metrics) on a fresh pair batch."""
        x, y = self._pair_batch()
        fake = self.G(x)
        l1 = l1_loss(fake, y)
        if self.game is None:
            return self.l1_lambda * l1, {"l1": l1.detach()}
        adversarial = self.game.generator_loss(BoundDiscriminator(self.D, x), fake, self.rng)
        return adversarial + self.l1_lambda * l1, {"g_loss": adversarial.detach(), "l1": l1.detach()}

    def _update(self):
        if self.game is not None:
            return super()._update()
        loss, metrics = self._generator_loss()  # L1 alone: no discriminator update
        _set_grads(self.G, loss)
        self.opt_g.step()
        return metrics
