"""Minibatch features: layers that let D compare a sample with the other samples of its
batch, so that a generator whose samples are too alike (mode collapse) is easy to spot
(NIPS 2016 tutorial, section 5.1.1).

Minibatch discrimination (Salimans et al., 2016, section 3.2). For features f(x_i) in R^A
of the N samples of a batch and a learned tensor T in R^{A x B x C} (B kernels of
dimension C; stored as an (A, B*C) matrix):

    M_i       = f(x_i) T                               in R^{B x C}
    c_b(i, j) = exp(-||M_{i,b} - M_{j,b}||_1)          (L1 over the C entries of kernel b)
    o(x_i)_b  = sum_{j=1..N} c_b(i, j)                 (j = i included, as the paper's code)
    output    = [f(x_i), o(x_i)]                        in R^{A + B}

The kink of |.| at 0: the j = i term is the constant exp(0) = 1 (M_i - M_i is 0 for every
T and x), so any choice of d|d|/dd at 0 gives it the exact derivative 0; ``abs`` takes
sign(0) = 0. Two *different* samples at the same point (an exactly collapsed G) sit on
the cusp of exp(-|d|) in x; there the gradient in x is the symmetric subgradient 0 (the
mean of the two one-sided slopes), and in T still exact (their difference is 0 for every T).
Second derivatives are those of the smooth parts (abs has second derivative 0 off 0).

Minibatch standard deviation (Karras et al., 2018, section 3): the standard deviation of
every feature over a group of samples, averaged over the features into one number per
group, appended to every sample of the group as one more feature (channel):

    s = mean_over_features sqrt(var_over_group(x) + eps)      (biased variance)
    output = cat([x, s broadcast to (N, 1, *spatial)], dim 1)

Groups are ``group_size`` consecutive samples (the whole batch by default).
"""
import math

import numpy as np

from ..autograd.dtypes import get_default_dtype
from .. import ops
from . import init
from .module import Module
from .parameter import Parameter


class MinibatchDiscrimination(Module):
    """(N, in_features) -> (N, in_features + num_kernels): the features and o(x_i)."""

    def __init__(self, in_features, num_kernels, kernel_dim, dtype=None):
        super().__init__()
        for name, value in (("in_features", in_features), ("num_kernels", num_kernels), ("kernel_dim", kernel_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MinibatchDiscrimination: {name} must be an int >= 1, got {value!r}")
        self.in_features, self.num_kernels, self.kernel_dim = in_features, num_kernels, kernel_dim
        self.T = Parameter(np.empty((in_features, num_kernels * kernel_dim), dtype=dtype or get_default_dtype()))
        self.reset_parameters()

    def reset_parameters(self):
        """T ~ N(0, 1 / in_features): each entry of M_i has the scale of one feature of f(x_i)
        (the paper's code draws N(0, 0.05^2), tuned to its 8,192 features)."""
        init.normal_(self.T, 0.0, 1.0 / math.sqrt(self.in_features))

    def forward(self, input):
        if input.ndim != 2 or input.shape[1] != self.in_features:
            raise ValueError(f"MinibatchDiscrimination: expected input of shape (N, {self.in_features}), "
                             f"got {input.shape}")
        n = input.shape[0]
        M = ops.reshape(ops.matmul(input, self.T), (n, self.num_kernels, self.kernel_dim))
        l1 = ops.sum(ops.abs(ops.unsqueeze(M, 1) - ops.unsqueeze(M, 0)), 3)  # (N, N, B): ||M_i,b - M_j,b||_1
        o = ops.sum(ops.exp(-l1), 1)                                           # (N, B): the sum over j
        return ops.cat([input, o], 1)

    def extra_repr(self):
        return f"in_features={self.in_features}, num_kernels={self.num_kernels}, kernel_dim={self.kernel_dim}"


class MinibatchStdDev(Module):
    """(N, C, *spatial) -> (N, C + 1, *spatial), or (N, F) -> (N, F + 1): the input and its
    group's mean standard deviation."""

    def __init__(self, group_size=None, eps=1e-8):
        super().__init__()
        if group_size is not None and (isinstance(group_size, bool) or not isinstance(group_size, int)
                                       or group_size < 1):
            raise ValueError(f"MinibatchStdDev: group_size must be None or an int >= 1, got {group_size!r}")
        self.group_size, self.eps = group_size, eps

    def forward(self, input):
        if input.ndim < 2:
            raise ValueError(f"MinibatchStdDev: expected input of shape (N, C, ...), got {input.shape}")
        n = input.shape[0]
        g = n if self.group_size is None else self.group_size
        if n % g:
            raise ValueError(f"MinibatchStdDev: a batch of {n} samples does not split into groups of "
                             f"group_size = {g}")
        groups = ops.reshape(input, (n // g, g) + input.shape[1:])
        centered = groups - ops.mean(groups, 1, keepdim=True)
        std = ops.sqrt(ops.mean(centered * centered, 1) + self.eps)          # (N/g, C, *spatial)
        s = ops.mean(ops.reshape(std, (n // g, -1)), 1)                      # (N/g,): one value per group
        spatial = input.shape[2:]
        s = ops.reshape(s, (n // g, 1, 1) + (1,) * len(spatial))
        s = ops.reshape(ops.broadcast_to(s, (n // g, g, 1) + spatial), (n, 1) + spatial)
        return ops.cat([input, s], 1)

    def extra_repr(self):
        return f"group_size={self.group_size}, eps={self.eps}"
