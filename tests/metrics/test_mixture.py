"""Mode-coverage protocol on hand-built sample sets with known answers."""
import numpy as np
import pytest

from npgan.data import get_dataset
from npgan.metrics import mode_coverage, summarize


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_real_data_scores_the_closed_form(name):
    """For an isotropic 2-D Gaussian, P(r <= 3 std) = 1 - exp(-9/2) = 0.98889: the best
    a perfect generator can score on the high-quality share."""
    data = get_dataset(name)
    x, _ = data.sample(20000, np.random.default_rng(0))
    r = mode_coverage(x, data.centres, data.std)
    p = 1 - np.exp(-4.5)
    assert r.modes_covered == len(data.centres)
    assert abs(r.high_quality - p) < 4 * np.sqrt(p * (1 - p) / 20000)
    assert r.reverse_kl < 0.01


def test_collapsed_and_off_mode_samples():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    # 60 samples on mode 0, 20 on mode 1, 20 far from everything
    x = np.concatenate([np.zeros((60, 2)), np.tile([[10.0, 0.0]], (20, 1)), np.full((20, 2), 5.0)])
    r = mode_coverage(x, centres, std=0.1)
    assert r.modes_covered == 2 and r.num_modes == 4
    assert r.high_quality == pytest.approx(0.8)
    q = np.array([0.75, 0.25])
    assert r.reverse_kl == pytest.approx(np.sum(q * np.log(q * 4)))


def test_threshold_is_three_std_and_nan_samples_are_low_quality():
    centres = np.array([[0.0, 0.0], [1.0, 0.0]])
    x = np.array([[0.0, 0.029], [0.0, 0.031], [np.nan, 0.0]])
    r = mode_coverage(x, centres, std=0.01)
    assert r.high_quality == pytest.approx(1 / 3) and r.modes_covered == 1


def test_summary_mean_and_standard_error():
    from npgan.metrics import ModeCoverage
    s = summarize([ModeCoverage(8, 8, 0.9, 0.1), ModeCoverage(6, 8, 0.7, 0.3)])
    assert s["modes_covered"] == (7.0, pytest.approx(1.0))
    one = summarize([ModeCoverage(8, 8, 0.9, 0.1)])
    assert one["high_quality"] == (0.9, 0.0)
    with np.errstate(all="raise"):  # an infinite KL gives a NaN standard error, silently
        lost = summarize([ModeCoverage(8, 8, 0.9, 0.1), ModeCoverage(0, 8, 0.0, np.inf)])
    assert lost["reverse_kl"][0] == np.inf and np.isnan(lost["reverse_kl"][1])
    with pytest.raises(ValueError, match="mode_coverage"):
        mode_coverage(np.zeros((3, 3)), np.zeros((2, 2)), 0.1)
