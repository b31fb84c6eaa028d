"""Whether the optional backends can run here, and why not when they cannot.

The ``c`` backend needs the cffi extension ``npgan._C`` built at install time; when it
is missing, importing npgan warns once (one line) and the other backends work. The
extension is only looked for at import, and loaded when a C kernel is first needed, so
that importing npgan loads no OpenMP runtime; if it is there but fails to load, that first
use warns. The ``numba`` backend needs numba importable; it is imported only when first
needed, so ``import npgan`` stays fast.

Right before either is loaded, ``threads.prefer_passive_waiting()`` asks OpenMP to wait
passively unless the user chose a policy: the OpenMP runtime comes in with them and reads
``OMP_WAIT_POLICY`` once, when it loads. Without it, the C loops' idle threads spin against
BLAS's and a DCGAN step runs several times slower (measured in benchmarks/README.md, section
"OpenMP's idle threads").
"""
import importlib
import importlib.util
import warnings

from . import threads

_status = {}  # backend -> (ok, reason)
_warned = False


def _probe(backend):
    if backend == "numpy":
        return True, ""
    if backend == "c":
        if importlib.util.find_spec("npgan._C") is not None:  # (not when import only warns it is missing)
            threads.prefer_passive_waiting()  # before the OpenMP runtime loads (module docstring)
        try:
            importlib.import_module("npgan._C")
            return True, ""
        except ImportError as exc:
            return False, f"the C extension npgan._C is not built ({exc}); reinstall with a C compiler (gcc) present"
    if backend == "numba":
        threads.prefer_passive_waiting()
        try:
            importlib.import_module("numba")
            return True, ""
        except ImportError as exc:
            return False, f"numba cannot be imported ({exc})"
    if backend in ("mkl", "blis"):
        return _probe_gemm_library(backend)
    return False, f"unknown backend {backend!r}"


def _probe_gemm_library(backend):
    """A GEMM library (``gemm.py``) is available when its module imports: MKL's finds and
    opens libmkl_rt (and sets up its threads), BLIS's imports the ``blis`` package."""
    try:
        importlib.import_module(f"npgan.kernels.gemm_{backend}")
        return True, ""
    except (ImportError, OSError) as exc:
        return False, f"{backend} cannot be loaded ({exc}); pip install {backend}  (or pip install -e '.[fast]')"


def why_unavailable(backend):
    is_available(backend)
    return _status[backend][1]


def is_available(backend):
    if backend not in _status:
        _status[backend] = _probe(backend)
        if backend == "c" and not _status["c"][0]:
            _warn_c_unavailable(stacklevel=5)
    return _status[backend][0]


def warn_if_c_missing():
    """One clear warning at import when the C kernels are not built (looked for, not loaded)."""
    if "c" not in _status and importlib.util.find_spec("npgan._C") is None:
        is_available("c")


def _warn_c_unavailable(stacklevel):
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"npgan: the 'c' backend is unavailable: {why_unavailable('c')}", RuntimeWarning,
                      stacklevel=stacklevel)
