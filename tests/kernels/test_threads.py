"""npgan.set_num_threads / get_num_threads govern npgan's pools, and importing npgan changes
nothing in the process: no environment variable, no malloc tuning, no OpenMP runtime loaded."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import npgan as ng
from npgan.kernels import threads

ROOT = Path(__file__).resolve().parents[2]


# what a test sets itself, or asserts is unset; the rest of the environment is passed on (so a
# sanitizer build, .ci/sanitize, gets its LD_PRELOAD)
_SETTINGS = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NPGAN_BACKEND")


def python(code, **env):
    """Run ``code`` in a fresh interpreter from the repository root; its stdout."""
    inherited = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**inherited, **env})
    return out.stdout


@pytest.fixture
def restore_threads():
    """Give every pool its count back after a test that sets them."""
    loop, chosen = threads.LOOP_THREADS, threads._num_threads
    numba = sys.modules.get("numba")
    numba_threads = numba.get_num_threads() if numba else None
    try:
        import threadpoolctl
        blas = threadpoolctl.ThreadpoolController().select(user_api="blas")
        blas_threads = [pool.num_threads for pool in blas.lib_controllers]
    except ImportError:
        blas = None
    tiles = sys.modules.get("npgan.kernels.gemm_tiles")
    tile_threads = tiles.get_num_threads() if tiles else None
    yield
    threads.LOOP_THREADS, threads._num_threads = loop, chosen
    if numba_threads is not None:
        numba.set_num_threads(numba_threads)
    if blas is not None:
        for pool, n in zip(blas.lib_controllers, blas_threads):
            pool.set_num_threads(n)
    tiles = sys.modules.get("npgan.kernels.gemm_tiles")
    if tiles is not None:  # (after BLAS: it puts OpenBLAS back to one thread)
        tiles.set_num_threads(tile_threads or tiles.get_num_threads())


def test_import_changes_nothing_in_the_process():
    code = ("import os, sys, json; before = dict(os.environ); import npgan, npgan.kernels.allocator as a;"
            "print(json.dumps([dict(os.environ) == before, a._tuned, 'npgan._C' in sys.modules,"
            " 'numba' in sys.modules, os.environ.get('OMP_WAIT_POLICY')]))")
    same_environment, malloc_tuned, c_loaded, numba_loaded, wait_policy = json.loads(python(code))
    assert same_environment and wait_policy is None
    assert malloc_tuned is None  # reuse_large_allocations was never called
    assert not c_loaded and not numba_loaded


def test_the_command_sets_passive_waiting_unless_the_user_chose():
    code = ("import npgan.kernels as K; ok = K.prefer_passive_waiting(); import os;"
            "print(os.environ['OMP_WAIT_POLICY'], ok)")
    assert python(code).split() == ["PASSIVE", "True"]
    assert python(code, OMP_WAIT_POLICY="active").split() == ["active", "False"]


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_loading_an_openmp_backend_asks_for_passive_waiting_first(backend):
    """The OpenMP runtime reads OMP_WAIT_POLICY once, when the C extension or numba loads it:
    npgan sets PASSIVE just before (spinning idle threads made DCGAN ~3x slower), unless the
    user chose a policy."""
    if not ng.kernels.available_backends().count(backend):
        pytest.skip(f"the {backend} backend is not available here")
    code = ("import os, sys, npgan.kernels as K; before = os.environ.get('OMP_WAIT_POLICY');"
            f"K.set_backend({backend!r}); import numpy as np; K.kernel('leaky_relu_forward')(np.ones(3), 0.2);"
            f"print(before, os.environ['OMP_WAIT_POLICY'], {'npgan._C' if backend == 'c' else 'numba'!r} in sys.modules)")
    assert python(code).split() == ["None", "PASSIVE", "True"]
    assert python(code, OMP_WAIT_POLICY="active").split() == ["active", "active", "True"]


def test_set_num_threads_sets_every_pool(restore_threads):
    numba = pytest.importorskip("numba")
    n = min(2, numba.config.NUMBA_NUM_THREADS)
    ng.set_num_threads(n)
    assert ng.get_num_threads() == n == threads.LOOP_THREADS
    assert threads.loop_threads(threads.PARALLEL_MIN) == n and threads.loop_threads(10) == 1
    assert numba.get_num_threads() == n
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [pool for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    tiles = sys.modules.get("npgan.kernels.gemm_tiles")
    tiled = tiles is not None and tiles._GEMMS is not None
    if tiled:  # the c GEMM's tiles share out the n threads; the OpenBLAS they call stays at one
        assert tiles.get_num_threads() == n
    assert blas and all(pool["num_threads"] == (1 if tiled and pool["filepath"] == tiles.OPENBLAS_PATH else n)
                        for pool in blas)


def test_a_count_set_before_numba_loads_reaches_numba():
    code = ("import npgan as ng, numpy as np; ng.set_num_threads(1); ng.set_backend('numba');"
            "ng.nn.functional.leaky_relu(ng.tensor(np.ones(3, np.float32)), 0.1);"
            "import numba; print(numba.get_num_threads())")
    assert python(code, NUMBA_NUM_THREADS="2").strip() == "1"


def test_default_follows_omp_num_threads():
    assert python("import npgan; print(npgan.get_num_threads())", OMP_NUM_THREADS="3").strip() == "3"


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2", None])
def test_bad_counts_are_refused(n):
    with pytest.raises(ValueError, match="set_num_threads: n must be a positive int"):
        ng.set_num_threads(n)
