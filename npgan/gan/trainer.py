"""One training loop for every GAN: ``n_critic`` discriminator updates per generator update.

    for each generator step:
        repeat n_critic times:            # "N_dis multi-ascent" in the GDA notes
            x ~ data, z ~ N(0, I)
            D <- D - lr_D grad_D  L_D(D; x, G(z))          (G(z) held constant)
        z ~ N(0, I)
        G <- G - lr_G grad_G  L_G(D(G(z)))

That is the alternating update; the simultaneous one takes the gradients of the last D
update and of G's at the same (D, G), then applies both. The ``game`` (``npgan.gan.games``)
gives L_D and L_G. Every random draw comes from the trainer's seeded ``rng``, whose state is
part of ``state_dict()``, so a resumed run continues the exact trajectory of an
uninterrupted one.

The losses and metrics stay Tensors until the update is done (``step`` turns the metrics
into floats), and every draw goes through ``npgan.random.draw``, so ``compile=True`` can
run the update as a captured step (``npgan.gan.compiled``): the same numbers, bit for bit.
"""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..random import draw
from .compiled import compiled_update

UPDATES = ("alternating", "simultaneous")


class BoundDiscriminator:
    """D as the games see it, a function of the batch alone: ``D(x)``, or ``D(x, y)`` with
    the labels ``y`` of a conditional D bound (the fake batch is generated with the same)."""

    def __init__(self, module, labels=None):
        self.module = module
        self.labels = labels if labels is None or isinstance(labels, Tensor) else Tensor(np.asarray(labels))

    def __call__(self, x):
        return self.module(x) if self.labels is None else self.module(x, self.labels)


def _set_grads(module, loss):
    """The ``.grad`` of ``module``'s parameters: d loss / d parameter (None where unused)."""
    module.zero_grad()
    loss.backward(inputs=list(module.parameters()))


class GANTrainer:
    def __init__(self, generator, discriminator, opt_g, opt_d, game, sample_real, latent_dim,
                 batch_size=64, n_critic=1, update="alternating", num_classes=None, seed=0, schedulers=(),
                 compile=False):
        """``game`` has ``discriminator_loss(D, real, fake, rng) -> (loss, metrics)``,
        ``generator_loss(D, fake, rng) -> loss`` and ``after_discriminator_step(D)``;
        ``sample_real(batch_size, rng) -> (x, labels or None)`` as NumPy arrays;
        ``num_classes`` makes the models conditional: G(z, y) and D(x, y); ``schedulers``
        (``npgan.optim.lr_scheduler``) step once after every generator step; ``compile``
        runs each update as a captured step, or eagerly when capture is refused
        (``npgan.gan.compiled``): the trajectory is the same either way."""
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
        self.step_count = 0
        self.dtype = next(iter(generator.parameters())).dtype
        self._run_update = compiled_update(self) if compile else self._update

    # --- sampling -----------------------------------------------------------------------
    # each a draw from ``rng`` through ``npgan.random.draw``: a source of a captured update
    def noise(self, n):
        return draw(lambda: self.rng.standard_normal((n, self.latent_dim)).astype(self.dtype))

    def _real_batch(self):
        """(x, labels or None) as Tensors."""
        def sample():
            x, labels = self.sample_real(self.batch_size, self.rng)
            x = np.asarray(x, dtype=self.dtype)
            return x if self.num_classes is None else (x, np.asarray(labels))
        batch = draw(sample)
        return (batch, None) if self.num_classes is None else batch

    def _fake_labels(self, n):
        return None if self.num_classes is None else draw(lambda: self.rng.integers(0, self.num_classes, n))

    def generate(self, z, labels=None):
        """G(z), or G(z, labels) (a Tensor or an array of ints) for a conditional G."""
        if labels is None:
            return self.G(z)
        return self.G(z, labels if isinstance(labels, Tensor) else Tensor(np.asarray(labels)))

    # --- the two losses -----------------------------------------------------------------
    def _discriminator_loss(self):
        """(L_D, metrics) on a real batch and a fake one."""
        real, labels = self._real_batch()
        with no_grad():  # G(z) is a constant for D's update
            fake = self.generate(self.noise(self.batch_size), labels)
        return self.game.discriminator_loss(BoundDiscriminator(self.D, labels), real, fake, self.rng)

    def _generator_loss(self):
        """(L_G, metrics) on a fake batch."""
        labels = self._fake_labels(self.batch_size)
        fake = self.generate(self.noise(self.batch_size), labels)
        loss = self.game.generator_loss(BoundDiscriminator(self.D, labels), fake, self.rng)
        return loss, {"g_loss": loss.detach()}

    # --- the updates --------------------------------------------------------------------
    def discriminator_step(self):
        """One update of D; returns its metrics (0-d Tensors)."""
        loss, metrics = self._discriminator_loss()
        _set_grads(self.D, loss)
        self.opt_d.step()
        self.game.after_discriminator_step(self.D)
        return metrics

    def step(self):
        """One generator update after ``n_critic`` discriminator updates; returns the metrics
        as floats."""
        metrics = self._run_update()
        self.step_count += 1
        for scheduler in self.schedulers:
            scheduler.step()
        return {name: value.item() for name, value in metrics.items()}

    def _update(self):
        """The update of one ``step`` (the schedulers aside); its metrics as 0-d Tensors."""
        return self._alternating_update() if self.update == "alternating" else self._simultaneous_update()

    def _alternating_update(self):
        for _ in range(self.n_critic):
            d_metrics = self.discriminator_step()
        g_loss, g_metrics = self._generator_loss()
        _set_grads(self.G, g_loss)
        self.opt_g.step()
        return {**d_metrics, **g_metrics}

    def _simultaneous_update(self):
        for _ in range(self.n_critic - 1):
            self.discriminator_step()
        d_loss, d_metrics = self._discriminator_loss()
        g_loss, g_metrics = self._generator_loss()  # at the same (D, G) as d_loss
        _set_grads(self.D, d_loss)
        _set_grads(self.G, g_loss)
        self.opt_d.step()
        self.game.after_discriminator_step(self.D)
        self.opt_g.step()
        return {**d_metrics, **g_metrics}

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
