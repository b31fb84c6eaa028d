"""Matrix products: matmul (batched, broadcasting) and linear (y = x W^T + b).

The backward of each is written with matmul and transposes, so the family is closed
under differentiation. The 2-D products run in the ``gemm`` kernel (``kernels/gemm.py``: the
BLAS library the registry chose), batched ones in ``numpy.matmul``.
"""
import numpy as np

from ..autograd.function import Function
from ..kernels import kernel
from ._util import check_tensor
from .reductions import Sum
from .shape import Permute, reshape


class MatMul(Function):
    """y = a @ b for a, b with ndim >= 2 (batch dims broadcast);
    da = gy @ b^T, db = a^T @ gy (batch broadcasting undone by the engine)."""

    def forward(self, a, b):
        return _matmul_arrays(a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = _matmul(gy, _swap_last_two(b)) if self.needs_input_grad[0] else None
        gb = _matmul(_swap_last_two(a), gy) if self.needs_input_grad[1] else None
        return ga, gb


class Linear(Function):
    """y = x W^T + b with x (..., in), W (out, in), b (out,) — PyTorch's layout.
    dx = gy W;  dW = gy^T x (batch axes flattened);  db = sum of gy over batch axes.

    The bias is added in place into the product (one pass, no temporary): the forward of
    ``linear`` is one GEMM plus one add, whatever the batch shape."""

    def forward(self, x, w, b=None):
        y = _matmul_arrays(x, w.T)
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gy2 = gy if gy.ndim == 2 else reshape(gy, -1, gy.shape[-1])  # (batch, out), batch axes flattened
        gx = gw = gb = None
        if need[0]:
            gx = _matmul(gy2, w)
            if x.ndim != 2:
                gx = reshape(gx, x.shape)
        if need[1]:
            gw = _matmul(_swap_last_two(gy2), x if x.ndim == 2 else reshape(x, -1, x.shape[-1]))
        if len(self.inputs) == 2:
            return gx, gw
        if need[2]:
            gb = Sum((0,), False)(gy2)
        return gx, gw, gb


def _matmul_arrays(a, b):
    """a @ b on arrays: a 2-D product in the ``gemm`` kernel (the GEMM library the registry
    chose, ``kernels/gemm.py``), a batched one in numpy.matmul; and one shortcut around BLAS:
    with inner dimension 1, a @ b is the outer product a[..., :, 0] b[..., 0, :], and a
    broadcast multiply gives the same numbers (each entry is one product, nothing is summed)
    faster than a GEMM, which is slow for K = 1 (benchmarks/README.md, "Inner dimension 1").
    That case is the input gradient of every layer with one output unit, such as a
    discriminator's last Linear."""
    if a.shape[-1] == 1 and a.ndim >= 2 and b.ndim >= 2:
        return np.multiply(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return kernel("gemm")(a, b)
    return np.matmul(a, b)


# The backward formulas above call the ops' Functions directly: their operands are
# already checked Tensors of one dtype whose shapes align, so the argument checks of the
# public ``matmul`` / ``transpose`` (for user input) would only cost time, on every
# backward of every layer.

def _matmul(a, b):
    """a @ b for Tensors with ndim >= 2 known to align (no argument checks)."""
    return MatMul()(a, b)


def _swap_last_two(a):
    """a with its last two axes swapped (a view), for Tensors with ndim >= 2."""
    axes = list(range(a.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return Permute(tuple(axes))(a)


def matmul(a, b):
    """a @ b with PyTorch's rules for 1-D operands (a vector is promoted, then squeezed)."""
    check_tensor(a, "matmul")
    check_tensor(b, "matmul", "other")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: dtype mismatch: {a.dtype} (shape {a.shape}) and {b.dtype} (shape {b.shape})")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    a2 = reshape(a, 1, -1) if a.ndim == 1 else a
    b2 = reshape(b, -1, 1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align ({a2.shape[-1]} != {b2.shape[-2]})")
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dims of {a.shape} and {b.shape} do not broadcast") from None
    y = MatMul()(a2, b2)
    if a.ndim == 1 and b.ndim == 1:
        return reshape(y, ())
    if a.ndim == 1:
        return reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        return reshape(y, y.shape[:-1])
    return y


def linear(x, weight, bias=None):
    """y = x W^T + b (PyTorch's ``F.linear``; W has shape (out_features, in_features))."""
    check_tensor(x, "linear")
    check_tensor(weight, "linear", "weight")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features "
                         f"but weight of shape {weight.shape} expects {weight.shape[1]}")
    if x.dtype != weight.dtype:
        raise TypeError(f"linear: input dtype {x.dtype} differs from weight dtype {weight.dtype}")
    if bias is None:
        return Linear()(x, weight)
    check_tensor(bias, "linear", "bias")
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if bias.dtype != weight.dtype:
        raise TypeError(f"linear: bias dtype {bias.dtype} differs from weight dtype {weight.dtype}")
    return Linear()(x, weight, bias)
