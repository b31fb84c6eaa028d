"""C versions of the convolution loops (``csrc/conv.c`` through cffi), on the checked
arguments of ``conv.py``'s reference loops. The registry runs each behind its guard
(``guards.py``), so C receives only C-contiguous, aligned arrays whose shapes match the sizes
passed with them, and sizes of at most 2^31 - 1 (passed as 64-bit integers).
"""
import numpy as np

from npgan._C import ffi, lib

from .threads import loop_threads

_SUFFIX = {np.dtype(np.float32): ("f32", "float *"), np.dtype(np.float64): ("f64", "double *")}


def _ptr(a, ctype):
    return ffi.NULL if a is None else ffi.cast(ctype, a.ctypes.data)


def _fn(name, dtype):
    """C function ``npgan_<name>_f32`` or ``_f64`` for ``dtype``, and its pointer type."""
    suffix, ctype = _SUFFIX[dtype]
    return getattr(lib, f"npgan_{name}_{suffix}"), ctype


def im2col(x, cols, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    C, H, W, NB = x.shape
    fn, t = _fn("conv_im2col", x.dtype)
    fn(_ptr(x, t), _ptr(cols, t), C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW,
       loop_threads(cols.size))
    return cols


def col2im(cols, x, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    fn, t = _fn("conv_col2im", cols.dtype)
    fn(_ptr(cols, t), _ptr(x, t), C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW,
       loop_threads(cols.size))
    return x


def transpose_add_bias(a, bias, group, out):
    R, S = a.shape
    fn, t = _fn("transpose_add_bias", a.dtype)
    fn(_ptr(a, t), _ptr(bias, t), _ptr(out, t), R, S, group, loop_threads(a.size))
    return out


def channel_sum(y):
    N, C, L = y.shape
    out = np.empty(C, y.dtype)
    fn, t = _fn("conv_channel_sum", y.dtype)
    fn(_ptr(y, t), _ptr(out, t), N, C, L, loop_threads(y.size))
    return out
