"""Leaf tensors from user data -- ``tensor`` (a copy) and ``from_numpy`` (shared memory), as
in PyTorch -- under the dtype rules of ``npgan.autograd.dtypes``, applied on the way in by
``as_array``.
"""
import numpy as np

from . import dtypes
from .tensor import Tensor


def as_array(value, dtype=None, where="tensor"):
    """``value`` (Tensor, ndarray, number, nested list) as an ndarray of a dtype a tensor
    may hold (``dtypes.check_dtype``; else a TypeError naming ``where``).

    Floating arrays keep their dtype (float32 stays float32, float64 stays float64);
    Python numbers and lists take ``dtype`` or the default; integers and booleans keep
    theirs unless ``dtype`` is given (for labels and masks).
    """
    if isinstance(value, Tensor):
        value = value.data
    if dtype is not None:
        return np.asarray(value, dtype=dtypes.check_dtype(dtype, where))
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not isinstance(value, (np.ndarray, np.generic)):
        arr = arr.astype(dtypes.get_default_dtype(), copy=False)
    dtypes.check_dtype(arr.dtype, where)
    return arr


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (as ``torch.tensor``)."""
    arr = np.array(as_array(data, dtype), copy=True)
    if requires_grad:
        dtypes.check_requires_grad(arr.dtype, "tensor")
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(array):
    """A leaf tensor sharing memory with ``array`` (as ``torch.from_numpy``), under the
    dtype rules of ``tensor()``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(as_array(array, where="from_numpy"))
