"""One training loop for every GAN: ``n_critic`` discriminator steps per generator step,
alternating (D then G, the default) or simultaneous (both gradients taken at the same
parameters, then both applied) updates.

    for each generator step:
        repeat n_critic times:            # "N_dis multi-ascent" in the GDA notes
            x ~ data, z ~ N(0, I)
            D <- D - lr_D grad_D  L_D(D; x, G(z))          (G(z) held constant)
        z ~ N(0, I)
        G <- G - lr_G grad_G  L_G(D(G(z)))

All randomness (noise, data batches, penalty interpolation) comes from one seeded
``numpy.random.Generator`` whose state is part of ``state_dict()``, so a resumed run
continues the exact trajectory of an uninterrupted one.
"""
import numpy as np

from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

UPDATES = ("alternating", "simultaneous")


class GANTrainer:
    def __init__(self, generator, discriminator, opt_g, opt_d, game, sample_real, latent_dim,
                 batch_size=64, n_critic=1, update="alternating", num_classes=None, seed=0, schedulers=()):
        """``sample_real(batch_size, rng) -> (x, labels or None)`` as NumPy arrays;
        ``num_classes`` makes the models conditional: G(z, y) and D(x, y); ``schedulers``
        (``npgan.optim.lr_scheduler``) step once after every generator step."""
        if n_critic < 1:
            raise ValueError(f"GANTrainer: n_critic must be >= 1, got {n_critic}")
        if update not in UPDATES:
            raise ValueError(f"GANTrainer: update must be one of {UPDATES}, got {update!r}")
        self.G, self.D = generator, discriminator
        self.opt_g, self.opt_d = opt_g, opt_d
        self.game = game
        self.sample_real = sample_real
        self.latent_dim = latent_dim
        self.batch_size = batch_size
        self.n_critic = n_critic
        self.update = update
        self.num_classes = num_classes
        self.schedulers = list(schedulers)
        self.rng = np.random.default_rng(seed)
        if hasattr(game, "generator"):
            game.generator = self.rng
        self.step_count = 0
        self.dtype = next(iter(generator.parameters())).dtype

    # --- sampling -----------------------------------------------------------------------
    def noise(self, n):
        return Tensor(self.rng.standard_normal((n, self.latent_dim)).astype(self.dtype))

    def _real_batch(self):
        x, labels = self.sample_real(self.batch_size, self.rng)
        return Tensor(np.asarray(x, dtype=self.dtype)), (labels if self.num_classes is not None else None)

    def _fake_labels(self, n):
        return None if self.num_classes is None else self.rng.integers(0, self.num_classes, n)

    def generate(self, z, labels=None):
        return self.G(z) if labels is None else self.G(z, Tensor(labels))

    def _critic(self, labels):
        """D as a function of the batch alone, with the labels bound for conditional D."""
        if labels is None:
            return self.D
        y = Tensor(labels)
        return lambda x: self.D(x, y)

    # --- one step -----------------------------------------------------------------------
    def _discriminator_loss(self):
        real, labels = self._real_batch()
        with no_grad():  # G(z) is a constant for D's update
            fake = self.generate(self.noise(self.batch_size), labels)
        return self.game.discriminator_loss(self._critic(labels), real, fake)

    def _generator_loss(self):
        labels = self._fake_labels(self.batch_size)
        fake = self.generate(self.noise(self.batch_size), labels)
        return self.game.generator_loss(self._critic(labels), fake)

    def _apply(self, optimizer, params, loss):
        grads = grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()

    def step(self):
        """One generator step after ``n_critic`` discriminator steps; returns the metrics."""
        d_params, g_params = list(self.D.parameters()), list(self.G.parameters())
        for i in range(self.n_critic):
            d_loss, metrics = self._discriminator_loss()
            if self.update == "simultaneous" and i == self.n_critic - 1:
                # both gradients at the same (D, G), then both updates
                g_loss = self._generator_loss()
                d_grads = grad(d_loss, d_params, allow_unused=True)
                g_grads = grad(g_loss, g_params, allow_unused=True)
                for p, g in zip(d_params + g_params, d_grads + g_grads):
                    p.grad = g
                self.opt_d.step()
                self.game.after_discriminator_step(self.D)
                self.opt_g.step()
                break
            self._apply(self.opt_d, d_params, d_loss)
            self.game.after_discriminator_step(self.D)
        else:
            g_loss = self._generator_loss()
            self._apply(self.opt_g, g_params, g_loss)
        self.step_count += 1
        for scheduler in self.schedulers:
            scheduler.step()
        metrics["g_loss"] = g_loss.item()
        return metrics

    # --- resume -------------------------------------------------------------------------
    def state_dict(self):
        return {
            "step": self.step_count,
            "G": dict(self.G.state_dict()), "D": dict(self.D.state_dict()),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "rng": self.rng.bit_generator.state,
            "schedulers": [s.state_dict() for s in self.schedulers],
        }

    def load_state_dict(self, state):
        saved = state.get("schedulers", [])
        if len(saved) != len(self.schedulers):
            raise ValueError(f"GANTrainer.load_state_dict: {len(saved)} lr schedulers saved, "
                             f"the trainer has {len(self.schedulers)}")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.rng.bit_generator.state = state["rng"]
        self.step_count = int(state["step"])
        for scheduler, s in zip(self.schedulers, saved):
            scheduler.load_state_dict(s)
