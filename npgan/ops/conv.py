"""Convolution ops: conv2d, conv_transpose2d and conv2d_weight -- a family closed under
differentiation (shape notation and kernels: ``npgan/kernels/conv.py``).

conv2d is linear in its input and in its weight; conv_transpose2d is its adjoint in the
input, conv2d_weight its adjoint in the weight. So each backward is made of the three:

    op                          kernel                      d/d first input               d/d second input
    y  = conv2d(x, w)           conv2d_forward              conv_transpose2d(gy, w)       conv2d_weight(x, gy)
    y  = conv_transpose2d(x, w) conv_transpose2d_forward    conv2d(gy, w)                 conv2d_weight(gy, x)
    gw = conv2d_weight(x, gy)   conv2d_weight               conv_transpose2d(gy, g)       conv2d(x, g)
    gb = conv_bias_grad(gy)     conv_bias_grad              broadcast of g over (N, OH, OW)

and, because every backward is written with these ops on Tensors, gradients of any order
(the WGAN-GP penalty on a conv critic) flow through them with no extra code.

A conv2d with stride > 1 may ignore the last rows/columns of its input; its transpose then
restores them as zeros through output_padding (always < stride there). Only a transposed
convolution whose output_padding >= stride (allowed when output_padding < dilation) gives
an input gradient one row longer than its input, which is cut off with an index.
"""
from ..autograd.function import Function
from ..kernels import unchecked, validate
from ._util import check_tensor
from .shape import broadcast_to, getitem, reshape


