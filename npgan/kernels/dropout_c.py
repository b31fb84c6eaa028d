"""The dropout mask in C (``csrc/dropout.c``) through cffi; the definition and the
argument checks are in ``dropout.py``, which allocates the (contiguous) mask."""
import numpy as np

from npgan._C import ffi, lib

from .threads import loop_threads

_FN = {np.dtype(np.float32): (lib.npgan_dropout_mask_f32, "float *"),
       np.dtype(np.float64): (lib.npgan_dropout_mask_f64, "double *")}


def dropout_mask(mask, threshold, seed, scale):
    fn, ctype = _FN[mask.dtype]
    fn(ffi.cast(ctype, mask.ctypes.data), mask.size, seed, threshold, float(scale), loop_threads(mask.size))
    return mask
