"""The ``c`` GEMM (kernels/gemm_tiles.py, csrc/gemm_tiles.c): its tiles are a function of the
shapes only, so the product is the same bit for bit at every thread count of 2 or more, equals
the tiles computed one by one with NumPy's matmul, and equals NumPy's matmul at one thread;
it survives concurrent callers and fork(). (Its values against the float64 product are in
test_gemm.py, with the other libraries.)"""
import multiprocessing
import threading

import numpy as np
import pytest

import npgan as ng
from npgan.kernels import implementations, threads

gemm_tiles = pytest.importorskip("npgan.kernels.gemm_tiles")
pytestmark = pytest.mark.skipif(gemm_tiles._GEMMS is None, reason="NumPy's BLAS is not an ILP64 OpenBLAS")

# (M, K, N): cut along N, along M, at the 16-wide bounds' edge, into the most tiles, one tile
SHAPES = [(64, 784, 256), (1031, 130, 47), (64, 1600, 3136), (520, 777, 33), (16, 4096, 4096), (2, 3, 5)]


def operands(M, K, N, dtype, trans_a, trans_b, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((K, M) if trans_a else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if trans_b else (K, N)).astype(dtype)
    return (a.T if trans_a else a), (b.T if trans_b else b)


def with_threads(n, fn):
    saved = gemm_tiles.get_num_threads()
    gemm_tiles.set_num_threads(n)
    try:
        return fn()
    finally:
        gemm_tiles.set_num_threads(saved)


def tiles_one_by_one(a, b):
    """The tiles of ``tiling`` computed by NumPy's matmul one after the other (one BLAS thread)."""
    M, N = a.shape[0], b.shape[1]
    tiles, split_n = gemm_tiles.tiling(M, N, a.shape[1])
    D = N if split_n else M
    bounds = [t * D // tiles // gemm_tiles.TILE_ALIGN * gemm_tiles.TILE_ALIGN for t in range(tiles)] + [D]
    out = np.empty((M, N), a.dtype)
    for lo, hi in zip(bounds, bounds[1:]):
        if split_n:
            np.matmul(a, b[:, lo:hi], out=out[:, lo:hi])
        else:
            np.matmul(a[lo:hi], b, out=out[lo:hi])
    return out


def test_tiling_depends_on_the_shapes_only_and_keeps_tiles_16_wide():
    for M, K, N in SHAPES + [(10 ** 5, 10 ** 3, 10 ** 3), (1, 1, 1)]:
        tiles, split_n = gemm_tiles.tiling(M, N, K)
        assert split_n == (N >= M)
        assert 1 <= tiles <= gemm_tiles.MAX_TILES
        assert tiles == 1 or (N if split_n else M) // tiles >= gemm_tiles.TILE_ALIGN
        assert tiles == 1 or 2 * M * N * K // tiles >= gemm_tiles.TILE_FLOPS
    assert gemm_tiles.tiling(64, 256, 784) == (min(gemm_tiles.MAX_TILES, 12), True)  # 2 M N K / 2^21 = 12.25
    assert gemm_tiles.tiling(2, 5, 3) == (1, True)


@pytest.mark.parametrize("max_tiles", [gemm_tiles.MAX_TILES, 8], ids=["this-machine", "8-tiles"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_same_bits_at_every_thread_count_and_equal_to_the_tiles_one_by_one(shape, trans_a, trans_b, dtype, max_tiles,
                                                                          monkeypatch):
    monkeypatch.setattr(gemm_tiles, "MAX_TILES", max_tiles)  # (8: more tiles than threads, claimed in turn)
    a, b = operands(*shape, dtype, trans_a, trans_b)
    gemm = implementations("gemm")["c"]
    products = {n: with_threads(n, lambda: gemm(a, b)) for n in (2, 3, 4, 8)}
    reference = tiles_one_by_one(a, b)
    for n, got in products.items():
        np.testing.assert_array_equal(got, reference, err_msg=f"{n} threads")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_thread_is_numpys_matmul_bit_for_bit(dtype):
    a, b = operands(64, 784, 256, dtype, False, True)
    got = with_threads(1, lambda: implementations("gemm")["c"](a, b))
    np.testing.assert_array_equal(got, np.matmul(a, b))


def test_concurrent_callers_get_their_own_products():
    """cffi releases the GIL: a caller that finds the pool busy runs its tiles itself."""
    pairs = [operands(256, 300, 512, np.float64, False, False, seed=s) for s in range(4)]
    expected = [tiles_one_by_one(a, b) for a, b in pairs]
    gemm = implementations("gemm")["c"]
    got, errors = [None] * len(pairs), []

    def work(i):
        try:
            for _ in range(20):
                got[i] = gemm(*pairs[i])
                np.testing.assert_array_equal(got[i], expected[i])
        except AssertionError as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(pairs))]
    with_threads(2, lambda: ([w.start() for w in workers], [w.join() for w in workers]))
    assert not errors


def _product_in_child(queue):
    a, b = operands(64, 784, 256, np.float32, False, False)
    queue.put(with_threads(2, lambda: implementations("gemm")["c"](a, b)))


def test_a_forked_child_multiplies_without_the_parents_workers():
    a, b = operands(64, 784, 256, np.float32, False, False)
    with_threads(2, lambda: implementations("gemm")["c"](a, b))  # the parent's workers are running
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_product_in_child, args=(queue,))
    child.start()
    product = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_array_equal(product, tiles_one_by_one(a, b))


def test_set_num_threads_reaches_the_tiles_and_openblas_stays_at_one():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    saved, chosen, loop = gemm_tiles.get_num_threads(), threads._num_threads, threads.LOOP_THREADS
    try:
        ng.set_num_threads(3)
        assert gemm_tiles.get_num_threads() == 3
        numpys = [pool for pool in threadpoolctl.threadpool_info() if pool["filepath"] == gemm_tiles.OPENBLAS_PATH]
        assert [pool["num_threads"] for pool in numpys] == [1]
    finally:
        threads._num_threads, threads.LOOP_THREADS = chosen, loop
        gemm_tiles.set_num_threads(saved)
