"""The kernel registry: one name, one argument check, up to three implementations, one
backend switch.

A *kernel* is a pure function on NumPy arrays (no Tensor, no autodiff). It is registered
once, with everything it has::

    register("leaky_relu_forward", leaky_relu_forward,       # the NumPy reference: the definition
             check=leaky_relu_forward_args,                 # public arguments -> the implementations' arguments
             guard=guards.same_arrays,                     # what the C / Numba loops refuse (memory safety)
             numba="npgan.kernels.elementwise_numba:leaky_relu_forward",
             c="npgan.kernels.elementwise_c:leaky_relu_forward",
             prefer=("numba", "c", "numpy"))               # the order 'auto' tries

``check`` takes the public arguments, raises a ValueError/TypeError naming the kernel and the
offending value, and returns the tuple of *checked arguments* that every implementation
takes. The Numba, C and library targets are ``"module:function"`` strings imported on first
use, so ``import npgan`` imports neither numba nor a GEMM library. Their functions always run
behind ``guard``, which
refuses only what would make a loop read or write outside its arrays (a misaligned or
non-contiguous array, sizes that disagree with the arrays' shapes, a size beyond the bound
under which the loops' 64-bit index arithmetic cannot overflow); it lives in ``guards.py``,
the one place the loops are protected.

Three ways in, so that the arguments are checked once on their way down:

    kernel(name)(*public)       check, then the current backend: what a plain op calls
    validate(name, *public)     only the check, for an op that validates before recording a Function ...
    unchecked(name)(*checked)   ... and then runs the implementation on what ``validate`` returned
                                (the array-level conv kernels call their loops this way)

Backends: ``numpy`` | ``numba`` | ``c`` | ``mkl`` | ``blis`` | ``auto``. ``numba`` and ``c``
are npgan's own loops; ``mkl`` and ``blis`` are GEMM libraries, registered for the one kernel
they implement, ``gemm`` (``gemm.py``), like any other target. ``auto`` takes, per kernel,
the first available backend of its ``prefer`` order (measured: benchmarks/README.md). A
backend that lacks a kernel falls back to the reference (so ``set_backend("mkl")`` runs the
GEMMs in MKL and everything else on the NumPy reference). The initial backend comes from
``NPGAN_BACKEND`` (default ``auto``).

Every kernel module registers at import, and ``npgan.kernels`` imports them all before
anything can ask for a kernel, so which module a program imports first does not matter.
Set ``NPGAN_DEBUG_KERNELS=1`` to print every kernel call with its backend and shapes.
"""
import importlib
import inspect
import os
import sys
import warnings
from dataclasses import dataclass, field

BACKENDS = ("numpy", "numba", "c", "mkl", "blis")
TARGETS = ("numba", "c", "mkl", "blis")  # the backends a kernel may name a "module:function" for
_DEFAULT_PREFERENCE = ("c", "numba", "numpy")


@dataclass
class _Kernel:
    check: object  # public arguments -> tuple of checked arguments
    guard: object  # checked arguments -> None, or raises (run before a Numba or C implementation)
    targets: dict = field(default_factory=dict)  # backend -> function, or "module:function" not yet imported
    prefer: tuple = _DEFAULT_PREFERENCE


_kernels = {}  # name -> _Kernel
_resolved = {}  # (name, checked) -> fn for the current backend (cleared on change)
_backend = None
_DEBUG = os.environ.get("NPGAN_DEBUG_KERNELS", "") not in ("", "0")


def register(name, reference, *, check, guard=None, prefer=_DEFAULT_PREFERENCE, **targets):
    """Register kernel ``name``: ``reference`` is the NumPy implementation (the definition),
    ``check`` maps the public arguments to the implementations', the keywords ``numba``, ``c``,
    ``mkl``, ``blis`` name optional ``"module:function"`` targets that run behind ``guard``, and
    ``prefer`` is the order in which ``auto`` tries the backends (``numpy`` and every target)."""
    if name in _kernels:
        raise ValueError(f"register: kernel {name!r} is already registered")
    unknown = set(targets) - set(TARGETS)
    if unknown:
        raise TypeError(f"register: unknown target backend(s) {sorted(unknown)} for {name!r}; expected {TARGETS}")
    targets = {backend: target for backend, target in targets.items() if target is not None}
    if targets and guard is None:
        raise TypeError(f"register: kernel {name!r} has a {'/'.join(targets)} implementation, so it needs a guard")
    if len(set(prefer)) != len(prefer) or not set(prefer) <= set(BACKENDS) \
            or not {"numpy", *targets} <= set(prefer):
        raise ValueError(f"register: prefer must order 'numpy' and the targets {sorted(targets)} of {name!r} "
                         f"(no repeats, only {BACKENDS}), got {prefer!r}")
    for backend, target in targets.items():
        if not (isinstance(target, str) and target.count(":") == 1):
            raise TypeError(f"register: the {backend} target of {name!r} must be 'module:function', got {target!r}")
    _kernels[name] = _Kernel(check, guard, {"numpy": reference, **targets}, tuple(prefer))
    _resolved.clear()


