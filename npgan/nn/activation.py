"""Activation modules: ReLU, LeakyReLU, Tanh, Sigmoid (wrappers of the ops).

``inplace`` is accepted for PyTorch compatibility (DCGAN code writes
``LeakyReLU(0.2, inplace=True)``); npgan always computes out of place, which gives the
same values."""
from ..ops.activations import leaky_relu, relu, sigmoid, tanh
from .module import Module


class ReLU(Module):
    """y = max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope x (Maas et al., 2013; 0.2 in DCGAN's discriminator)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """y = tanh x (the DCGAN generator's output, in [-1, 1])."""

    def forward(self, input):
        return tanh(input)


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)."""

    def forward(self, input):
        return sigmoid(input)
