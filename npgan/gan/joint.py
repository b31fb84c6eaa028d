"""Scoring real and fake in one pass of D: ``D(cat([x, G(z)]))`` split in two, instead of
``D(x)`` and ``D(G(z))``.

The two are the same function exactly when D treats every sample on its own: no batch
statistics (BatchNorm in training mode), nothing that mixes samples. One pass does half
the ops (npgan pays Python overhead per op) and GEMMs twice as tall, which BLAS runs
faster per flop (see ``npgan.gan.trainer``).

``batch_coupling(D)`` reads D's module tree and sorts its modules into

* per sample — a whitelist of layers whose ``forward`` is npgan's own: Linear, Conv2d,
  ConvTranspose2d, the activations, Dropout, LayerNorm, Flatten/Unflatten that keep the
  batch axis, BatchNorm in eval mode with running statistics, the containers, and the
  ``MLPDiscriminator`` / ``PackedDiscriminator`` of ``npgan.gan.models``. A subclass
  counts if it keeps the whitelisted ``forward`` and ``__call__``. Spectral norm's
  forward pre-hook is allowed (see below); any other hook is unknown.
* coupled — known to mix the samples of a batch: BatchNorm using batch statistics
  (training mode, or no running statistics), Flatten/Unflatten on the batch axis.
* unknown — everything else, e.g. a user-defined module.

``PackedDiscriminator`` (PacGAN) judges groups of ``pack`` consecutive samples: stacking
the real batch on top of the fake one keeps real groups and fake groups apart when both
batch sizes are multiples of ``pack``; ``Critic.joint_scores`` checks that on every call
and falls back to two passes otherwise (where D itself raises its clear error).

Two layers give a joint pass that differs from two passes in its draws, not in
distribution; ``batch_coupling`` lists them as ``redrawn``, and the trainer's "auto" mode
keeps two passes for them (a forced joint pass takes them):
* Dropout (p > 0, training) draws one mask for the joint batch instead of one per pass:
  each entry is still kept with probability 1 - p independently, but the trajectory is
  not the two-pass one. (For the DCGAN discriminator the joint pass also saves no time:
  its convolutions already run the batch in chunks.)
* Spectral norm runs its power iteration once per forward in training mode: once per D
  update instead of twice (as in SNGAN's Algorithm 1), so u, v and sigma after a step
  differ slightly from the two-pass ones.
"""
import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..nn.utils.spectral_norm import SpectralNorm
from ..ops import cat
from .models import MLPDiscriminator, PackedDiscriminator

# the layers whose own forward treats every sample (a row of the batch axis) on its own
_PER_SAMPLE = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.LeakyReLU, nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Dropout,
               nn.LayerNorm, nn.Sequential, nn.ModuleList, MLPDiscriminator, PackedDiscriminator)


class BatchCoupling:
    """What ``batch_coupling`` found: ``coupled``, ``unknown`` and ``redrawn`` are lists of
    "name (Type): why" strings; ``packs`` the group sizes of the packed discriminators."""

    def __init__(self, coupled, unknown, redrawn, packs):
        self.coupled, self.unknown, self.redrawn, self.packs = coupled, unknown, redrawn, tuple(packs)

    @property
    def per_sample(self):
        """True when every module is known to treat each sample on its own."""
        return not self.coupled and not self.unknown


def _own_forward(module, classes):
    """True if ``module`` is an instance of one of ``classes`` and runs that class's
    ``forward`` and ``Module.__call__`` (a subclass overriding either is not trusted)."""
    cls = type(module)
    if cls.__call__ is not Module.__call__:
        return False
    return any(isinstance(module, c) and cls.forward is c.forward for c in classes)


def batch_coupling(D):
    """Sort the modules of ``D`` into per sample / coupled / unknown (module docstring)."""
    coupled, unknown, redrawn, packs = [], [], [], []
    for name, m in D.named_modules():
        label = f"{name or '<root>'} ({type(m).__name__})"
        hooks = [h for h in m._forward_pre_hooks.values() if not isinstance(h, SpectralNorm)]
        if hooks:
            unknown.append(f"{label}: a forward pre-hook")
        if m.training and len(hooks) < len(m._forward_pre_hooks):
            redrawn.append(f"{label}: spectral norm's power iteration would run once, not twice")
        if isinstance(m, nn.Dropout) and m.training and m.p > 0:
            redrawn.append(f"{label}: one dropout mask for both batches, not one each")
        if isinstance(m, _BatchNorm):
            if m.training or m.running_mean is None:
                coupled.append(f"{label}: normalizes with the batch statistics"
                               + (" (training mode)" if m.training else " (no running statistics)"))
            elif not _own_forward(m, (_BatchNorm,)):
                unknown.append(f"{label}: not a known per-sample layer")
        elif isinstance(m, nn.Flatten) and _own_forward(m, (nn.Flatten,)):
            if m.start_dim == 0:
                coupled.append(f"{label}: start_dim=0 merges the batch axis")
            elif m.start_dim < 0:
                unknown.append(f"{label}: a negative start_dim may reach the batch axis")
        elif isinstance(m, nn.Unflatten) and _own_forward(m, (nn.Unflatten,)):
            if m.dim == 0:
                coupled.append(f"{label}: dim=0 splits the batch axis")
            elif m.dim < 0:
                unknown.append(f"{label}: a negative dim may reach the batch axis")
        elif _own_forward(m, _PER_SAMPLE):
            if isinstance(m, PackedDiscriminator):
                packs.append(m.pack)
        else:
            unknown.append(f"{label}: not a known per-sample layer")
    return BatchCoupling(coupled, unknown, redrawn, packs)


class Critic:
    """D as the games see it: a callable on one batch (with the labels of a conditional D
    bound), and ``joint_scores(real, fake)`` -> (D(real), D(fake)), in one pass of D on
    ``cat([real, fake])`` when ``joint``, else in two.

    ``labels`` (conditional D) belong to every batch D scores: the trainer's fake batch is
    generated with the real batch's labels, so the joint pass gets them twice."""

    def __init__(self, D, labels=None, joint=False, packs=()):
        self.D, self.labels, self.joint, self.packs = D, labels, joint, tuple(packs)
        self._y = None if labels is None else Tensor(labels)

    def __call__(self, x):
        return self.D(x) if self.labels is None else self.D(x, self._y)

    def _can_join(self, real, fake):
        n_real, n_fake = real.shape[0], fake.shape[0]
        if real.shape[1:] != fake.shape[1:] or real.dtype != fake.dtype:
            return False
        if any(n_real % m or n_fake % m for m in self.packs):
            return False  # groups would straddle real and fake: two passes (D raises its own error)
        return self.labels is None or len(self.labels) == n_real == n_fake

    def joint_scores(self, real, fake):
        if not (self.joint and self._can_join(real, fake)):
            return self(real), self(fake)
        x = cat([real, fake], 0)
        out = self.D(x) if self.labels is None else self.D(x, Tensor(np.concatenate([self.labels, self.labels])))
        n_real, total = real.shape[0], real.shape[0] + fake.shape[0]
        if out.ndim == 0 or out.shape[0] * n_real % total:
            raise RuntimeError(f"joint discriminator pass: D's output of shape {out.shape} for a joint batch of "
                               f"{n_real} real + {fake.shape[0]} fake samples does not split between them; "
                               "pass joint_discriminator_pass=False to GANTrainer")
        k = out.shape[0] * n_real // total  # rows of the real part (fewer than n_real for a packed D)
        return out[:k], out[k:]
