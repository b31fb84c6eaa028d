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

**One pass of D on real and fake** (``joint_discriminator_pass``). Each discriminator
update scores a real batch and a fake batch. When D treats every sample on its own (no
BatchNorm in training mode, nothing that mixes the batch), ``D(cat([x, G(z)]))`` split
in two is the same function as ``D(x)``, ``D(G(z))`` -- with half the ops (npgan pays
Python overhead per op) and GEMMs twice as tall, which BLAS runs faster: measured with
NumPy's BLAS on a 2-core machine, (64,784)@(784,256) at 158 GF/s and (128,784)@(784,256)
at 199 GF/s; the weight gradient (256,64)@(64,784) at 170 GF/s and (256,128)@(128,784)
at 238 GF/s. PyTorch GAN code often does the same.

    "auto" (default)  one pass when every module of D is a known per-sample layer and
                      none draws differently in one pass (Dropout, spectral norm; see
                      ``npgan.gan.joint.batch_coupling``), else two passes
    True              one pass, trusting user-defined modules to be per sample; a D with
                      a module known to mix the batch (BatchNorm in training mode) is a
                      ValueError, at construction and at every step
    False             two passes, always

The decision is taken again at every discriminator update (``uses_joint_pass()``), so
``D.eval()`` (BatchNorm on running statistics) switches "auto" to one pass. The losses
and gradients equal the two-pass ones up to rounding (the weight gradient sums 2N rows
at once), so "auto" changes no trajectory beyond rounding. A forced joint pass (True) also
takes D's with Dropout or spectral norm, which then differ in distribution only: one
dropout mask for the joint batch instead of one per pass, one power iteration per D
update instead of two. A packed D (PacGAN) is joined only when both batch sizes are
multiples of its pack, so no group mixes real and fake samples; a conditional D gets the
real batch's labels twice (the fake batch is generated with them). The generator's cost
scores one batch and is unchanged; so is WGAN-GP's penalty, D(x_hat) in its own pass.
"""
import numpy as np

from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .joint import Critic, batch_coupling

UPDATES = ("alternating", "simultaneous")


class GANTrainer:
    def __init__(self, generator, discriminator, opt_g, opt_d, game, sample_real, latent_dim,
                 batch_size=64, n_critic=1, update="alternating", num_classes=None, seed=0, schedulers=(),
                 joint_discriminator_pass="auto"):
        """``sample_real(batch_size, rng) -> (x, labels or None)`` as NumPy arrays;
        ``num_classes`` makes the models conditional: G(z, y) and D(x, y); ``schedulers``
        (``npgan.optim.lr_scheduler``) step once after every generator step;
        ``joint_discriminator_pass`` ("auto", True or False) scores real and fake in one
        pass of D when that is safe (see the module docstring)."""
        if n_critic < 1:
            raise ValueError(f"GANTrainer: n_critic must be >= 1, got {n_critic}")
        if update not in UPDATES:
            raise ValueError(f"GANTrainer: update must be one of {UPDATES}, got {update!r}")
        if not (isinstance(joint_discriminator_pass, bool) or
                (isinstance(joint_discriminator_pass, str) and joint_discriminator_pass == "auto")):
            raise ValueError(f"GANTrainer: joint_discriminator_pass must be 'auto', True or False, "
                             f"got {joint_discriminator_pass!r}")
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
        self.joint_discriminator_pass = joint_discriminator_pass
        self._joint_plan()  # a forced joint pass on a D that mixes the batch fails here

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

    def _critic(self, labels, plan=(False, ())):
        """D as a function of the batch alone, with the labels bound for conditional D;
        ``plan`` = (joint, packs) from ``_joint_plan`` for the games' ``joint_scores``."""
        return Critic(self.D, labels, *plan)

    # --- one pass or two ----------------------------------------------------------------
    def _joint_plan(self):
        """(joint, packs): whether D scores real and fake in one pass now, and the pack
        sizes of its packed discriminators (the joint batch must not split a group)."""
        mode = self.joint_discriminator_pass
        if mode is False:
            return False, ()
        found = batch_coupling(self.D)
        if mode is True and found.coupled:
            raise ValueError("GANTrainer: joint_discriminator_pass=True, but D mixes the samples of a batch, so "
                             "one pass on cat([real, fake]) is not two passes: " + "; ".join(found.coupled)
                             + ". Use joint_discriminator_pass='auto' or False")
        return (mode is True or (found.per_sample and not found.redrawn)), found.packs

    def uses_joint_pass(self):
        """True if the next discriminator update scores real and fake in one pass of D
        (the batch sizes permitting, for a packed D)."""
        return self._joint_plan()[0]

    # --- one step -----------------------------------------------------------------------
    def _discriminator_loss(self):
        plan = self._joint_plan()  # before any random draw: a refusal changes no state
        real, labels = self._real_batch()
        with no_grad():  # G(z) is a constant for D's update
            fake = self.generate(self.noise(self.batch_size), labels)
        return self.game.discriminator_loss(self._critic(labels, plan), real, fake)

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
