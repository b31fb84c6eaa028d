"""Kernels: pure functions on NumPy arrays, each with a NumPy reference and, for the
hot loops, Numba and C (cffi) versions chosen through one registry.

Importing this package registers every kernel family; see ``registry`` for the rules.
"""
from . import threads  # noqa: F401  (first: sets OMP_WAIT_POLICY before any OpenMP runtime loads)
from .registry import (BACKENDS, available_backends, backend_of, get_backend, implementations, kernel, names,
                       register, register_lazy, set_backend)
from . import elementwise  # noqa: F401  (registers the elementwise / loss / optimizer kernels)
from . import conv  # noqa: F401
from . import dropout  # noqa: F401
from .allocator import reuse_large_allocations

reuse_large_allocations()  # large temporaries reused, not faulted in fresh every step (see allocator.py)

__all__ = ["available_backends", "backend_of", "get_backend", "implementations", "kernel", "names",
           "register", "register_lazy", "set_backend"]
