"""Constant tensors: ``zeros``, ``ones``, ``zeros_like``, ``ones_like`` (as in PyTorch).

``size`` is given as PyTorch takes it, ``zeros(2, 3)`` or ``zeros((2, 3))``; the dtype
defaults to ``get_default_dtype()``, and the ``*_like`` forms keep ``x``'s shape and dtype.
"""
import numpy as np

from .autograd.dtypes import get_default_dtype
from .autograd.tensor import Tensor
from .random import _shape


def zeros(*size, dtype=None, requires_grad=False):
    return Tensor(np.zeros(_shape(size), dtype=dtype or get_default_dtype()), requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return Tensor(np.ones(_shape(size), dtype=dtype or get_default_dtype()), requires_grad=requires_grad)


def zeros_like(x, requires_grad=False):
    return Tensor(np.zeros_like(x.data), requires_grad=requires_grad)


def ones_like(x, requires_grad=False):
    return Tensor(np.ones_like(x.data), requires_grad=requires_grad)
