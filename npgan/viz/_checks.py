"""Turning viz inputs into NumPy arrays, with errors that name the function and shape."""
import numpy as np

from ..autograd.tensor import Tensor


def as_numpy(x):
    """The array inside an npgan Tensor, or ``x`` (array, list) as an array."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def as_points(x, where, name="samples"):
    """``x`` as a float64 array of shape (N, 2): one 2-D point per row."""
    arr = as_numpy(x)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{where}: {name} must have shape (N, 2), got {arr.shape}")
    return arr.astype(np.float64)