class Conv2d(Function):
    """y = conv2d(x, w) + b:  gx = conv_transpose2d(gy, w),  gw = conv2d_weight(x, gy),  gb = sum of gy over (N, OH, OW)."""

    def __init__(self, stride, padding, dilation):
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w, b=None):
        return unchecked("conv2d_forward")(x, w, b, self.stride, self.padding, self.dilation)

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            output_padding = _leftover(x.shape[2:], gy.shape[2:], w.shape[2:], self.stride, self.padding, self.dilation)
            gx = ConvTranspose2d(self.stride, self.padding, output_padding, self.dilation)(gy, w)
        if need[1]:
            gw = Conv2dWeight(w.shape[2:], self.stride, self.padding, self.dilation)(x, gy)
        if len(self.inputs) == 2:
            return gx, gw
        if need[2]:
            gb = ConvBiasGrad()(gy)
        return gx, gw, gb


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, w) + b:  gx = conv2d(gy, w),  gw = conv2d_weight(gy, x),  gb = sum of gy over (N, OH, OW)."""

    def __init__(self, stride, padding, output_padding, dilation):
        self.stride, self.padding, self.output_padding, self.dilation = stride, padding, output_padding, dilation

    def forward(self, x, w, b=None):
        return unchecked("conv_transpose2d_forward")(x, w, b, self.stride, self.padding, self.output_padding,
                                                     self.dilation)

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = _crop(Conv2d(self.stride, self.padding, self.dilation)(gy, w), x.shape[2:])
        if need[1]:
            gw = Conv2dWeight(w.shape[2:], self.stride, self.padding, self.dilation)(gy, x)
        if len(self.inputs) == 2:
            return gx, gw
        if need[2]:
            gb = ConvBiasGrad()(gy)
        return gx, gw, gb


class Conv2dWeight(Function):
    """gw = conv2d_weight(x, gy), bilinear in (x, gy): for an output gradient g of gw's shape,
    dx = conv_transpose2d(gy, g),  dgy = conv2d(x, g)."""

    def __init__(self, kernel_size, stride, padding, dilation):
        self.kernel_size, self.stride, self.padding, self.dilation = tuple(kernel_size), stride, padding, dilation

    def forward(self, x, gy):
        return unchecked("conv2d_weight")(x, gy, self.kernel_size, self.stride, self.padding, self.dilation)

    def backward(self, g):
        x, gy = self.inputs
        need = self.needs_input_grad
        dx = dgy = None
        if need[0]:
            output_padding = _leftover(x.shape[2:], gy.shape[2:], self.kernel_size, self.stride, self.padding,
                                       self.dilation)
            dx = ConvTranspose2d(self.stride, self.padding, output_padding, self.dilation)(gy, g)
        if need[1]:
            dgy = _crop(Conv2d(self.stride, self.padding, self.dilation)(x, g), gy.shape[2:])
        return dx, dgy


class ConvBiasGrad(Function):
    """gb[o] = sum over n, oh, ow of gy[n, o, oh, ow] (one pass, ``conv_channel_sum``);
    dgy = g broadcast back over (N, OH, OW)."""

    def forward(self, gy):
        return unchecked("conv_bias_grad")(gy)

    def backward(self, g):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(g, (1, shape[1]) + (1,) * (len(shape) - 2)), shape)


def _leftover(in_size, out_size, kernel_size, stride, padding, dilation):
    """The rows/columns of the input a conv2d with these arguments never reaches past its last
    window: the output_padding with which conv_transpose2d restores the input size."""
    return tuple(i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
                 for i, o, k, s, p, d in zip(in_size, out_size, kernel_size, stride, padding, dilation))


def _crop(t, size):
    """t[..., :size[0], :size[1]] when t is larger (only when output_padding >= stride)."""
    if tuple(t.shape[2:]) == tuple(size):
        return t
    return getitem(t, (slice(None), slice(None), slice(0, size[0]), slice(0, size[1])))


def _batched(op, x):
    check_tensor(x, op)
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:  # unbatched (C, H, W), as in PyTorch
        return reshape(x, (1,) + x.shape), True
    raise ValueError(f"{op}: input must be 3-D (C, H, W) or 4-D (N, C, H, W), got input of shape {x.shape}")


def _check_params(op, w, b):
    check_tensor(w, op, "weight")
    if w.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D, got weight of shape {w.shape}")
    if b is not None:
        check_tensor(b, op, "bias")


def _conv_layer(op, function, kernel_name, x, w, b, *geometry):
    """What conv2d and conv_transpose2d share around their Function: an unbatched (C, H, W)
    input as a batch of one, every argument validated by the kernel's check before anything
    is recorded (errors name the argument and its value; the only check on the way down),
    then ``function(*geometry as pairs)`` applied to (x, w) or (x, w, b)."""
    x4, unbatched = _batched(op, x)
    _check_params(op, w, b)
    # the check returns (x, w, b, *geometry as pairs)
    geometry = validate(kernel_name, x4.data, w.data, None if b is None else b.data, *geometry)[3:]
    inputs = (x4, w) if b is None else (x4, w, b)
    y = function(*geometry)(*inputs)
    return reshape(y, y.shape[1:]) if unbatched else y


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D convolution (cross-correlation, as ``torch.nn.functional.conv2d``).

    x (N, C, H, W) or unbatched (C, H, W); w (O, C, KH, KW); b (O,) or None; stride,
    padding and dilation an int or a pair (height, width). Returns (N, O, OH, OW) with
    OH = (H + 2PH - DH(KH-1) - 1) // SH + 1."""
    return _conv_layer("conv2d", Conv2d, "conv2d_forward", x, w, b, stride, padding, dilation)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """2-D transposed convolution (as ``torch.nn.functional.conv_transpose2d``): the adjoint of
    conv2d in its input, so it maps conv2d's output shape back to its input shape.

    x (N, C, H, W) or unbatched (C, H, W); w (C, O, KH, KW); b (O,) or None. Returns
    (N, O, OH, OW) with OH = (H-1)SH - 2PH + DH(KH-1) + OPH + 1; output_padding must be
    smaller than stride or dilation."""
    return _conv_layer("conv_transpose2d", ConvTranspose2d, "conv_transpose2d_forward", x, w, b,
                       stride, padding, output_padding, dilation)


def conv2d_weight(x, gy, kernel_size, stride=1, padding=0, dilation=1):
    """The weight gradient of conv2d (``torch.nn.grad.conv2d_weight`` without groups):
    gw (O, C, KH, KW) with gw[o, c, kh, kw] = sum_{n, oh, ow} gy[n, o, oh, ow] x[n, c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW].

    x (N, C, H, W) or (C, H, W); gy (N, O, OH, OW) or (O, OH, OW), the shape conv2d(x, w) has."""
    x4, unbatched = _batched("conv2d_weight", x)
    check_tensor(gy, "conv2d_weight", "grad_output")
    if gy.ndim != x.ndim:
        raise ValueError(f"conv2d_weight: grad_output of shape {gy.shape} must have as many dimensions as "
                         f"input of shape {x.shape}")
    gy4 = reshape(gy, (1,) + gy.shape) if unbatched else gy
    _, _, kernel_size, stride, padding, dilation = validate("conv2d_weight", x4.data, gy4.data, kernel_size,
                                                            stride, padding, dilation)
    return Conv2dWeight(kernel_size, stride, padding, dilation)(x4, gy4)
