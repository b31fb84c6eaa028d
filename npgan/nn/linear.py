"""``Linear``: y = x W^T + b with W of shape (out_features, in_features), as PyTorch."""
import math

import numpy as np

from ..autograd.dtypes import get_default_dtype
from ..ops.linalg import linear
from . import init
from .module import Module
from .parameter import Parameter


def reset_weight_and_bias(weight, bias):
    """PyTorch's default init of Linear and Conv layers: kaiming_uniform_(a=sqrt(5)),
    i.e. W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """A dense layer: y = x W^T + b for x of shape (..., in_features)."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.register_parameter("bias", Parameter(np.empty(out_features, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
