"""Lipschitz constraints for critics: WGAN-GP's gradient penalty, R1, weight clipping.

The penalties differentiate the critic with ``create_graph=True`` (double backprop), so
the parameter update sees the penalty's own gradient through every layer — what
hand-derived second derivatives (numpy-ml's WGAN-GP) get wrong for tanh.
"""
import numpy as np

from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..ops import mean, sqrt, sum as reduce_sum
from .. import random as _random

_NORM_EPS = 1e-12  # keeps d sqrt(s)/ds finite when a gradient is exactly zero


def per_sample_grad_norm(g):
    """||g_i||_2 over ALL non-batch axes (a common bug takes one axis only)."""
    return sqrt(reduce_sum(g * g, tuple(range(1, g.ndim))) + _NORM_EPS)


def interpolate(real, fake, eps=None, rng=None):
    """x_hat = eps x + (1 - eps) G(z) with eps ~ U[0, 1] drawn once per sample from ``rng``
    (a NumPy random stream; ``None``: npgan's global one)."""
    if real.shape != fake.shape:
        raise ValueError(f"interpolate: real {real.shape} and fake {fake.shape} differ")
    if eps is None:  # a source of a captured step: redrawn from the stream at every replay
        shape, dtype = (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype
        eps = _random.draw(lambda: (_random.default_generator() if rng is None else rng).random(shape).astype(dtype))
    else:
        eps = Tensor(np.asarray(eps, dtype=real.dtype))
    x_hat = eps * real.detach() + (1.0 - eps) * fake.detach()
    return Tensor(x_hat.data, requires_grad=True)


def gradient_penalty(critic, real, fake, lam=10.0, eps=None, rng=None):
    """WGAN-GP (Gulrajani et al., 2017, Algorithm 1):
    lambda E (||grad_x_hat D(x_hat)||_2 - 1)^2 at x_hat = eps x + (1 - eps) G(z).
    The returned Tensor is differentiable w.r.t. the critic's parameters."""
    x_hat = interpolate(real, fake, eps, rng)
    g, = grad(critic(x_hat).sum(), [x_hat], create_graph=True)
    return lam * mean((per_sample_grad_norm(g) - 1.0) ** 2)


def r1_penalty(critic, real, gamma=10.0):
    """R1 (Mescheder et al., 2018): gamma/2 E ||grad_x D(x)||^2 on real data."""
    x = Tensor(real.detach().data, requires_grad=True)
    g, = grad(critic(x).sum(), [x], create_graph=True)
    return 0.5 * gamma * mean(reduce_sum(g * g, tuple(range(1, g.ndim))))


def clip_weights(parameters, c=0.01):
    """WGAN's weight clipping: every critic weight into [-c, c], in place (counted as an
    in-place write, so a graph that saw the old weights refuses to backward through them)."""
    if c <= 0:
        raise ValueError(f"clip_weights: c must be positive, got {c}")
    with no_grad():
        for p in parameters:
            p.clamp_(-c, c)
