"""Elementwise arithmetic and math: add, sub, mul, div, neg, pow, exp, log, sqrt, abs,
maximum, minimum, clamp, where, and the dtype casts.

Binary ops broadcast like NumPy; their backward returns gradients of the broadcast
shape and the engine sums them back to each input's shape (``sum_to``).
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import as_tensor, binary_operands, check_tensor
from .locally_constant import locally_constant


class Add(Function):
    """y = a + b;  da = gy, db = gy."""

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Sub(Function):
    """y = a - b;  da = gy, db = -gy."""

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, (-gy if self.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  da = gy * b, db = gy * a."""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return (gy * b if self.needs_input_grad[0] else None,
                gy * a if self.needs_input_grad[1] else None)


class Div(Function):
    """y = a / b;  da = gy / b, db = -gy * a / b^2."""

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = gy / b if self.needs_input_grad[0] else None
        gb = -gy * a / (b * b) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    """y = -x;  dx = -gy."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowScalar(Function):
    """y = x^c for a constant c;  dx = gy * c * x^(c-1)."""

    def __init__(self, exponent):
        self.c = exponent

    def forward(self, x):
        return x ** x.dtype.type(self.c)

    def backward(self, gy):
        x, = self.inputs
        if self.c == 2:
            return gy * (2.0 * x)
        return gy * self.c * x ** (self.c - 1)


class Pow(Function):
    """y = a^b for tensors;  da = gy * b * a^(b-1), db = gy * y * log(a) (a > 0)."""
    retain_output = True

    def forward(self, a, b):
        return a ** b

    def backward(self, gy):
        a, b = self.inputs
        ga = gy * b * a ** (b - 1.0) if self.needs_input_grad[0] else None
        gb = gy * self.output() * log(a) if self.needs_input_grad[1] else None
        return ga, gb


class Exp(Function):
    """y = e^x;  dx = gy * y."""
    retain_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    """y = ln x;  dx = gy / x."""

    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Sqrt(Function):
    """y = sqrt(x);  dx = gy / (2 y)."""
    retain_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, gy):
        return gy / (2.0 * self.output())


class Abs(Function):
    """y = |x|;  dx = gy * sign(x) (sign is locally constant; 0 at x = 0, as PyTorch)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, gy):
        return gy * locally_constant(np.sign, self.inputs[0])


class Where(Function):
    """y = where(cond, a, b), cond a boolean Tensor (a constant: no gradient);
    da = gy [cond], db = gy [not cond]."""

    def forward(self, condition, a, b):
        return np.where(condition, a, b)

    def backward(self, gy):
        condition = self.inputs[0]
        zero = Tensor(np.zeros((), dtype=gy.dtype))
        ga = Where()(condition, gy, zero) if self.needs_input_grad[1] else None
        gb = Where()(condition, zero, gy) if self.needs_input_grad[2] else None
        return None, ga, gb


class Cast(Function):
    """y = x converted to ``dtype``;  dx = gy converted back."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return Cast(self.in_dtype)(gy)


def add(a, b):
    a, b = binary_operands(a, b, "add")
    return Add()(a, b)


def sub(a, b):
    a, b = binary_operands(a, b, "sub")
    return Sub()(a, b)


def mul(a, b):
    a, b = binary_operands(a, b, "mul")
    return Mul()(a, b)


def div(a, b):
    a, b = binary_operands(a, b, "div")
    return Div()(a, b)


def neg(x):
    return Neg()(check_tensor(x, "neg"))


def pow(x, exponent):
    """x ** exponent: a constant exponent (number) or an elementwise tensor exponent."""
    if isinstance(exponent, (int, float, np.integer, np.floating)) and isinstance(x, Tensor):
        if exponent == 1:
            return x
        return PowScalar(float(exponent))(x)
    x, exponent = binary_operands(x, exponent, "pow")
    return Pow()(x, exponent)


def exp(x):
    return Exp()(check_tensor(x, "exp"))


def log(x):
    return Log()(check_tensor(x, "log"))


def sqrt(x):
    return Sqrt()(check_tensor(x, "sqrt"))


def abs(x):
    return Abs()(check_tensor(x, "abs"))


def where(condition, a, b):
    """Elementwise ``a`` where ``condition`` else ``b`` (condition: bool array or Tensor)."""
    cond = condition if isinstance(condition, Tensor) else Tensor(np.asarray(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    a, b = binary_operands(a, b, "where")
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: condition {cond.shape}, a {a.shape} and b {b.shape} do not broadcast") from None
    return Where()(cond, a, b)


def maximum(a, b):
    """Elementwise max; the gradient goes to ``a`` where a >= b (ties to ``a``)."""
    a, b = binary_operands(a, b, "maximum")
    return Where()(locally_constant(np.greater_equal, a, b), a, b)


def minimum(a, b):
    """Elementwise min; the gradient goes to ``a`` where a <= b (ties to ``a``)."""
    a, b = binary_operands(a, b, "minimum")
    return Where()(locally_constant(np.less_equal, a, b), a, b)


def clamp(x, min=None, max=None):
    """x limited to [min, max]; the gradient passes where min <= x <= max (as PyTorch)."""
    check_tensor(x, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if min is not None and max is not None and not isinstance(min, Tensor) and not isinstance(max, Tensor) \
            and min > max:
        raise ValueError(f"clamp: min ({min}) is greater than max ({max})")
    y = x
    if min is not None:
        lo = as_tensor(min, x, "clamp")
        y = Where()(locally_constant(np.greater_equal, y, lo), y, lo)
    if max is not None:
        hi = as_tensor(max, x, "clamp")
        y = Where()(locally_constant(np.less_equal, y, hi), y, hi)
    return y


def cast(x, dtype):
    check_tensor(x, "cast")
    if x.dtype == np.dtype(dtype):
        return x
    return Cast(dtype)(x)
