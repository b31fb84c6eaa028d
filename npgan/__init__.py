"""npgan: a deep-learning engine written from scratch on NumPy, with C and Numba kernels,
for training and explaining GANs on a CPU. The API follows PyTorch's names and layouts."""
from . import kernels
from .kernels import available_backends, get_backend, get_num_threads, set_backend, set_num_threads
from .kernels._availability import warn_if_c_missing
from .autograd.dtypes import float32, float64, get_default_dtype, set_default_dtype
from .autograd.tensor import Tensor
from .autograd.conversion import from_numpy, tensor
from .autograd.function import Function
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.engine import backward, grad
from .autograd.anomaly import detect_anomaly
from .autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F401,F403  (the functional ops: add, exp, sum, cat, ...)
from .creation import ones, ones_like, zeros, zeros_like
from .random import get_rng_state, manual_seed, rand, randn, set_rng_state
from . import nn, optim
from .compile import compile

__version__ = "0.1.0"

warn_if_c_missing()
