"""The default floating dtype (float32, as in PyTorch) and the dtype rules of tensors:
npgan computes in float32 or float64; integer and boolean tensors hold labels and masks;
only float32 and float64 tensors can require gradients."""
import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
_default = float32


def get_default_dtype():
    return _default


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64) the dtype of new floating tensors and parameters."""
    global _default
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default = d


def check_dtype(dtype, where="tensor"):
    """``dtype`` as a np.dtype if a tensor may hold it, else a TypeError naming ``where``."""
    d = np.dtype(dtype)
    if d not in (float32, float64) and d.kind not in "iub":
        raise TypeError(f"{where}: unsupported dtype {d}; npgan computes in float32 or float64 "
                        "(integer and boolean tensors hold labels and masks)")
    return d


def check_requires_grad(dtype, where):
    """A TypeError naming ``where`` unless a tensor of ``dtype`` can require gradients."""
    if dtype not in (float32, float64):
        raise TypeError(f"{where}: only floating-point tensors (float32, float64) can require gradients, "
                        f"got dtype {dtype}")
