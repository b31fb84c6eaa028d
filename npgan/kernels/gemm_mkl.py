"""The ``mkl`` GEMM: cblas_sgemm / cblas_dgemm of Intel's oneMKL, called through cffi.

oneMKL comes as the ``mkl`` wheel (``pip install mkl``, or ``pip install -e '.[fast]'``),
whose ``libmkl_rt`` is opened here in cffi's ABI mode (no compiler needed). The registry runs
``gemm`` behind ``guards.gemm``, so MKL gets only C-contiguous, aligned arrays whose shapes
are the sizes passed with them, an ``out`` apart from the operands, and sizes below 2^31
(MKL's LP64 interface takes 32-bit ints).

Threads. Unless ``MKL_THREADING_LAYER`` says otherwise, MKL runs on GNU OpenMP, the runtime
(libgomp) the C loops and Numba already use: one pool of threads for all of npgan's work,
never two runtimes' teams on the same cores, and waiting passively between calls
(``threads.prefer_passive_waiting`` runs before the library loads). Its thread count is
MKL's default (``MKL_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the cores) until
``npgan.set_num_threads(n)``, which reaches it through ``set_num_threads`` below.
"""
import ctypes.util
import glob
import os
import sys

import cffi
import numpy as np

from . import threads

_DECLARATIONS = """
int MKL_Set_Threading_Layer(int code);
void MKL_Set_Num_Threads(int n);
int MKL_Get_Max_Threads(void);
void cblas_sgemm(int layout, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc);
void cblas_dgemm(int layout, int trans_a, int trans_b, int m, int n, int k, double alpha, const double *a,
                 int lda, const double *b, int ldb, double beta, double *c, int ldc);
"""
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS_LAYOUT / CBLAS_TRANSPOSE
_THREADING_GNU = 3  # MKL_THREADING_GNU


def library_path():
    """Where libmkl_rt is: the environment's lib directory (where the wheel puts it), else the
    system's library path; None when neither has it."""
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        found = sorted(glob.glob(os.path.join(prefix, "lib", "libmkl_rt.so*")) +
                       glob.glob(os.path.join(prefix, "lib", "libmkl_rt*.dylib")))
        if found:
            return found[0]
    return ctypes.util.find_library("mkl_rt")


def _open():
    """(ffi, libmkl_rt, libgomp or None): MKL opened on GNU OpenMP if it can be (module docstring)."""
    path = library_path()
    if path is None:
        raise ImportError("libmkl_rt not found (pip install mkl)")
    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    threads.prefer_passive_waiting()  # before an OpenMP runtime loads with MKL
    gomp_path = None if "MKL_THREADING_LAYER" in os.environ else ctypes.util.find_library("gomp")
    gomp = None if gomp_path is None else ffi.dlopen(gomp_path, ffi.RTLD_GLOBAL)  # for MKL's GNU layer
    lib = ffi.dlopen(path)
    if gomp is not None:
        lib.MKL_Set_Threading_Layer(_THREADING_GNU)  # before any other MKL call
    return ffi, lib, gomp


_ffi, _lib, _gomp = _open()
_SGEMM = {np.dtype(np.float32): (_lib.cblas_sgemm, "float[]"), np.dtype(np.float64): (_lib.cblas_dgemm, "double[]")}


def gemm(a, trans_a, b, trans_b, out):
    """out (M, N) = op(a) @ op(b) in MKL (see ``gemm.py`` for the arguments)."""
    M, N = out.shape
    K = a.shape[0] if trans_a else a.shape[1]
    if M == 0 or N == 0:
        return out
    if K == 0:  # an empty sum (and lda = 0 would be refused by MKL)
        out.fill(0)
        return out
    fn, ctype = _SGEMM[out.dtype]
    fn(_ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _TRANS if trans_b else _NO_TRANS, M, N, K, 1.0,
       _ffi.from_buffer(ctype, a), a.shape[1], _ffi.from_buffer(ctype, b), b.shape[1], 0.0,
       _ffi.from_buffer(ctype, out, require_writable=True), N)
    return out


def set_num_threads(n):
    """MKL's thread count (``threads.set_num_threads`` calls this once MKL is loaded)."""
    _lib.MKL_Set_Num_Threads(n)


def get_num_threads():
    """How many threads MKL's next call may use."""
    return _lib.MKL_Get_Max_Threads()


threads.apply_to_gemm()  # a count set before MKL was loaded
