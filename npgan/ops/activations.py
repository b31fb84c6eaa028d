"""Activations: relu, leaky_relu, sigmoid, tanh, softplus.

leaky_relu is the hot one in GAN training, so its forward and its gradient run through
the C/Numba kernels; its gradient is itself an op (``LeakyReLUGrad``) whose own
backward reuses it, which closes the family under differentiation.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..kernels import kernel
from ._util import check_tensor
from .locally_constant import locally_constant


class ReLU(Function):
    """y = max(x, 0);  dx = gy [x > 0]."""

    def forward(self, x):
        return np.maximum(x, x.dtype.type(0))

    def backward(self, gy):
        return gy * locally_constant(_positive, self.inputs[0])


def _positive(x):
    """[x > 0] in x's dtype."""
    return (x > 0).astype(x.dtype)


class LeakyReLU(Function):
    """y = x if x > 0 else s x;  dx = LeakyReLUGrad(x, gy)."""

    def __init__(self, negative_slope):
        self.s = negative_slope

    def forward(self, x):
        return kernel("leaky_relu_forward")(x, self.s)

    def backward(self, gy):
        return LeakyReLUGrad(self.s)(self.inputs[0], gy)


class LeakyReLUGrad(Function):
    """gx = gy if x > 0 else s gy — linear in gy, piecewise constant in x, so its own
    gradients are: d/dgy = LeakyReLUGrad(x, ggx), d/dx = 0 (almost everywhere)."""

    def __init__(self, negative_slope):
        self.s = negative_slope

    def forward(self, x, gy):
        return kernel("leaky_relu_backward")(x, gy, self.s)

    def backward(self, ggx):
        x, _ = self.inputs
        return None, (LeakyReLUGrad(self.s)(x, ggx) if self.needs_input_grad[1] else None)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x), computed as exp(-log(1 + e^-x)) so no exp overflows;
    dx = gy * y (1 - y)."""
    retain_output = True

    def forward(self, x):
        return np.exp(-np.logaddexp(x.dtype.type(0), -x))

    def backward(self, gy):
        y = self.output()
        return gy * y * (1.0 - y)


class Tanh(Function):
    """y = tanh x;  dx = gy (1 - y^2)."""
    retain_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1.0 - y * y)


class Softplus(Function):
    """y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) (stable for any x);  dx = gy * sigmoid(x)."""

    def forward(self, x):
        return np.maximum(x, x.dtype.type(0)) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


def relu(x):
    return ReLU()(check_tensor(x, "relu"))


def leaky_relu(x, negative_slope=0.01):
    check_tensor(x, "leaky_relu")
    if not isinstance(negative_slope, (int, float)) or not math.isfinite(negative_slope):
        raise ValueError(f"leaky_relu: negative_slope must be a finite number, got {negative_slope!r}")
    return LeakyReLU(float(negative_slope))(x)


def sigmoid(x):
    return Sigmoid()(check_tensor(x, "sigmoid"))


def tanh(x):
    return Tanh()(check_tensor(x, "tanh"))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta. ``threshold`` is accepted for PyTorch compatibility;
    the stable formula needs no switch to the linear regime."""
    check_tensor(x, "softplus")
    if beta == 1.0:
        return Softplus()(x)
    return Softplus()(x * beta) / beta
