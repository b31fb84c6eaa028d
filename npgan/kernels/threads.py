"""How many threads npgan uses: ``npgan.set_num_threads(n)`` and ``npgan.get_num_threads()``,
as ``torch.set_num_threads`` / ``torch.get_num_threads``.

npgan's work runs on these thread pools: the GEMMs on npgan's own threads, which share out
each GEMM's tiles (``gemm_tiles.py``: the ``c`` GEMM, whose OpenBLAS calls run on one thread
each), the C loops on OpenMP teams whose size npgan passes with each call, and the Numba
loops on Numba's threads. ``set_num_threads(n)`` sets all of them:

* the C loops' team size (``loop_threads``);
* Numba's, with ``numba.set_num_threads`` -- now if numba is imported, otherwise when the
  Numba backend is first loaded (so the call does not import numba) -- at most the
  ``NUMBA_NUM_THREADS`` numba started with (numba cannot go above it);
* the GEMM tiles' (``apply_to_gemm``), and BLAS's through ``threadpoolctl`` (for the
  ``numpy`` backend's GEMM; the tiles then put NumPy's OpenBLAS back to one thread);
* MKL's, when the ``mkl`` GEMM backend is loaded (``apply_to_gemm``; ``gemm_mkl.py`` runs it
  on GNU OpenMP, the C loops' runtime, waiting passively).

Until it is called, every pool is as the process has it -- the user's environment variables
win: the GEMM tiles at OpenBLAS's count (``OPENBLAS_NUM_THREADS``, else ``OMP_NUM_THREADS``,
else the cores), Numba at its own default (``NUMBA_NUM_THREADS``), and the C loops at
``OMP_NUM_THREADS`` when that is set, else the cores (at most 4).
Importing npgan sets no environment variable and changes no thread count.

Whatever the count, a loop that moves fewer than ``PARALLEL_MIN`` elements runs on one
thread: waking a team costs more than it saves there (a second thread sped up im2col of a
2.5M-value chunk and slowed one of 0.3M values down).

Between parallel regions, OpenMP's threads spin by default (libgomp), which on a machine
with other work, or right before an OpenBLAS GEMM that wants the same cores, made every
region wait for a descheduled thread: with one core busy elsewhere, a loop on 2 spinning
threads ran several times slower than serial, and passive waiting brought it back to the
serial time. Both are measured in benchmarks/README.md, section "Small loops on one
thread; OpenMP's spinning threads". ``prefer_passive_waiting()`` asks for passive waiting
unless the user chose a policy; libgomp reads the variable once, when it loads (with the
C extension or numba), so npgan calls it right before it loads either (``_availability``):
importing npgan changes nothing, the first C or Numba kernel does this one thing.
"""
import os
import sys

PARALLEL_MIN = 1 << 20  # elements moved below which a C / Numba loop runs on one thread

_num_threads = None  # set by set_num_threads; None: the defaults above


def _default_loop_threads():
    """OMP_NUM_THREADS (its first entry) when set to a positive int, else the cores, at most 4."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0])
    except ValueError:
        n = 0
    return n if n >= 1 else min(4, os.cpu_count() or 1)


LOOP_THREADS = _default_loop_threads()  # the C loops' team size (the Numba loops: parallel or not)


def loop_threads(work):
    """How many threads the C / Numba loops use for ``work`` elements moved."""
    return 1 if work < PARALLEL_MIN else LOOP_THREADS


def set_num_threads(n):
    """Use ``n`` threads in every pool npgan runs work on: the GEMM tiles, the C loops,
    Numba's loops and BLAS (see the module docstring). Returns None."""
    global _num_threads, LOOP_THREADS
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    _num_threads = LOOP_THREADS = n
    import threadpoolctl
    threadpoolctl.threadpool_limits(limits=n, user_api="blas")
    if "numba" in sys.modules:
        apply_to_numba()
    apply_to_gemm()


def get_num_threads():
    """The thread count npgan's C and Numba loops use for large arrays (``set_num_threads``'s
    value once it has been called)."""
    return LOOP_THREADS


def apply_to_numba():
    """Give Numba the count of ``set_num_threads``, if it was called (the registry calls this
    when it loads a Numba kernel)."""
    if _num_threads is None:
        return
    import numba
    numba.set_num_threads(min(_num_threads, numba.config.NUMBA_NUM_THREADS))


def apply_to_gemm():
    """Give the GEMMs npgan loaded (the ``c`` tiles: ``gemm_tiles.py``; MKL: ``gemm_mkl.py``) the
    count of ``set_num_threads``, if it was called (each module also calls this when it loads).
    The ``blis`` wheel has no threads to set; NumPy's BLAS is threadpoolctl's."""
    if _num_threads is None:
        return
    for module in ("npgan.kernels.gemm_tiles", "npgan.kernels.gemm_mkl"):
        if module in sys.modules:
            sys.modules[module].set_num_threads(_num_threads)


def prefer_passive_waiting():
    """Set ``OMP_WAIT_POLICY=PASSIVE`` unless the environment already sets a policy (see the
    module docstring). Returns whether OpenMP will wait passively as far as npgan can tell:
    False when the user chose another policy, or when an OpenMP runtime may already have
    read the variable (the C extension or numba is loaded)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    too_late = "npgan._C" in sys.modules or "numba" in sys.modules
    return os.environ["OMP_WAIT_POLICY"].upper() == "PASSIVE" and not too_late
