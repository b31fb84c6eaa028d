"""Argument checks of the convolution kernels (``conv.py``; shape notation there): each
error names the op, the argument and its value. Each is registered as its kernel's
``check`` (public arguments -> the implementation's arguments):

* the array-level kernels (``conv2d_args``, ``conv_transpose2d_args``,
  ``conv2d_weight_args``, ``conv_bias_grad_args``): the conv ops run these once, before
  anything is recorded (``registry.validate``), and the kernels then run unchecked;
* the hot loops (``conv_im2col``, ``conv_col2im``, ``transpose_add_bias``,
  ``conv_channel_sum``): for callers of the loops themselves (tests, benchmarks). The
  array-level kernels call the loops unchecked; what keeps those loops inside their arrays
  is their guard (``guards.py``).

Inputs are made C-contiguous and aligned (copied only when they are not), on every backend.
"""
import numbers

import numpy as np

from .guards import INT_MAX as _INT_MAX

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_MINIMUM = {"kernel_size": 1, "stride": 1, "padding": 0, "output_padding": 0, "dilation": 1, "out_size": 1}


# --------------------------------------------------------------------------- single arguments

def pair(op, name, value, minimum):
    """``value`` as a pair of ints (an int means the same in both dimensions), each >= minimum."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {name}={value!r}")
    if isinstance(value, numbers.Integral):
        value = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value):
        value = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {name}={value!r}")
    if min(value) < minimum or max(value) > _INT_MAX:
        raise ValueError(f"{op}: {name} must be >= {minimum} in each dimension, got {name}={value}")
    return value


def pairs(op, **geometry):
    """Each keyword argument (kernel_size, stride, padding, ...) as a ``pair``, in the order
    given, with the minimum its name implies (0 for the paddings, 1 for the rest)."""
    return tuple(pair(op, name, value, _MINIMUM[name]) for name, value in geometry.items())


def float_array(op, name, a, ndim=None):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{op}: {name} must be a numpy.ndarray of float32 or float64, got {type(a).__name__}")
    if a.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{op}: {name} has dtype {a.dtype}; expected float32 or float64")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D, got {name} of shape {a.shape}")
    if any(s > _INT_MAX for s in a.shape):
        raise ValueError(f"{op}: {name} of shape {a.shape} is too large (each size must be < 2**31)")
    return a


def same_dtype(op, name, a, ref_name, ref):
    if a.dtype != ref.dtype:
        raise TypeError(f"{op}: {name} has dtype {a.dtype} but {ref_name} has dtype {ref.dtype}; "
                        f"convert one of them (no implicit casts)")


def check_bias(op, b, channels, ref_name, ref):
    if b is None:
        return None
    float_array(op, "bias", b, ndim=1)
    same_dtype(op, "bias", b, ref_name, ref)
    if b.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},) (one per output channel), got {b.shape}")
    return b


# --------------------------------------------------------------------------- output sizes

def conv_output_size(op, in_size, kernel_size, stride, padding, dilation):
    """OH, OW of conv2d; raises if the dilated kernel is larger than the padded input."""
    out = []
    for i, k, s, p, d in zip(in_size, kernel_size, stride, padding, dilation):
        span = d * (k - 1) + 1
        if span > i + 2 * p:
            raise ValueError(
                f"{op}: kernel_size={tuple(kernel_size)} (dilated span {d * (k - 1) + 1} with "
                f"dilation={tuple(dilation)}) is larger than the padded input: input size "
                f"{tuple(in_size)} with padding={tuple(padding)} gives "
                f"{tuple(n + 2 * q for n, q in zip(in_size, padding))}")
        out.append((i + 2 * p - span) // s + 1)
    return tuple(out)


def transposed_output_size(op, in_size, kernel_size, stride, padding, output_padding, dilation):
    """OH, OW of conv_transpose2d; checks output_padding < max(stride, dilation) and OH >= 1."""
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= max(s, d):
            raise ValueError(f"{op}: output_padding must be smaller than either stride or dilation, got "
                             f"output_padding={tuple(output_padding)}, stride={tuple(stride)}, "
                             f"dilation={tuple(dilation)}")
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + q + 1
                for i, k, s, p, q, d in zip(in_size, kernel_size, stride, padding, output_padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: the output size would be {out} (< 1): padding={tuple(padding)} is too large "
                         f"for input size {tuple(in_size)}, kernel_size={tuple(kernel_size)}, "
                         f"stride={tuple(stride)}, dilation={tuple(dilation)}")
    return out


# --------------------------------------------------------------------------- the array-level kernels

def _layer_args(op, x, w, b, in_axis, layout, **geometry):
    """The checks conv2d and conv_transpose2d share; they differ only in the weight's
    layout: ``in_axis`` is the weight axis of the input channels (1 in conv2d's
    (out, in, KH, KW), 0 in conv_transpose2d's (in, out, KH, KW)), and ``layout`` is
    added to the channel-mismatch error. Returns the validated bias and geometry pairs."""
    out_axis = 1 - in_axis
    float_array(op, "input", x, ndim=4)
    float_array(op, "weight", w, ndim=4)
    same_dtype(op, "weight", w, "input", x)
    geometry = pairs(op, **geometry)
    if w.shape[out_axis] < 1 or min(w.shape[2:]) < 1 or min(x.shape[1:]) < 1:
        raise ValueError(f"{op}: empty weight {w.shape} or input {x.shape} (only the batch may be empty)")
    if x.shape[1] != w.shape[in_axis]:
        raise ValueError(f"{op}: input has {x.shape[1]} channels (input shape {x.shape}) but weight of shape "
                         f"{w.shape} expects {w.shape[in_axis]}{layout}")
    return check_bias(op, b, w.shape[out_axis], "input", x), geometry


def conv2d_args(x, w, b=None, stride=1, padding=0, dilation=1, op="conv2d"):
    """Validated ``(x, w, b, stride, padding, dilation)`` of conv2d (the geometry as pairs)."""
    b, (stride, padding, dilation) = _layer_args(op, x, w, b, 1, "", stride=stride, padding=padding,
                                                 dilation=dilation)
    conv_output_size(op, x.shape[2:], w.shape[2:], stride, padding, dilation)
    return x, w, b, stride, padding, dilation


def conv_transpose2d_args(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1, op="conv_transpose2d"):
    """Validated ``(x, w, b, stride, padding, output_padding, dilation)`` (the geometry as pairs)."""
    b, (stride, padding, output_padding, dilation) = _layer_args(
        op, x, w, b, 0, " (weight is (in, out, KH, KW))",
        stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    out = transposed_output_size(op, x.shape[2:], w.shape[2:], stride, padding, output_padding, dilation)
    if max(out) > _INT_MAX:
        raise ValueError(f"{op}: output size {out} is too large")
    return x, w, b, stride, padding, output_padding, dilation


def conv2d_weight_args(x, gy, kernel_size, stride=1, padding=0, dilation=1, op="conv2d_weight"):
    """Validated ``(x, gy, kernel_size, stride, padding, dilation)`` of conv2d_weight.

    gy's spatial size must be one that a conv2d of x can produce with these arguments
    (the natural OH, or -- as the input of the matching conv_transpose2d -- one with
    H = (OH-1)SH - 2PH + DH(KH-1) + 1 + r, 0 <= r < max(SH, DH))."""
    float_array(op, "input", x, ndim=4)
    float_array(op, "grad_output", gy, ndim=4)
    same_dtype(op, "grad_output", gy, "input", x)
    kernel_size, stride, padding, dilation = pairs(op, kernel_size=kernel_size, stride=stride, padding=padding,
                                                   dilation=dilation)
    if min(x.shape[1:]) < 1 or min(gy.shape[1:]) < 1:
        raise ValueError(f"{op}: empty input {x.shape} or grad_output {gy.shape} (only the batch may be empty)")
    if gy.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: grad_output has batch size {gy.shape[0]} but input has {x.shape[0]} "
                         f"(shapes {gy.shape} and {x.shape})")
    conv_output_size(op, x.shape[2:], kernel_size, stride, padding, dilation)
    for i, o, k, s, p, d in zip(x.shape[2:], gy.shape[2:], kernel_size, stride, padding, dilation):
        r = i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        if not 0 <= r < max(s, d):
            raise ValueError(f"{op}: grad_output of shape {gy.shape} does not fit input of shape {x.shape} with "
                             f"kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}")
    return x, gy, kernel_size, stride, padding, dilation


def conv_bias_grad_args(gy, op="conv_bias_grad"):
    """Validated ``(gy,)``: (N, O, ...) with a batch and a channel axis."""
    float_array(op, "grad_output", gy)
    if gy.ndim < 2:
        raise ValueError(f"{op}: grad_output must have a batch and a channel axis, got shape {gy.shape}")
    return (gy,)


# --------------------------------------------------------------------------- the hot loops

def _out_array(op, out, shape, dtype, *inputs):
    """``out`` (or a new array): C-contiguous, writeable, of ``shape`` and ``dtype``, and not
    overlapping any input (the loops read inputs while they write ``out``)."""
    if out is None:
        return np.empty(shape, dtype)
    float_array(op, "out", out)
    if out.shape != tuple(shape) or out.dtype != dtype:
        raise ValueError(f"{op}: out has shape {out.shape} and dtype {out.dtype}; expected {tuple(shape)} and {dtype}")
    if not (out.flags.c_contiguous and out.flags.writeable and out.flags.aligned):
        raise ValueError(f"{op}: out must be C-contiguous, aligned and writeable")
    if any(a is not None and np.may_share_memory(out, a) for a in inputs):
        raise ValueError(f"{op}: out overlaps an input")
    return out


def loop_input(a):
    """A read-only input as the loops need it: C-contiguous and aligned (copied only if it is
    not; None stays None). Not a check: the array-level kernels use it on their arrays too."""
    if a is None:
        return None
    flags = a.flags
    return a if flags.c_contiguous and flags.aligned else np.require(a, requirements="CA")


def _geometry(op, kernel_size, stride, padding, dilation, out_size):
    """(KH, KW, SH, SW, PH, PW, DH, DW, OH, OW): the loops' flat geometry arguments."""
    return sum(pairs(op, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                     out_size=out_size), ())


def im2col_args(x, kernel_size, stride, padding, dilation, out_size, out=None):
    op = "conv_im2col"
    float_array(op, "x", x, ndim=4)
    geometry = _geometry(op, kernel_size, stride, padding, dilation, out_size)
    if min(x.shape) < 1:
        raise ValueError(f"{op}: x of shape {x.shape} (C, H, W, NB) is empty")
    C, NB = x.shape[0], x.shape[3]
    KH, KW, OH, OW = geometry[0], geometry[1], geometry[8], geometry[9]
    out = _out_array(op, out, (C * KH * KW, OH * OW * NB), x.dtype, x)
    return (loop_input(x), out) + geometry


def col2im_args(cols, x_shape, kernel_size, stride, padding, dilation, out_size, out=None):
    op = "conv_col2im"
    float_array(op, "cols", cols, ndim=2)
    if (not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4
            or not all(isinstance(s, numbers.Integral) and 1 <= s <= _INT_MAX for s in x_shape)):
        raise ValueError(f"{op}: x_shape must be 4 sizes (C, H, W, NB), each >= 1, got x_shape={x_shape!r}")
    C, H, W, NB = map(int, x_shape)
    geometry = _geometry(op, kernel_size, stride, padding, dilation, out_size)
    KH, KW, OH, OW = geometry[0], geometry[1], geometry[8], geometry[9]
    if cols.shape != (C * KH * KW, OH * OW * NB):
        raise ValueError(f"{op}: cols has shape {cols.shape}; x_shape={tuple(x_shape)}, kernel_size={(KH, KW)} "
                         f"and out_size={(OH, OW)} need ({C * KH * KW}, {OH * OW * NB})")
    out = _out_array(op, out, (C, H, W, NB), cols.dtype, cols)
    return (loop_input(cols), out, C, H, W, NB) + geometry


def transpose_add_bias_args(a, bias=None, group=1, out=None):
    """``group`` matters only with a bias (which then has one entry per ``group`` rows of a);
    without one, any positive int is accepted and the loops are given 1."""
    op = "transpose_add_bias"
    float_array(op, "a", a, ndim=2)
    if isinstance(group, (bool, np.bool_)) or not isinstance(group, numbers.Integral) or group < 1:
        raise ValueError(f"{op}: group must be a positive int, got group={group!r}")
    R, S = a.shape
    if bias is not None:
        if R % group:
            raise ValueError(f"{op}: a has {R} rows, not a multiple of group={group}")
        check_bias(op, bias, R // group, "a", a)
        bias = loop_input(bias)
    out = _out_array(op, out, (S, R), a.dtype, a, bias)
    return loop_input(a), bias, int(group) if bias is not None and R else 1, out


def channel_sum_args(y):
    op = "conv_channel_sum"
    float_array(op, "y", y)
    if y.ndim < 2:
        raise ValueError(f"{op}: y must have a batch and a channel axis, got shape {y.shape}")
    return (channel_rows(loop_input(y)),)


def channel_rows(y):
    """(N, C, ...) -> the (N, C, L) view the channel-sum loops take (also for an empty batch)."""
    return y.reshape(y.shape[0], y.shape[1], int(np.prod(y.shape[2:], dtype=np.int64)))
