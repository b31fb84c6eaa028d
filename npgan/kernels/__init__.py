"""Kernels: pure functions on NumPy arrays, each with a NumPy reference and, for the
hot loops, Numba and C (cffi) versions chosen through one registry (``registry.py``).

Importing this package registers every kernel (each family module registers its own, and
all of them are imported here, so no other import order matters) and changes nothing else
in the process: it imports neither numba nor the C extension, sets no environment variable
and leaves malloc alone. Explicit calls tune the process: ``set_num_threads`` and
``prefer_passive_waiting`` (``threads.py``; also made right before the first C or Numba
kernel loads an OpenMP runtime), ``reuse_large_allocations`` (``allocator.py``); the ``npgan``
command makes the last two.
"""
from .registry import (BACKENDS, available_backends, backend_of, get_backend, implementations, kernel, names,
                       register, set_backend, unchecked, validate)
from . import elementwise  # noqa: F401  (registers the elementwise / loss / optimizer kernels)
from . import conv  # noqa: F401  (the convolution kernels and their loops)
from . import dropout  # noqa: F401
from . import gemm  # noqa: F401  (the GEMM every Linear and conv layer runs)
from .allocator import reuse_large_allocations
from .threads import get_num_threads, prefer_passive_waiting, set_num_threads

__all__ = ["BACKENDS", "available_backends", "backend_of", "get_backend", "get_num_threads", "implementations",
           "kernel", "names", "prefer_passive_waiting", "register", "reuse_large_allocations", "set_backend",
           "set_num_threads", "unchecked", "validate"]
