"""The GEMM kernel: C = op(A) op(B), the one matrix product every Linear and conv layer runs.

Every GEMM of npgan goes through ``kernel("gemm")`` (or ``unchecked("gemm")`` inside the conv
kernels): the forward and both gradients of ``linear`` / ``matmul`` (2-D operands) and the
three products of the im2col convolution (``conv.py``). So the library that multiplies is
chosen in one place, by the registry's usual ``prefer`` order, among:

    c       NumPy's own OpenBLAS, single-threaded, on tiles fixed by the shapes that npgan's
            threads claim one by one (``gemm_tiles.py``, ``csrc/gemm_tiles.c``): what ``auto``
            runs, for its behaviour on a busy machine (benchmarks/README.md, "A busy machine")
    numpy   numpy.matmul: the BLAS NumPy was built with (OpenBLAS in the PyPI wheel). The
            reference, and what runs without the C extension or an ILP64 OpenBLAS.
    mkl     cblas_sgemm / cblas_dgemm of Intel's oneMKL (``gemm_mkl.py``; ``pip install mkl``)
    blis    the ``blis`` package's gemm (``gemm_blis.py``; ``pip install blis``)

(``pip install -e '.[fast]'`` installs the last two; which is faster for the shapes of
the five benchmark workloads, at 1 and 2 threads, is measured by ``benchmarks/bench_gemm.py``
and written in benchmarks/README.md, "Which GEMM library". ``auto`` keeps MKL opt-in: the
whole default training ran slower with MKL first; the measurement is there too.)

BLAS multiplies row-major matrices given as a pointer, a leading dimension and a transpose
flag, so the check turns each operand into that form: a C-contiguous array as it is, a
transposed view of one (what ``w.T`` and ``gy.T`` are in the backward formulas) as its
C-contiguous base with the flag set, and anything else (a strided or broadcast view) as a
contiguous copy. The implementations then take the *checked arguments*

    gemm(a, trans_a, b, trans_b, out):  out (M, N) = op(a) @ op(b),  op(x) = x.T if trans_x else x

with ``a`` and ``b`` C-contiguous and ``out`` C-contiguous, writeable and apart from both.
The libraries' results equal the reference's to rounding (they sum the K products in
other orders, with or without fused multiply-adds), not bit for bit.

Called as ``kernel("gemm")(a, b, out=None)`` with 2-D a (M, K) and b (K, N) of one float dtype.
"""
import numpy as np

from . import guards
from .conv_checks import _out_array, float_array, same_dtype
from .registry import register


def gemm(a, trans_a, b, trans_b, out):
    """out = op(a) @ op(b) with NumPy's matmul (its BLAS): the definition."""
    return np.matmul(a.T if trans_a else a, b.T if trans_b else b, out=out)


def _operand(x):
    """x as (C-contiguous array, transposed?) with x == array.T if transposed else array."""
    if x.flags.c_contiguous and x.flags.aligned:
        return x, False
    if x.flags.f_contiguous and x.flags.aligned:
        return x.T, True
    return np.require(x, requirements="CA"), False  # a copy: C-contiguous and aligned


def gemm_args(a, b, out=None):
    """Check ``kernel("gemm")(a, b, out=None)`` and return its checked arguments
    (a, trans_a, b, trans_b, out): see the module docstring."""
    op = "gemm"
    float_array(op, "a", a, ndim=2)
    float_array(op, "b", b, ndim=2)
    same_dtype(op, "b", b, "a", a)
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align ({a.shape[1]} != {b.shape[0]})")
    out = _out_array(op, out, (a.shape[0], b.shape[1]), a.dtype, a, b)
    a, trans_a = _operand(a)
    b, trans_b = _operand(b)
    return a, trans_a, b, trans_b, out


# 'auto' order: measured by benchmarks/bench_gemm.py (benchmarks/README.md, "Which GEMM library").
register("gemm", gemm, check=gemm_args, guard=guards.gemm, prefer=("c", "numpy", "mkl", "blis"),
         c="npgan.kernels.gemm_tiles:gemm", mkl="npgan.kernels.gemm_mkl:gemm", blis="npgan.kernels.gemm_blis:gemm")
