"""Paired digits (npgan.data.paired): each target is exactly the clean digit of the same
index, the inputs are the corruptions the docstring defines (checked against loop
references), pairs repeat by seed, and the held-out split shares no pair with training."""
import numpy as np
import pytest

from npgan.data import digits, get_dataset
from npgan.data.paired import (EDGE_THRESHOLD, NOISE_STD, OCCLUSION, PAIRINGS, digits_denoise, digits_edges,
                               held_out_pairs)


def sobel_loops(ink):
    """|grad I| by explicit loops over the 3x3 neighbourhood, zero outside (one image)."""
    kx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    h, w = ink.shape
    out = np.zeros((h, w))
    for r in range(h):
        for c in range(w):
            gx = gy = 0.0
            for i in range(3):
                for j in range(3):
                    rr, cc = r + i - 1, c + j - 1
                    if 0 <= rr < h and 0 <= cc < w:
                        gx += kx[i][j] * float(ink[rr, cc])
                        gy += kx[j][i] * float(ink[rr, cc])
            out[r, c] = np.hypot(gx, gy)
    return out


@pytest.mark.parametrize("name", sorted(PAIRINGS))
def test_the_target_is_exactly_the_clean_digit_of_the_same_index(name):
    inputs, targets, labels = PAIRINGS[name](7, np.random.default_rng(3))
    clean, clean_labels = digits(7, np.random.default_rng(3))
    np.testing.assert_array_equal(targets, clean)
    np.testing.assert_array_equal(labels, clean_labels)
    assert inputs.shape == targets.shape == (7, 1, 28, 28) and inputs.dtype == targets.dtype == np.float32
    assert inputs.min() >= -1 and inputs.max() <= 1 and not np.array_equal(inputs, targets)


def test_the_edge_map_is_the_thresholded_sobel_magnitude():
    inputs, targets, _ = digits_edges(3, np.random.default_rng(0))
    for x, y in zip(inputs, targets):
        magnitude = sobel_loops((y[0].astype(np.float64) + 1) / 2)
        clear = np.abs(magnitude - EDGE_THRESHOLD) > 1e-4  # float32 ink: leave ties at the threshold out
        expected = np.where(magnitude > EDGE_THRESHOLD, 1.0, -1.0)
        np.testing.assert_array_equal(x[0][clear], expected[clear])
        assert clear.mean() > 0.99 and set(np.unique(x)) == {-1.0, 1.0}
        assert 20 < (x == 1).sum() < 400  # an outline: more than a dot, less than the field


def test_denoise_adds_the_noise_and_paints_one_square_with_the_background():
    rng = np.random.default_rng(5)
    inputs, targets, _ = digits_denoise(4, rng)
    after = np.random.default_rng(5)
    digits(4, after)  # the corruption is drawn after the clean digits, from the same stream
    noise = after.standard_normal(targets.shape, dtype=np.float32)
    corners = after.integers(0, 28 - OCCLUSION + 1, (4, 2))
    for k in range(4):
        expected = np.clip(targets[k, 0] + NOISE_STD * noise[k, 0], -1, 1)
        top, left = corners[k]
        for r in range(top, top + OCCLUSION):
            for c in range(left, left + OCCLUSION):
                expected[r, c] = -1.0
        np.testing.assert_array_equal(inputs[k, 0], expected)


@pytest.mark.parametrize("name", sorted(PAIRINGS))
def test_pairs_repeat_by_seed_and_differ_across_seeds(name):
    a, b, c = (PAIRINGS[name](5, np.random.default_rng(s)) for s in (11, 11, 12))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("name", sorted(PAIRINGS))
def test_the_held_out_split_is_fixed_and_shares_no_pair_with_training_draws(name):
    held = held_out_pairs(name, 64)
    for x, y in zip(held, held_out_pairs(name, 64)):
        np.testing.assert_array_equal(x, y)
    dataset = get_dataset(name)
    for x, y in zip(held, dataset.held_out(64)):
        np.testing.assert_array_equal(x, y)
    held_targets = {t.tobytes() for t in held[1]}
    # a run's --seed (0, 1, and the held-out stream's own entropy as an integer seed)
    for seed in (0, 1, 20170717):
        rng = np.random.default_rng(seed)
        for _ in range(4):  # the first batches a run would draw
            _, train_targets = dataset.sample(64, rng)
            assert held_targets.isdisjoint(t.tobytes() for t in train_targets), seed


def test_the_registry_declares_pairs():
    for name in PAIRINGS:
        dataset = get_dataset(name)
        assert (dataset.kind, dataset.shape, dataset.num_classes, dataset.generated) == ("pairs", (1, 28, 28),
                                                                                          None, True)
        inputs, targets = dataset.sample(3, np.random.default_rng(0))
        assert inputs.shape == targets.shape == (3, 1, 28, 28)


def test_held_out_pairs_refuses_bad_arguments():
    with pytest.raises(ValueError, match="unknown pairing 'digits-blur'"):
        held_out_pairs("digits-blur", 4)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        held_out_pairs("digits-edges", 0)