def _entry(name):
    entry = _kernels.get(name)
    if entry is None:
        raise KeyError(f"no kernel named {name!r}; known: {sorted(_kernels)}")
    return entry


def _load(name, backend):
    """The implementation of ``name`` for ``backend`` on checked arguments (guarded unless NumPy)."""
    entry = _kernels[name]
    target = entry.targets[backend]
    if isinstance(target, str):
        module, attr = target.split(":")
        loop = getattr(importlib.import_module(module), attr)
        if backend == "numba":
            from . import threads
            threads.apply_to_numba()  # a thread count set before numba was imported
        target = entry.targets[backend] = _guarded(entry.guard, loop)
    return target


def _guarded(guard, loop):
    def guarded(*args):
        guard(*args)
        return loop(*args)
    guarded.__name__, guarded.__doc__, guarded.__wrapped__ = loop.__name__, loop.__doc__, loop
    return guarded


def _with_check(check, impl):
    def kernel(*args, **kwargs):
        return impl(*check(*args, **kwargs))
    kernel.__name__, kernel.__doc__, kernel.__wrapped__ = impl.__name__, impl.__doc__, impl
    kernel.__signature__ = inspect.signature(check)  # the public arguments
    return kernel


def available_backends():
    """The backends that can run here (``numpy`` always; ``numba`` / ``mkl`` / ``blis`` if
    importable, ``c`` if built)."""
    from . import _availability
    return tuple(b for b in BACKENDS if _availability.is_available(b))


def set_backend(name):
    """Select the kernel backend: ``'auto'``, ``'numpy'``, ``'numba'``, ``'c'``, ``'mkl'`` or ``'blis'``."""
    global _backend
    if name not in ("auto",) + BACKENDS:
        raise ValueError(f"set_backend: unknown backend {name!r}; expected 'auto' or one of {BACKENDS}")
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
        raise ValueError(f"NPGAN_BACKEND={name!r} is not one of auto, {', '.join(BACKENDS)}")
    if name != "auto" and name not in available_backends():
        warnings.warn(f"NPGAN_BACKEND={name!r} is unavailable; using 'auto' instead", RuntimeWarning, stacklevel=3)
        name = "auto"
    set_backend(name)


def backend_of(name):
    """Which backend ``kernel(name)`` runs now (for debugging and benchmarks)."""
    entry = _entry(name)
    backend = get_backend()
    if backend == "auto":
        avail = available_backends()
        return next(b for b in entry.prefer if b in avail and b in entry.targets)
    return backend if backend in entry.targets else "numpy"


def _resolve(name, checked):
    fn = _resolved.get((name, checked))
    if fn is None:
        chosen = backend_of(name)
        fn = _load(name, chosen)
        if checked:
            fn = _with_check(_kernels[name].check, fn)
        if _DEBUG:
            fn = _traced(name, chosen, fn)
        _resolved[(name, checked)] = fn
    return fn


def kernel(name):
    """Kernel ``name`` on its public arguments: its check, then the current backend."""
    return _resolve(name, True)


def validate(name, *args, **kwargs):
    """Only the check of kernel ``name``: the tuple of checked arguments ``unchecked(name)`` takes."""
    return _entry(name).check(*args, **kwargs)


def unchecked(name):
    """Kernel ``name`` of the current backend on checked arguments (what ``validate`` returns):
    for callers that checked already. Numba and C still run behind the kernel's guard."""
    return _resolve(name, False)


def implementations(name):
    """``{backend: fn}`` of every available implementation of ``name``, each on the public
    arguments and checked (for tests and benchmarks)."""
    entry = _entry(name)
    avail = available_backends()
    return {b: _with_check(entry.check, _load(name, b)) for b in entry.targets if b in avail}


def names():
    """Every registered kernel name, sorted."""
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
