"""C versions of the convolution loops (``csrc/conv.c`` through cffi), same signatures as
``conv.py``. Every public function here is wrapped by ``conv.checked``, so C receives only
validated sizes and C-contiguous arrays whose sizes match them; the output arrays were
allocated or checked there with exactly the shape C writes, and overlap no input.
"""
import numpy as np

from npgan._C import ffi, lib

from . import conv as _conv
from .checking import checked

_SUFFIX = {np.dtype(np.float32): ("f32", "float *"), np.dtype(np.float64): ("f64", "double *")}


def _ptr(a, ctype):
    return ffi.NULL if a is None else ffi.cast(ctype, a.ctypes.data)


def _fn(name, dtype):
    suffix, ctype = _SUFFIX[dtype]
    return getattr(lib, f"npgan_conv_{name}_{suffix}"), ctype


@checked("conv_im2col")
def im2col(x, cols, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    C, H, W, NB = x.shape
    fn, t = _fn("im2col", x.dtype)
    fn(_ptr(x, t), _ptr(cols, t), C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW,
       _conv.loop_threads(cols.size))
    return cols


@checked("conv_col2im")
def col2im(cols, x, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    fn, t = _fn("col2im", cols.dtype)
    fn(_ptr(cols, t), _ptr(x, t), C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW,
       _conv.loop_threads(cols.size))
    return x


@checked("conv_transpose")
def transpose(a, bias, group, out):
    R, S = a.shape
    fn, t = _fn("transpose", a.dtype)
    fn(_ptr(a, t), _ptr(bias, t), _ptr(out, t), R, S, group, _conv.loop_threads(a.size))
    return out


@checked("conv_channel_sum")
def channel_sum(y):
    N, C, L = y.shape
    out = np.empty(C, y.dtype)
    fn, t = _fn("channel_sum", y.dtype)
    fn(_ptr(y, t), _ptr(out, t), N, C, L, _conv.loop_threads(y.size))
    return out
