"""The 2-D mixtures: exact centres, the per-mode spread, uniform mode use, seeding."""
import numpy as np
import pytest

from npgan.data.mixtures import GaussianMixture2D, grid25, ring8, ring_centres, swissroll

N = 40_000


def nearest(points, centres):
    """(index of the nearest centre, distance to it) per point."""
    distance = np.hypot(points[:, :1] - centres[:, 0], points[:, 1:] - centres[:, 1])
    return distance.argmin(axis=1), distance.min(axis=1)


def test_ring8_centres_are_eight_points_at_angles_2pi_k_over_8_on_the_unit_circle():
    k = np.arange(8)
    expected = np.stack([np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)], axis=1)
    np.testing.assert_allclose(ring8.centres, expected, atol=1e-15)
    assert len(np.unique(ring8.centres.round(9), axis=0)) == 8
    assert ring8.std == 0.01


def test_grid25_centres_are_the_25_points_of_minus4_to_4_step_2_squared():
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in grid25.centres} == expected and len(grid25.centres) == 25
    assert grid25.std == 0.05


def test_centres_are_read_only():
    with pytest.raises(ValueError):
        ring8.centres[0, 0] = 5.0


def test_a_ring_from_linspace_0_2pi_is_refused_because_it_has_7_distinct_modes():
    angles = np.linspace(0, 2 * np.pi, 8)  # the well-known bug: 0 and 2 pi are one point
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    with pytest.raises(ValueError, match="not distinct"):
        GaussianMixture2D("buggy ring", centres, std=0.01)
    assert len(ring_centres(8, 1.0)) == 8


@pytest.mark.parametrize("mixture", [ring8, grid25], ids=lambda m: m.name)
def test_samples_spread_around_their_nearest_centre_like_an_isotropic_gaussian(mixture):
    points = mixture.sample(N, np.random.default_rng(0))
    _, distance = nearest(points.astype(np.float64), mixture.centres)
    # |x - c| / std is Rayleigh: mean sqrt(pi / 2), P(<= 3) = 1 - exp(-9 / 2) = 0.9889
    assert np.mean(distance) / mixture.std == pytest.approx(np.sqrt(np.pi / 2), rel=0.02)
    assert np.mean(distance <= 3 * mixture.std) == pytest.approx(1 - np.exp(-4.5), abs=0.003)


@pytest.mark.parametrize("mixture", [ring8, grid25], ids=lambda m: m.name)
def test_every_mode_is_used_uniformly(mixture):
    points = mixture.sample(N, np.random.default_rng(1))
    mode, _ = nearest(points.astype(np.float64), mixture.centres)
    counts = np.bincount(mode, minlength=len(mixture.centres))
    expected = N / len(counts)
    chi_square = ((counts - expected) ** 2 / expected).sum()
    # 99.9th percentile of chi-square with 7 and 24 degrees of freedom
    assert chi_square < {8: 24.32, 25: 51.18}[len(counts)]


@pytest.mark.parametrize("mixture", [ring8, grid25, swissroll], ids=lambda m: m.name)
def test_same_seed_same_points_different_seed_different_points(mixture):
    a = mixture.sample(100, np.random.default_rng(7))
    b = mixture.sample(100, np.random.default_rng(7))
    c = mixture.sample(100, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("mixture", [ring8, grid25, swissroll], ids=lambda m: m.name)
def test_dtype_is_float32_by_default_float64_on_request_and_nothing_else(mixture):
    assert mixture.sample(3, 0).dtype == np.float32 and mixture.sample(3, 0).shape == (3, 2)
    assert mixture.sample(3, 0, dtype=np.float64).dtype == np.float64
    assert mixture.sample(0, 0).shape == (0, 2)
    with pytest.raises(TypeError, match="float32 or float64"):
        mixture.sample(3, 0, dtype=np.int32)
    with pytest.raises(ValueError, match="non-negative integer"):
        mixture.sample(-1, 0)


def test_swissroll_lies_along_its_curve_within_the_noise_and_inside_minus2_2():
    points = swissroll.sample(3_000, np.random.default_rng(2)).astype(np.float64)
    assert swissroll.centres is None and swissroll.std == pytest.approx(0.25 / 7.5)
    assert np.abs(points).max() < 2.0
    _, distance = nearest(points, swissroll.curve(3_000))  # points at most 0.006 apart, a fifth of the std
    # the distance to the curve is about |normal noise|: P(|N(0, std)| <= 3 std) = 0.9973
    assert np.mean(distance <= 3 * swissroll.std) > 0.99
    assert np.mean(distance) / swissroll.std == pytest.approx(np.sqrt(2 / np.pi), rel=0.1)
