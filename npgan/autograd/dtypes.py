"""The default floating dtype (float32, as in PyTorch) and dtype checks."""
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


def check_dtype(dtype):
    d = np.dtype(dtype)
    if d not in (float32, float64) and d.kind != "i" and d.kind != "b":
        raise TypeError(f"unsupported dtype {d}; npgan computes in float32 or float64")
    return d
