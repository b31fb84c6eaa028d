"""The global random generator behind ``manual_seed``, random tensors and initializers.

One ``numpy.random.Generator`` (PCG64) seeded by ``manual_seed``; its state can be read
and restored (``get_rng_state`` / ``set_rng_state``) as plain JSON-able data, so a
checkpoint resumes the same random stream.
"""
import numpy as np

from .autograd import capture
from .autograd.dtypes import get_default_dtype
from .autograd.tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed npgan's global generator (as ``torch.manual_seed``)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    return _generator


def get_rng_state():
    """The generator state as a JSON-able dict."""
    return _generator.bit_generator.state


def set_rng_state(state):
    bit_generator = np.random.PCG64()
    bit_generator.state = state
    global _generator
    _generator = np.random.Generator(bit_generator)


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def randn(*size, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples of ``size``."""
    g = generator or _generator
    data = g.standard_normal(_shape(size), dtype=np.dtype(dtype or get_default_dtype()))
    if capture.recorder is not None:
        capture.recorder.draw(generator, "standard_normal", (_shape(size),), {"dtype": data.dtype}, data)
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) of ``size``."""
    g = generator or _generator
    data = g.random(_shape(size), dtype=np.dtype(dtype or get_default_dtype()))
    if capture.recorder is not None:
        capture.recorder.draw(generator, "random", (_shape(size),), {"dtype": data.dtype}, data)
    return Tensor(data, requires_grad=requires_grad)
