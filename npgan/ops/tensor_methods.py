"""Attach the operators and methods of ``Tensor`` (``+``, ``@``, ``.sum()``, ``.mul_()``, ...).

``Tensor`` is defined in ``npgan.autograd.tensor``, a layer below the ops, so it cannot
import them; this table gives it its methods when ``npgan.ops`` is imported (by
``import npgan``), each one the op it names. The in-place methods come from
``npgan.autograd.inplace``, where the version counter they bump is explained.
"""
import numpy as np

from ..autograd import inplace
from ..autograd.tensor import Tensor
from . import activations as act
from . import elementwise as el
from . import linalg, reductions, shape
from .locally_constant import locally_constant


def _r(fn):
    return lambda self, other: fn(other, self)


def _against(x, op, other):
    """op(x, other) for a Python value ``other`` (kept a Python scalar: NumPy's promotion)."""
    return op(x, other)


def _cmp(np_op):
    def compare(self, other):
        if isinstance(other, Tensor):
            return locally_constant(np_op, self, other)
        return locally_constant(_against, self, op=np_op, other=other)
    return compare


def _expand(self, *sizes):
    """self broadcast to ``sizes``, new dims in front; -1 keeps a dim (``torch.Tensor.expand``)."""
    sizes = shape._shape_arg(sizes)
    lead = len(sizes) - self.ndim
    return shape.broadcast_to(self, tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                                          for i, n in enumerate(sizes)))


_METHODS = {
    "__add__": el.add, "__radd__": _r(el.add),
    "__sub__": el.sub, "__rsub__": _r(el.sub),
    "__mul__": el.mul, "__rmul__": _r(el.mul),
    "__truediv__": el.div, "__rtruediv__": _r(el.div),
    "__neg__": el.neg, "__pow__": el.pow, "__rpow__": _r(el.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _r(linalg.matmul),
    "__getitem__": shape.getitem, "__abs__": el.abs,
    # comparisons give boolean tensors (no gradient), as in PyTorch
    "__lt__": _cmp(np.less), "__le__": _cmp(np.less_equal),
    "__gt__": _cmp(np.greater), "__ge__": _cmp(np.greater_equal),
    "__eq__": _cmp(np.equal), "__ne__": _cmp(np.not_equal),
    "add": el.add, "sub": el.sub, "mul": el.mul, "div": el.div, "neg": el.neg, "pow": el.pow,
    "exp": el.exp, "log": el.log, "sqrt": el.sqrt, "abs": el.abs, "clamp": el.clamp,
    "maximum": el.maximum, "minimum": el.minimum,
    "relu": act.relu, "sigmoid": act.sigmoid, "tanh": act.tanh,
    "sum": reductions.sum, "mean": reductions.mean, "var": reductions.var,
    "max": reductions.max, "min": reductions.min, "amax": reductions.amax, "amin": reductions.amin,
    "reshape": shape.reshape, "view": shape.reshape, "flatten": shape.flatten,
    "permute": shape.permute, "transpose": shape.transpose,
    "unsqueeze": shape.unsqueeze, "squeeze": shape.squeeze, "expand": _expand,
    "matmul": linalg.matmul,
    "float": lambda self: el.cast(self, np.float32), "double": lambda self: el.cast(self, np.float64),
    "to": lambda self, dtype: el.cast(self, dtype),
    # in place, not differentiated: refused on a tensor that requires grad unless under no_grad
    "copy_": inplace.copy_, "fill_": inplace.fill_, "zero_": inplace.zero_, "add_": inplace.add_,
    "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_, "clamp_": inplace.clamp_,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(lambda self: shape.permute(self, tuple(reversed(range(self.ndim)))))
