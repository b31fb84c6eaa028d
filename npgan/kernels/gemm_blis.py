"""The ``blis`` GEMM: the gemm of the ``blis`` package (``pip install blis``; BLIS, the
BLAS-like library of the FLAME project, compiled into a Cython module by Explosion).

``blis.py.gemm`` takes C-contiguous 2-D float32 or float64 operands with transpose flags, as
the checked arguments are, and writes ``out`` through its raw pointer with ``out.shape[1]``
as its leading dimension without checking its layout: ``guards.gemm``, which the registry
runs first, is what makes that safe. The wheel's BLIS is built without threads (neither
OpenMP nor pthreads), so it always runs on one core, whatever ``npgan.set_num_threads`` says.

Its float64 path (blis 1.3.4) ignores the transpose flags when it takes M, N and K from the
operands' shapes, and so multiplies the wrong matrices and reads past them; a transposed
float64 operand is therefore passed as a contiguous copy of op(x), without the flag.
"""
import numpy as np
from blis.py import gemm as _blis_gemm


def gemm(a, trans_a, b, trans_b, out):
    """out (M, N) = op(a) @ op(b) in BLIS (see ``gemm.py`` for the arguments)."""
    M, N = out.shape
    K = a.shape[0] if trans_a else a.shape[1]
    if M == 0 or N == 0:
        return out
    if K == 0:  # an empty sum
        out.fill(0)
        return out
    if out.dtype == np.float64:  # (the module docstring)
        a, trans_a = (np.ascontiguousarray(a.T), False) if trans_a else (a, False)
        b, trans_b = (np.ascontiguousarray(b.T), False) if trans_b else (b, False)
    _blis_gemm(a, b, out=out, trans1=trans_a, trans2=trans_b, alpha=1.0, beta=0.0)
    return out
