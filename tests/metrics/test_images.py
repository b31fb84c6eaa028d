"""Image metrics against closed forms, and the shipped digit classifier on fresh digits."""
import hashlib

import numpy as np
import pytest

from npgan.data import get_dataset
from npgan.metrics.classifier import WEIGHTS, load_classifier
from npgan.metrics.images import (class_shares, classes_covered, feature_statistics, frechet_distance,
                                  frechet_distance_of, image_scores, inception_score, mean_confidence)


def random_covariance(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_identical_gaussians_are_at_distance_zero(rng):
    mu, sigma = rng.standard_normal(6), random_covariance(rng, 6)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-9)


def test_one_dimensional_and_diagonal_closed_forms(rng):
    """For commuting (e.g. diagonal) covariances, FD = sum_i (mu1_i - mu2_i)^2 + (s1_i - s2_i)^2."""
    assert frechet_distance(1.0, 4.0, -2.0, 9.0) == pytest.approx(3 ** 2 + (2 - 3) ** 2)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    s1, s2 = rng.uniform(0.1, 2, 5), rng.uniform(0.1, 2, 5)
    expected = np.sum((mu1 - mu2) ** 2 + (s1 - s2) ** 2)
    assert frechet_distance(mu1, np.diag(s1 ** 2), mu2, np.diag(s2 ** 2)) == pytest.approx(expected, rel=1e-10)


def test_full_covariance_matches_the_symmetric_formula(rng):
    """Tr((S1 S2)^(1/2)) is symmetric in S1 and S2, and FD is a squared distance."""
    mu1, mu2 = rng.standard_normal(4), rng.standard_normal(4)
    s1, s2 = random_covariance(rng, 4), random_covariance(rng, 4)
    d12, d21 = frechet_distance(mu1, s1, mu2, s2), frechet_distance(mu2, s2, mu1, s1)
    assert d12 == pytest.approx(d21, rel=1e-9) and d12 > 0
    # the same value from the eigenvalues of S1 S2 directly (non-symmetric, real and non-negative)
    trace_sqrt = np.sqrt(np.linalg.eigvals(s1 @ s2).real).sum()
    assert d12 == pytest.approx(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * trace_sqrt, rel=1e-9)


def test_statistics_and_distance_ignore_sample_order(rng):
    a, b = rng.standard_normal((300, 8)), rng.standard_normal((200, 8)) + 0.5
    mu, sigma = feature_statistics(a)
    np.testing.assert_allclose(sigma, np.cov(a.T))
    assert frechet_distance_of(a, b) == pytest.approx(frechet_distance_of(rng.permutation(a), rng.permutation(b)),
                                                      rel=1e-10)
    with pytest.raises(ValueError, match="frechet_distance"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_inception_score_closed_forms():
    """k classes equally often, each sample certain of its class -> k; all alike -> 1."""
    for k in (1, 3, 10):
        confident = np.eye(10)[np.arange(10 * k) % k]
        assert inception_score(confident) == pytest.approx(k)
    assert inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    assert inception_score(np.tile([0.7, 0.2, 0.1], (20, 1))) == pytest.approx(1.0)


def test_class_coverage_and_confidence():
    proba = np.eye(4)[[0] * 95 + [1] * 4 + [2] * 1]   # class 2 at exactly 1%, class 3 never
    np.testing.assert_allclose(class_shares(proba), [0.95, 0.04, 0.01, 0.0])
    assert classes_covered(proba) == 3
    assert classes_covered(proba, min_share=0.02) == 2
    assert mean_confidence(np.array([[0.5, 0.5], [0.9, 0.1]])) == pytest.approx(0.7)


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


@pytest.fixture(scope="module")
def fresh_digits():
    """Digits from a stream neither training (seed [0, 0]) nor its held-out set ([0, 1]) used."""
    return get_dataset("digits").sample(600, np.random.default_rng(2024))


def test_checksum_is_the_weights_file_sha256(classifier):
    with open(WEIGHTS, "rb") as f:
        assert classifier.checksum == hashlib.sha256(f.read()).hexdigest()[:12]
    assert len(classifier.checksum) == 12


def test_shipped_classifier_reads_fresh_digits(classifier, fresh_digits):
    """It scored 99.7% on 5,000 held-out digits; 600 fresh ones must give at least 98%:
    a 1.7-point margin is over 7 binomial standard errors (sqrt(0.003 * 0.997 / 600) = 0.22%),
    while a broken classifier (wrong weights, layout or preprocessing) falls far below."""
    images, labels = fresh_digits
    assert np.mean(classifier.predict(images) == labels) >= 0.98
    assert classifier.info["held_out_accuracy"] >= 0.99


def test_real_digits_score_as_real(classifier, fresh_digits):
    """Real vs real: the IS analogue near 10 and every class covered; noise scores far worse."""
    images, _ = fresh_digits
    real = image_scores(classifier, images[:300], images[300:])
    noise = np.random.default_rng(0).uniform(-1, 1, images[300:].shape).astype(np.float32)
    fake = image_scores(classifier, images[:300], noise)
    assert real["inception_score"] > 9 and real["classes_covered"] == 10 and real["confidence"] > 0.95
    assert fake["frechet_distance"] > 20 * real["frechet_distance"]
    assert fake["inception_score"] < real["inception_score"] and fake["confidence"] < real["confidence"]
    assert real["classifier"] == classifier.checksum


def test_classifier_rejects_wrong_shapes_and_files(classifier, tmp_path):
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        classifier.features(np.zeros((2, 28, 28), np.float32))
    from npgan.serialization import save_checkpoint
    save_checkpoint(tmp_path / "other.npz", {"kind": "something-else"})
    with pytest.raises(ValueError, match="not a digit classifier"):
        load_classifier(str(tmp_path / "other.npz"))
