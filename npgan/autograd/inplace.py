"""In-place writes through npgan's API, and the version counter they keep (PyTorch's
``_version``).

    y = (x * x).sum()            # Mul keeps x for its backward, at x's version 0
    with npgan.no_grad():
        x.mul_(10.0)             # x is now at version 1
    y.backward()                 # RuntimeError: Mul.backward: its input 0 ... was changed in place

Each Tensor counts the writes into its array: ``increment_version`` adds one, and every
in-place write of npgan calls it -- the methods here (``copy_``, ``fill_``, ``zero_``,
``add_``, ``sub_``, ``mul_``, ``div_``, ``clamp_``, attached to Tensor by
``npgan.ops.tensor_methods``), the optimizers' ``step``, the ``npgan.nn.init`` fills and
``Module.load_state_dict``. A Function notes the versions of the tensors it keeps at its
forward and refuses to run its backward once one moved (``Function.input_grads``):
otherwise the gradient would silently use values the forward never saw.

Each write goes through ``_write``, where a captured step (``npgan.compile``) records it
to replay on the same array.

npgan does not differentiate through in-place writes: on a tensor that requires grad they
are refused while gradients are recorded, and allowed under ``no_grad`` (as an optimizer
writes its parameters). Writes into ``.data`` by hand are not counted (see ``Tensor``).
"""
import numbers

import numpy as np

from . import capture, grad_mode
from .tensor import Tensor


def increment_version(tensors):
    """Count one in-place write into each of ``tensors`` (a Tensor or an iterable of them),
    as ``torch.autograd.graph.increment_version``: for code that writes ``.data`` itself."""
    for t in [tensors] if isinstance(tensors, Tensor) else tensors:
        t._version_counter[0] += 1


def modified_error(fn, counters, versions):
    """The RuntimeError of ``fn``'s backward when a tensor it kept (its inputs, then its
    retained outputs, whose version ``counters`` stood at ``versions`` at the forward)
    was written in place since."""
    i = next(i for i, (c, v) in enumerate(zip(counters, versions)) if c[0] != v)
    n = len(fn.inputs)
    t, which = (fn.inputs[i], f"input {i}") if i < n else (fn.output(i - n), f"output {i - n}")
    made = "a leaf" if t.creator is None else f"made by {type(t.creator).__name__}"
    return RuntimeError(
        f"{type(fn).__name__}.backward: its {which} ({made}, shape {t.shape}, {t.dtype}) was changed in place "
        f"after the forward (it is at version {counters[i][0]}, the forward saw version {versions[i]}), so the "
        "gradient would use values the forward did not. Change it after the backward, or change a copy.")


def _check_target(t, op, arithmetic=False):
    if t.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"{op}: a tensor that requires grad can't be changed in place while gradients are "
                           "recorded (npgan does not differentiate in-place writes); use the out-of-place op, "
                           "or write under npgan.no_grad()")
    if not t.data.flags.writeable:
        raise ValueError(f"{op}: the tensor's array (shape {t.shape}) is read-only (a broadcast view?)")
    if arithmetic and t.dtype.kind != "f":
        raise TypeError(f"{op}: in-place arithmetic needs a float32 or float64 tensor, got {t.dtype}")


def _operand(t, other, op):
    """``other`` as an array to write into ``t``: a Tensor of t's dtype whose shape
    broadcasts to t's, or a real number (taken in t's dtype)."""
    if isinstance(other, numbers.Real):
        return np.asarray(other, dtype=t.dtype)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected a Tensor or a real number, got {type(other).__name__}")
    if other.dtype != t.dtype:
        raise TypeError(f"{op}: dtype mismatch: the tensor is {t.dtype}, the operand {other.dtype}")
    try:
        fits = np.broadcast_shapes(t.shape, other.shape) == t.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{op}: an operand of shape {other.shape} can't be written into a tensor of shape {t.shape}")
    return other.data


def _write(t, write, *operands):
    """``write(t.data, *operands)``: one in-place write, counted (and, while a step is
    captured, recorded so that ``npgan.compile`` replays it)."""
    if capture.recorder is not None:
        capture.recorder.write(write, t.data, operands)
    write(t.data, *operands)
    increment_version(t)
    return t


def _copy(target, value):
    np.copyto(target, value)


def _add(target, value, alpha):
    np.add(target, value if alpha == 1 else value * target.dtype.type(alpha), out=target)


def _sub(target, value, alpha):
    np.subtract(target, value if alpha == 1 else value * target.dtype.type(alpha), out=target)


def _mul(target, value):
    np.multiply(target, value, out=target)


def _div(target, value):
    np.divide(target, value, out=target)


def _clip(target, low, high):
    np.clip(target, low, high, out=target)


def copy_(self, src):
    """self[...] = src (a Tensor of self's dtype, broadcast to self's shape)."""
    _check_target(self, "copy_")
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: expected a Tensor, got {type(src).__name__}")
    return _write(self, _copy, _operand(self, src, "copy_"))


def fill_(self, value):
    """Every entry of self = ``value`` (a real number)."""
    _check_target(self, "fill_")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"fill_: expected a real number, got {type(value).__name__}")
    return _write(self, _copy, _operand(self, value, "fill_"))


def zero_(self):
    return fill_(self, 0)


def add_(self, other, alpha=1):
    """self += alpha * other."""
    _check_target(self, "add_", arithmetic=True)
    return _write(self, _add, _operand(self, other, "add_"), alpha)


def sub_(self, other, alpha=1):
    """self -= alpha * other."""
    _check_target(self, "sub_", arithmetic=True)
    return _write(self, _sub, _operand(self, other, "sub_"), alpha)


def mul_(self, other):
    """self *= other."""
    _check_target(self, "mul_", arithmetic=True)
    return _write(self, _mul, _operand(self, other, "mul_"))


def div_(self, other):
    """self /= other."""
    _check_target(self, "div_", arithmetic=True)
    return _write(self, _div, _operand(self, other, "div_"))


def clamp_(self, min=None, max=None):
    """Every entry of self into [min, max] (either bound may be None, not both)."""
    _check_target(self, "clamp_", arithmetic=True)
    if min is None and max is None:
        raise ValueError("clamp_: give min, max or both")
    low = None if min is None else _operand(self, min, "clamp_")
    high = None if max is None else _operand(self, max, "clamp_")
    return _write(self, _clip, low, high)
