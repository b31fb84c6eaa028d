"""The OpenMP wait policy of the kernels' threads, set before any OpenMP runtime loads.

The C loops use OpenMP (libgomp), the Numba ones Numba's OpenMP layer, and the GEMMs
OpenBLAS's own thread pool. libgomp's default wait policy spins after each parallel
region, which on a machine with other work (or right before an OpenBLAS GEMM that wants
the same cores) made every region wait for a descheduled thread: measured with one of
the 2 cores busy elsewhere, im2col of (8, 128, 7, 7) took 4-8 ms with 2 spinning threads,
0.72 ms serial and 0.74 ms with OMP_WAIT_POLICY=passive. So unless the user chose a
policy, npgan asks for passive waiting.

libgomp reads the variable once, when it is loaded -- with the C extension ``npgan._C``
or Numba's threading layer, both later than this module: ``npgan.kernels`` imports it
first, and any import of ``npgan._C`` runs ``npgan/__init__.py`` (and so this) before.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
