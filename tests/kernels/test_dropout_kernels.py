"""The dropout mask kernel on every available backend: bit for bit against the NumPy
reference, the reference against SplitMix64's published outputs, and the mask's
statistics (keep rate, scale, independence of seeds)."""
import numpy as np
import pytest

import npgan.kernels as K
from npgan.kernels import threads

BACKENDS = tuple(b for b in K.available_backends() if b in ("numpy", "numba", "c"))  # the loops (mkl, blis: only gemm)
MASK64 = (1 << 64) - 1


def impl(backend):
    return K.implementations("dropout_mask")[backend]


def splitmix64(seed, count):
    """SplitMix64 written out with Python integers, independently of the kernels."""
    state, out = seed, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


def test_splitmix64_matches_its_published_outputs():
    # the first outputs from seed 1234567 (Rosetta Code, "Pseudo-random numbers/Splitmix64")
    assert splitmix64(1234567, 3) == [6457827717110365317, 3203168211198807973, 9817491932198370423]


@pytest.mark.parametrize("n", [1, 2, 7, 64])
def test_reference_keeps_entries_whose_32_bit_draws_reach_the_threshold(n):
    p, seed = 0.37, 2 ** 63 + 12345
    bits = [half for z in splitmix64(seed, (n + 1) // 2) for half in (z >> 32, z & 0xFFFFFFFF)][:n]
    threshold = round(p * 2 ** 32)
    expected = np.array([1 / (1 - p) if b >= threshold else 0.0 for b in bits])
    np.testing.assert_array_equal(impl("numpy")((n,), p, seed, np.float64), expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 5), (4, 3, 5, 7), (2, 64, 14, 14)])
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.999])
def test_every_backend_matches_the_reference_bit_for_bit(backend, dtype, shape, p):
    seed = 987654321987654321
    expected = impl("numpy")(shape, p, seed, dtype)
    got = impl(backend)(shape, p, seed, dtype)
    assert got.shape == shape and got.dtype == dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_mask_large_enough_for_threads_matches_the_reference(backend):
    shape = (threads.PARALLEL_MIN + 3,)  # odd, and above the size where the C loop splits over threads
    np.testing.assert_array_equal(impl(backend)(shape, 0.3, 5, np.float32), impl("numpy")(shape, 0.3, 5, np.float32))


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
def test_keep_rate_and_scale(p):
    n = 400_000
    mask = K.kernel("dropout_mask")((n,), p, 42, np.float64)
    kept = mask > 0
    assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
    sigma = np.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * sigma
    assert abs(mask.mean() - 1.0) < 5 * sigma / (1 - p)  # inverted dropout keeps the mean
    # neighbours (the two halves of one 64-bit draw, and consecutive draws) are uncorrelated
    assert abs(np.corrcoef(kept[0::2], kept[1::2])[0, 1]) < 5 / np.sqrt(n / 2)
    assert abs(np.corrcoef(kept[:-2], kept[2:])[0, 1]) < 5 / np.sqrt(n)


def test_different_seeds_give_independent_masks():
    a = K.kernel("dropout_mask")((100_000,), 0.5, 1, np.float32) > 0
    b = K.kernel("dropout_mask")((100_000,), 0.5, 2, np.float32) > 0
    assert abs((a == b).mean() - 0.5) < 5 * np.sqrt(0.25 / 100_000)


@pytest.mark.parametrize("args,error,match", [
    (((3,), 1.0, 0, np.float32), ValueError, r"dropout_mask: p must be a number in \[0, 1\), got 1.0"),
    (((3,), -0.1, 0, np.float32), ValueError, "p must be a number"),
    (((3,), "0.5", 0, np.float32), ValueError, "p must be a number"),
    (((3,), 0.5, -1, np.float32), ValueError, r"seed must be an integer in \[0, 2\^64\), got -1"),
    (((3,), 0.5, 2 ** 64, np.float32), ValueError, "seed must be an integer"),
    (((3,), 0.5, 1.5, np.float32), ValueError, "seed must be an integer"),
    (((3,), 0.5, 0, np.int32), TypeError, "dtype must be float32 or float64, got int32"),
    (((3, -1), 0.5, 0, np.float32), ValueError, r"shape must not have negative sizes, got \(3, -1\)"),
    ((3, 0.5, 0, np.float32), TypeError, "shape must be a sequence of ints"),
    (((3, 2.5), 0.5, 0, np.float32), TypeError, r"shape must be a sequence of ints, got \(3, 2.5\)"),
])
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_arguments_are_named_before_any_backend_runs(backend, args, error, match):
    with pytest.raises(error, match=match):
        impl(backend)(*args)
