"""Argument checks shared by every backend of a kernel.

A kernel family declares, per kernel name, one *prepare* function that validates the
public arguments and converts them (plain Python numbers, C-contiguous arrays of one
float dtype) — ``@prepares(name)``. Each backend's implementation is then wrapped with
``@checked(name)``, so the NumPy, Numba and C versions see only prepared arguments and
the checks exist once: C never receives an unchecked argument.
"""
import functools
import inspect

_PREPARE = {}  # kernel name -> fn(public arguments) -> arguments of the implementations


def prepares(name):
    """Register the decorated function as the argument check of kernel ``name``."""
    def deco(fn):
        if name in _PREPARE:
            raise ValueError(f"kernel {name!r} already has an argument check")
        _PREPARE[name] = fn
        return fn
    return deco


def checked(name):
    """Decorator: kernel ``name`` as callers see it -- the shared checks on the public
    arguments, then ``impl`` on the prepared ones."""
    prepare = _PREPARE[name]

    def deco(impl):
        @functools.wraps(impl)
        def kernel(*args, **kwargs):
            return impl(*prepare(*args, **kwargs))
        kernel.__signature__ = inspect.signature(prepare)
        return kernel
    return deco
