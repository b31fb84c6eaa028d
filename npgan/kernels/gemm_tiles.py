"""The ``c`` GEMM: NumPy's own OpenBLAS, single-threaded, on a fixed set of tiles that
npgan's threads share out (``csrc/gemm_tiles.c``).

Why. OpenBLAS splits one GEMM over its threads in fixed shares, and every thread waits,
spinning, for the others. On a machine whose cores other processes keep busy, the scheduler
puts one of those threads aside for a whole time slice while the others spin, and a training
step took several to tens of times its idle time (benchmarks/README.md, "A busy machine").
Here a GEMM is cut into independent tiles, each one single-threaded OpenBLAS call, and any of
npgan's threads takes the next tile nobody has claimed: a thread the scheduler puts aside
loses its share to the others instead of stalling them, and an idle thread goes to sleep
shortly after its last tile (csrc/gemm_tiles.c, SPIN_NS) instead of spinning.

Reproducible. The tiles depend on the shapes and the machine's core count only
(``tiling``), and each tile is the same OpenBLAS call whichever thread runs it, so on a
machine the result is the same at every thread count of 2 or more and under any load. With
one thread (``npgan.set_num_threads(1)``, or ``OPENBLAS_NUM_THREADS=1`` / ``OMP_NUM_THREADS=1``
in the environment) a GEMM is one ``numpy.matmul`` on one BLAS thread, bit for bit what the
``numpy`` backend gives at one thread. At 2 or more threads the tiles round differently from
one call (they are other products of OpenBLAS's kernels, not worse ones); a small GEMM is one
tile, one ``numpy.matmul`` on one BLAS thread, which rounds differently from OpenBLAS's own
2-thread split of it.

The library is the first ILP64 OpenBLAS that ``threadpoolctl`` lists, which is NumPy's unless
another ILP64 OpenBLAS was loaded into the process before it.

Threads. The count is OpenBLAS's own when this module loads (``OPENBLAS_NUM_THREADS``, else
``OMP_NUM_THREADS``, else the cores), until ``npgan.set_num_threads(n)``; loading this module
then sets OpenBLAS itself to one thread, for good: every other NumPy BLAS call of the process
(``numpy.dot`` outside npgan's kernels, or the ``numpy`` backend's GEMM) runs on one thread too,
and OpenBLAS's own pool never spins again.

When NumPy's BLAS is not an OpenBLAS with 64-bit integers (``threadpoolctl`` finds which
library NumPy loaded), there is nothing to tile with: ``gemm`` is then NumPy's matmul, the
reference.
"""
import ctypes
import os

import numpy as np

from npgan._C import ffi, lib

from . import threads
from .gemm import gemm as reference  # numpy.matmul: one call, on OpenBLAS's one thread

TILE_ALIGN = 16        # tile bounds are multiples of 16 (as csrc/gemm_tiles.c)
# Tiles of one GEMM at most: one per core of the machine (not per thread used: the tiles must
# not depend on the thread count), at most 8; more tiles than threads only repack operands.
MAX_TILES = max(1, min(8, os.cpu_count() or 1))
TILE_FLOPS = 2 << 20   # 2 M N K of a tile at least: smaller GEMMs are one call (benchmarks/README.md, "A busy machine")


def _openblas():
    """({dtype: (gemm address, C function, pointer type)}, set_num_threads, get_num_threads,
    path) of the ILP64 OpenBLAS NumPy loaded; None when NumPy's BLAS is something else."""
    import threadpoolctl
    for controller in threadpoolctl.ThreadpoolController().select(internal_api="openblas").lib_controllers:
        dll = ctypes.CDLL(controller.filepath)
        for prefix in ("scipy_", ""):
            names = [f"{prefix}{name}64_" for name in
                     ("cblas_sgemm", "cblas_dgemm", "openblas_set_num_threads", "openblas_get_num_threads")]
            if all(hasattr(dll, name) for name in names):
                sgemm, dgemm, set_threads, get_threads = (getattr(dll, name) for name in names)
                set_threads.argtypes, get_threads.restype = [ctypes.c_int], ctypes.c_int
                address = lambda fn: ffi.cast("void *", ctypes.cast(fn, ctypes.c_void_p).value)
                return {np.dtype(np.float32): (address(sgemm), lib.npgan_gemm_tiles_f32, "float *"),
                        np.dtype(np.float64): (address(dgemm), lib.npgan_gemm_tiles_f64, "double *")}, \
                    set_threads, get_threads, controller.filepath
    return None


_found = _openblas()
if _found is None:
    _GEMMS, _threads, OPENBLAS_PATH = None, 1, None
else:
    _GEMMS, _set_openblas_threads, _get_openblas_threads, OPENBLAS_PATH = _found
    _threads = max(1, _get_openblas_threads())  # the environment's count, before OpenBLAS goes to one
    _set_openblas_threads(1)


def tiling(M, N, K):
    """(tiles, split_n): how ``gemm`` cuts out (M, N) -- along N if N >= M, else along M, in
    as many tiles as have TILE_FLOPS each (at most MAX_TILES, each TILE_ALIGN wide at least).
    A function of the shapes (and the machine's MAX_TILES) only, so the result is the same at
    every thread count."""
    split_n = N >= M
    tiles = min(MAX_TILES, (N if split_n else M) // TILE_ALIGN, 2 * M * N * K // TILE_FLOPS)
    return max(1, tiles), split_n


def gemm(a, trans_a, b, trans_b, out):
    """out (M, N) = op(a) @ op(b) as the module docstring says (``gemm.py`` for the arguments)."""
    M, N = out.shape
    K = a.shape[0] if trans_a else a.shape[1]
    if _GEMMS is None or _threads == 1 or K == 0:
        return reference(a, trans_a, b, trans_b, out)
    tiles, split_n = tiling(M, N, K)
    if tiles == 1:
        return reference(a, trans_a, b, trans_b, out)
    address, fn, ctype = _GEMMS[out.dtype]
    fn(address, trans_a, trans_b, M, N, K, ffi.cast(ctype, a.ctypes.data), ffi.cast(ctype, b.ctypes.data),
       ffi.cast(ctype, out.ctypes.data), tiles, split_n, _threads)
    return out


def set_num_threads(n):
    """The threads that share a GEMM's tiles (``threads.set_num_threads`` calls this once the
    module is loaded); OpenBLAS itself stays at one."""
    global _threads
    _threads = n
    if _GEMMS is not None:
        _set_openblas_threads(1)  # (threadpoolctl has just given it n)


def get_num_threads():
    """How many threads the next tiled GEMM may use."""
    return _threads


threads.apply_to_gemm()  # a count set before this module was loaded
