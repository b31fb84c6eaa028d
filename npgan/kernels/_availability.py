"""Whether the optional backends can run here, and why not when they cannot.

The ``c`` backend needs the cffi extension ``npgan._C`` built at install time; when it
is missing, importing npgan warns once (one line) and the other backends work.
The ``numba`` backend needs numba importable; it is imported only when first needed,
so ``import npgan`` stays fast.
"""
import importlib
import warnings

_status = {}  # backend -> (ok, reason)
_warned = False


def _probe(backend):
    if backend == "numpy":
        return True, ""
    if backend == "c":
        try:
            importlib.import_module("npgan._C")
            return True, ""
        except ImportError as exc:
            return False, f"the C extension npgan._C is not built ({exc}); reinstall with a C compiler (gcc) present"
    if backend == "numba":
        try:
            importlib.import_module("numba")
            return True, ""
        except ImportError as exc:
            return False, f"numba cannot be imported ({exc})"
    return False, f"unknown backend {backend!r}"


def is_available(backend):
    if backend not in _status:
        _status[backend] = _probe(backend)
    return _status[backend][0]


def why_unavailable(backend):
    is_available(backend)
    return _status[backend][1]


def warn_if_c_missing():
    """One clear warning at import when the C kernels are not built."""
    global _warned
    if not _warned and not is_available("c"):
        _warned = True
        warnings.warn(f"npgan: the 'c' backend is unavailable: {why_unavailable('c')}", RuntimeWarning, stacklevel=3)
