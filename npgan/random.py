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


def draw(sample):
    """``sample()`` -- a function of no arguments drawing one NumPy array (or a tuple of
    them) from a random stream -- run now, its result as a Tensor (or a tuple of Tensors).

    In eager code that is all. In a captured step (``npgan.compile``) the draw is a
    *source*: each replay calls ``sample()`` again, so the numbers are fresh at every
    step and come from the same stream, in the same order, as eager's. The trainer draws
    its noise, labels and real batches through it; ``randn`` and ``rand`` are two such draws."""
    arrays = sample()
    single = not isinstance(arrays, tuple)
    arrays = (arrays,) if single else arrays
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"npgan.random.draw: the draw returned a {type(a).__name__} (item {i}); "
                            "return NumPy arrays")
    if capture.recorder is not None:
        capture.recorder.source(sample, arrays)
    tensors = tuple(Tensor(a) for a in arrays)
    return tensors[0] if single else tensors


def randn(*size, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples of ``size``."""
    shape, dtype = _shape(size), np.dtype(dtype or get_default_dtype())
    x = draw(lambda: (generator or _generator).standard_normal(shape, dtype=dtype))
    return Tensor(x.data, requires_grad=True) if requires_grad else x


def rand(*size, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) of ``size``."""
    shape, dtype = _shape(size), np.dtype(dtype or get_default_dtype())
    x = draw(lambda: (generator or _generator).random(shape, dtype=dtype))
    return Tensor(x.data, requires_grad=True) if requires_grad else x
