"""Reductions: sum, mean, var, amax/max, amin/min over ``dim`` with ``keepdim``."""
import math
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import check_tensor, normalize_dims
from .locally_constant import locally_constant
from .shape import BroadcastTo, Reshape, broadcast_to, reshape


class Sum(Function):
    """y = sum of x over ``dims``;  dx = gy broadcast back over those dims."""

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0]
        if not self.keepdim and self.dims:
            gy = Reshape(_kept_shape(x.shape, self.dims))(gy)
        return BroadcastTo(x.shape)(gy) if gy.shape != x.shape else gy


class AMax(Function):
    """y = max of x over ``dims``;  dx = gy at the maximal entries, split evenly among
    ties (as ``torch.amax``). The mask of maximal entries is locally constant."""

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        return x.max(axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0]
        if not self.keepdim:
            gy = reshape(gy, _kept_shape(x.shape, self.dims))
        return broadcast_to(gy, x.shape) * locally_constant(_tie_shares, x, dims=self.dims)


def _tie_shares(x, dims):
    """1 / (number of maximal entries) at the maximal entries of x over ``dims``, else 0."""
    mask = x == x.max(axis=dims, keepdims=True)
    return (mask / mask.sum(axis=dims, keepdims=True, dtype=x.dtype)).astype(x.dtype)


def _arg_along(x, arg, dim, keepdim):
    """``arg`` (np.argmax / np.argmin) of x along ``dim``, the reduced axis kept if ``keepdim``."""
    indices = arg(x, axis=dim)
    return np.expand_dims(indices, dim) if keepdim else indices


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _dims(x, dim, op):
    check_tensor(x, op)
    return normalize_dims(dim, x.ndim, op) if x.ndim else ()


def sum(x, dim=None, keepdim=False, *, axis=None):
    """Sum over ``dim`` (None: all axes), as ``torch.sum``; ``axis`` is NumPy's alias."""
    dims = _dims(x, dim if axis is None else axis, "sum")
    return Sum(dims, keepdim)(x)


def mean(x, dim=None, keepdim=False, *, axis=None):
    dims = _dims(x, dim if axis is None else axis, "mean")
    n = math.prod([x.shape[d] for d in dims])
    if n == 0:
        raise ValueError(f"mean: reducing over an empty dimension of shape {x.shape}")
    return Sum(dims, keepdim)(x) / float(n)


def var(x, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None):
    """Variance with Bessel's correction by default, as ``torch.var``:
    sum((x - mean)^2) / (n - correction)."""
    dims = _dims(x, dim if axis is None else axis, "var")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    n = math.prod([x.shape[d] for d in dims])
    if n - correction <= 0:
        raise ValueError(f"var: {n} element(s) with correction={correction} leaves no degrees of freedom")
    d = x - mean(x, dims, keepdim=True)
    return sum(d * d, dims, keepdim) / float(n - correction)


def amax(x, dim=None, keepdim=False):
    dims = _dims(x, dim, "amax")
    if x.numel() == 0:
        raise ValueError("amax: the tensor is empty")
    return AMax(dims, keepdim)(x)


def amin(x, dim=None, keepdim=False):
    return -amax(-check_tensor(x, "amin"), dim, keepdim)


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def max(x, dim=None, keepdim=False, *, axis=None):
    """``max(x)``: the largest entry; ``max(x, dim)``: ``(values, indices)`` along
    ``dim`` as in PyTorch; ``max(x, other_tensor)``: the elementwise ``maximum``."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(x, dim)
    dim = dim if axis is None else axis
    if dim is None:
        return amax(x)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"max: dim must be an int, got {dim!r}; use amax for several dims")
    values = amax(x, dim, keepdim)
    indices = locally_constant(_arg_along, x, arg=np.argmax, dim=dim, keepdim=keepdim)
    return MaxResult(values, indices)


def min(x, dim=None, keepdim=False, *, axis=None):
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(x, dim)
    dim = dim if axis is None else axis
    if dim is None:
        return amin(x)
    values = amin(x, dim, keepdim)
    indices = locally_constant(_arg_along, x, arg=np.argmin, dim=dim, keepdim=keepdim)
    return MaxResult(values, indices)
