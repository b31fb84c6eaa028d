"""The kernel registry: one name, up to three implementations, one backend switch.

A *kernel* is a pure function on NumPy arrays (no Tensor, no autodiff). Each kernel
has a NumPy reference (the definition, always present) and optionally a Numba and a
C (cffi) implementation with the same signature. Ops ask ``kernel(name)`` for the
implementation of the current backend; backend choice never appears in op code.

Backends: ``numpy`` | ``numba`` | ``c`` | ``auto``. ``auto`` takes, per kernel, the
first available backend of its measured preference order (``register(...,
auto_rank=...)``; lower is preferred). A backend that lacks a kernel falls back to
the reference. The initial backend comes from ``NPGAN_BACKEND`` (default ``auto``).

Set ``NPGAN_DEBUG_KERNELS=1`` to print every kernel call with its backend and shapes.
"""
import importlib
import os
import sys
import warnings

BACKENDS = ("numpy", "numba", "c")
_DEFAULT_AUTO_RANK = {"c": 0, "numba": 1, "numpy": 2}

_kernels = {}  # name -> {backend: fn}
_auto_rank = {}  # name -> {backend: rank}
_resolved = {}  # name -> fn for the current backend (cleared on change)
_backend = None
_DEBUG = os.environ.get("NPGAN_DEBUG_KERNELS", "") not in ("", "0")


def register(name, backend, auto_rank=None):
    """Decorator: register ``fn`` as kernel ``name`` for ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"register: unknown backend {backend!r}; expected one of {BACKENDS}")

    def deco(fn):
        _kernels.setdefault(name, {})[backend] = fn
        rank = _DEFAULT_AUTO_RANK[backend] if auto_rank is None else auto_rank
        _auto_rank.setdefault(name, {})[backend] = rank
        _resolved.clear()
        return fn

    return deco


def register_lazy(name, backend, target, auto_rank=None):
    """Register ``"package.module:function"`` as kernel ``name`` for ``backend``,
    imported on first use (so ``import npgan`` does not import numba)."""
    register(name, backend, auto_rank)(target)


def _load(name, backend):
    target = _kernels[name][backend]
    if isinstance(target, str):
        module, attr = target.split(":")
        target = getattr(importlib.import_module(module), attr)
        _kernels[name][backend] = target
    return target


def available_backends():
    """The backends that can run here (``numpy`` always; ``numba``/``c`` if importable/built)."""
    from . import _availability
    return tuple(b for b in BACKENDS if _availability.is_available(b))


def set_backend(name):
    """Select the kernel backend: ``'auto'``, ``'numpy'``, ``'numba'`` or ``'c'``."""
    global _backend
    if name not in ("auto",) + BACKENDS:
        raise ValueError(f"set_backend: unknown backend {name!r}; expected 'auto', 'numpy', 'numba' or 'c'")
    if name != "auto" and name not in available_backends():
        from . import _availability
        raise RuntimeError(f"set_backend: backend {name!r} is not available here: {_availability.why_unavailable(name)}")
    _backend = name
    _resolved.clear()


def get_backend():
    """The selected backend name (``'auto'`` unless set otherwise)."""
    if _backend is None:
        _init_from_env()
    return _backend


def _init_from_env():
    name = os.environ.get("NPGAN_BACKEND", "auto").strip().lower() or "auto"
    if name not in ("auto",) + BACKENDS:
        raise ValueError(f"NPGAN_BACKEND={name!r} is not one of auto, numpy, numba, c")
    if name != "auto" and name not in available_backends():
        warnings.warn(f"NPGAN_BACKEND={name!r} is unavailable; using 'auto' instead", RuntimeWarning, stacklevel=3)
        name = "auto"
    set_backend(name)


def backend_of(name):
    """Which backend ``kernel(name)`` runs now (for debugging and benchmarks)."""
    return _choose(name)[0]


def _choose(name):
    impls = _kernels.get(name)
    if impls is None:
        raise KeyError(f"no kernel named {name!r}; known: {sorted(_kernels)}")
    backend = get_backend()
    avail = available_backends()
    if backend == "auto":
        candidates = sorted((r, b) for b, r in _auto_rank[name].items() if b in avail and b in impls)
        chosen = candidates[0][1]
    else:
        chosen = backend if backend in impls else "numpy"
    return chosen, _load(name, chosen)


def kernel(name):
    """The implementation of kernel ``name`` for the current backend."""
    fn = _resolved.get(name)
    if fn is None:
        chosen, fn = _choose(name)
        if _DEBUG:
            fn = _traced(name, chosen, fn)
        _resolved[name] = fn
    return fn


def implementations(name):
    """``{backend: fn}`` of every available implementation of ``name`` (for tests)."""
    avail = available_backends()
    return {b: _load(name, b) for b in _kernels[name] if b in avail}


def names():
    return sorted(_kernels)


def _shapes(a):
    """An argument as the trace prints it: arrays as their shapes, also inside lists."""
    if isinstance(a, (list, tuple)):
        return [_shapes(x) for x in a]
    return getattr(a, "shape", a)


def _traced(name, backend, fn):
    def traced(*args, **kwargs):
        shapes = [_shapes(a) for a in args]
        print(f"[npgan kernel] {name} ({backend}) {shapes}", file=sys.stderr)
        return fn(*args, **kwargs)
    return traced
