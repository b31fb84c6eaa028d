"""``Conv2d`` and ``ConvTranspose2d`` on ``npgan.ops.conv`` (PyTorch's layouts).

    Conv2d           weight (out_channels, in_channels, KH, KW)
                     OH = (H + 2 PH - DH (KH - 1) - 1) // SH + 1
    ConvTranspose2d  weight (in_channels, out_channels, KH, KW)
                     OH = (H - 1) SH - 2 PH + DH (KH - 1) + OPH + 1

Both are initialized as in PyTorch: kaiming_uniform_(a=sqrt(5)) and a bias in
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with fan_in from weight dims 1, 2, 3 -- for the
transposed conv that is out_channels * KH * KW, as PyTorch computes it.
``groups`` and ``padding_mode`` keep PyTorch's argument positions; only their defaults
(1, "zeros") are supported.
"""
import numpy as np

from ..autograd.dtypes import get_default_dtype
from ..kernels.conv_checks import pair
from ..ops.conv import conv2d, conv_transpose2d
from .linear import reset_weight_and_bias
from .module import Module
from .parameter import Parameter


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                 bias, padding_mode, dtype):
        super().__init__()
        name = type(self).__name__
        if groups != 1 or padding_mode != "zeros":
            raise ValueError(f"{name}: only groups=1 and padding_mode='zeros' are supported, "
                             f"got groups={groups!r}, padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(name, "kernel_size", kernel_size, 1)
        self.stride = pair(name, "stride", stride, 1)
        self.padding = pair(name, "padding", padding, 0)
        self.dilation = pair(name, "dilation", dilation, 1)
        self.output_padding = pair(name, "output_padding", output_padding, 0)
        self.groups, self.padding_mode = groups, padding_mode
        dtype = dtype or get_default_dtype()
        shape = self.weight_shape() + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.register_parameter("bias", Parameter(np.empty(out_channels, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self):
        """PyTorch's: the non-default settings only."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) of (N, C, H, W) inputs."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, dtype)

    def weight_shape(self):
        return (self.out_channels, self.in_channels)

    def forward(self, input):
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution: the upsampling layer of the DCGAN generator."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, dtype)

    def weight_shape(self):
        return (self.in_channels, self.out_channels)

    def forward(self, input):
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.dilation)
