"""Shared helpers for ops: turning operands into Tensors of one dtype, and axis handling."""
import numpy as np

from ..autograd.tensor import Tensor


def as_tensor(value, like, op):
    """``value`` as a Tensor with the dtype of ``like`` when it is a Python/NumPy scalar;
    arrays and Tensors must already have ``like``'s dtype (no silent up/down-cast)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, bool)) or (isinstance(value, np.generic) and np.ndim(value) == 0):
        return Tensor(np.asarray(value, dtype=like.dtype))
    if isinstance(value, np.ndarray):
        if value.dtype != like.dtype and not (value.dtype.kind in "iub" and like.dtype.kind == "f"):
            raise TypeError(f"{op}: dtype mismatch: operand arrays have dtypes {like.dtype} and {value.dtype}; "
                            "convert one explicitly (.float() / .double())")
        return Tensor(value.astype(like.dtype, copy=False))
    raise TypeError(f"{op}: unsupported operand of type {type(value).__name__}")


def binary_operands(a, b, op):
    """Both operands as Tensors of one floating dtype, or a TypeError naming ``op``.
    (Operands of one shape, or with a 0-d one such as a Python number, always broadcast:
    only other shape pairs are checked, which keeps ``x * 0.5`` cheap.)"""
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
        a = as_tensor(a, b, op)
    elif not isinstance(b, Tensor):
        b = as_tensor(b, a, op)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: dtype mismatch: {a.dtype} (shape {a.shape}) and {b.dtype} (shape {b.shape}); "
                        "npgan does not promote silently; convert one with .float() or .double()")
    shape_a, shape_b = a.data.shape, b.data.shape
    if shape_a != shape_b and shape_a and shape_b:
        try:
            np.broadcast_shapes(shape_a, shape_b)
        except ValueError:
            raise ValueError(f"{op}: shapes {shape_a} and {shape_b} cannot be broadcast together") from None
    return a, b


def check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def normalize_dims(dim, ndim, op):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise ValueError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(out))
