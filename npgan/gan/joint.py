"""Scoring real and fake in one pass of D: ``JointPass(game, D)`` plays ``game``, but each
discriminator update computes ``D(cat([x, G(z)]))`` split in two instead of ``D(x)`` and
``D(G(z))``. A speed trick, opt-in (the presets choose it): one pass runs half the ops
(npgan pays Python overhead per op) and GEMMs twice as tall, which BLAS runs faster per
flop (benchmarks/README.md). PyTorch GAN code often does the same.

The two are the same function exactly when D treats every sample on its own and draws
nothing at random; the losses and gradients then equal the two-pass ones up to rounding
(the weight gradient sums 2N rows at once). ``batch_coupling(D)`` reads D's module tree
once, when the wrapper is made, judging D as it trains (in training mode), and the
wrapper refuses a D it cannot vouch for. Per sample are a whitelist of layers whose
``forward`` is npgan's own (a subclass counts if it keeps that ``forward`` and
``Module.__call__``): Linear, Conv2d, ConvTranspose2d, the activations, LayerNorm,
Dropout(p=0), Flatten/Unflatten that keep the batch axis, the containers, and the
``MLPDiscriminator`` / ``PackedDiscriminator`` of ``npgan.gan.models`` and pix2pix's
``PatchDiscriminator`` (``npgan.gan.unet``). Refused are
BatchNorm (batch statistics mix the samples), Flatten/Unflatten on the batch axis,
Dropout(p>0) (one mask for the joint batch instead of one per pass) and spectral norm
(one power iteration per update instead of two): those two change the draws, not the
distribution, but not the trajectory either. Forward pre-hooks other than spectral
norm's are not inspected.

The game is handed a D that already holds the joint pass's outputs for the real and the
fake batch and runs D for anything else (WGAN-GP's D(x_hat) keeps its own pass), so
neither the game nor the trainer knows about the wrapper. A packed D (PacGAN) is joined
only when both batch sizes are multiples of its pack, so no group mixes real and fake
samples; a conditional D gets the real batch's labels twice (the trainer generates the
fake batch with them). Otherwise the update falls back to two passes.
"""

from .. import nn
from ..nn.module import Module
from ..nn.utils import spectral_norm_hooks
from ..ops import cat
from .models import MLPDiscriminator, PackedDiscriminator
from .trainer import BoundDiscriminator
from .unet import PatchDiscriminator

# the layers whose own forward treats every sample (a row of the batch axis) on its own
_PER_SAMPLE = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.LeakyReLU, nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Dropout,
               nn.LayerNorm, nn.Sequential, nn.ModuleList, MLPDiscriminator, PackedDiscriminator,
               PatchDiscriminator)


def _own_forward(module, classes):
    """True if ``module`` is an instance of one of ``classes`` and runs that class's
    ``forward`` and ``Module.__call__`` (a subclass overriding either is not trusted)."""
    cls = type(module)
    if cls.__call__ is not Module.__call__:
        return False
    return any(isinstance(module, c) and cls.forward is c.forward for c in classes)


def batch_coupling(D):
    """Why one pass of ``D`` on cat([real, fake]) would not be two passes: a list of
    "name (Type): why" strings, empty when every module of D is known to treat each sample
    on its own and to draw nothing (module docstring)."""
    found = []
    for name, m in D.named_modules():
        label = f"{name or '<root>'} ({type(m).__name__})"
        if spectral_norm_hooks(m):
            found.append(f"{label}: spectral norm's power iteration would run once, not twice")
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            found.append(f"{label}: normalizes with the batch statistics")
        elif isinstance(m, nn.Flatten) and _own_forward(m, (nn.Flatten,)):
            if m.start_dim <= 0:
                found.append(f"{label}: start_dim={m.start_dim} may merge the batch axis")
        elif isinstance(m, nn.Unflatten) and _own_forward(m, (nn.Unflatten,)):
            if m.dim <= 0:
                found.append(f"{label}: dim={m.dim} may split the batch axis")
        elif not _own_forward(m, _PER_SAMPLE):
            found.append(f"{label}: not a known per-sample layer")
        elif isinstance(m, nn.Dropout) and m.p > 0:
            found.append(f"{label}: one dropout mask for both batches, not one each")
    return found


class JointPass:
    """``game``, with real and fake scored in one pass of ``D`` (module docstring); a
    ``ValueError`` listing what stands in the way if ``D`` is not known to allow it."""

    def __init__(self, game, D):
        found = batch_coupling(D)
        if found:
            raise ValueError("JointPass: one pass of D on cat([real, fake]) would not equal two passes: "
                             + "; ".join(found) + ". Play the game without JointPass")
        self.game, self.D = game, D
        self.packs = tuple(m.pack for m in D.modules() if isinstance(m, PackedDiscriminator))

    def discriminator_loss(self, D, real, fake, rng=None):
        """The game's loss for ``D``, the ``BoundDiscriminator`` of the wrapped module."""
        if D.module is not self.D:
            raise ValueError("JointPass: called with a discriminator other than the one it was made for")
        if self._can_join(D, real, fake):
            D = _Scored(D, real, fake, *self._one_pass(D, real, fake))
        return self.game.discriminator_loss(D, real, fake, rng)

    def generator_loss(self, D, fake, rng=None):
        return self.game.generator_loss(D, fake, rng)

    def after_discriminator_step(self, D):
        self.game.after_discriminator_step(D)

    def _can_join(self, D, real, fake):
        n_real, n_fake = real.shape[0], fake.shape[0]
        if real.shape[1:] != fake.shape[1:] or real.dtype != fake.dtype:
            return False
        if any(n_real % m or n_fake % m for m in self.packs):
            return False  # groups would straddle real and fake: two passes (D raises its own error)
        return D.labels is None or D.labels.shape[0] == n_real == n_fake

    def _one_pass(self, D, real, fake):
        labels = None if D.labels is None else cat([D.labels, D.labels], 0)
        out = BoundDiscriminator(D.module, labels)(cat([real, fake], 0))
        n_real, total = real.shape[0], real.shape[0] + fake.shape[0]
        if out.ndim == 0 or out.shape[0] * n_real % total:
            raise RuntimeError(f"JointPass: D's output of shape {out.shape} for a joint batch of {n_real} real + "
                               f"{fake.shape[0]} fake samples does not split between them; play the game "
                               "without JointPass")
        k = out.shape[0] * n_real // total  # rows of the real part (fewer than n_real for a packed D)
        return out[:k], out[k:]


class _Scored:
    """D for one discriminator update: the joint pass's outputs for the very batches it
    scored, a pass of D for any other input."""

    def __init__(self, D, real, fake, real_out, fake_out):
        self.D, self.scored = D, ((real, real_out), (fake, fake_out))

    def __call__(self, x):
        for batch, out in self.scored:
            if x is batch:
                return out
        return self.D(x)
