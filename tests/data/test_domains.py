"""The two digit domains: the shift (|texture - ink|) is applied to the target only, labels
stay aligned with the digits drawn, everything is reproducible by seed, and the shift is
large enough that a source-trained classifier fails on the target."""
import numpy as np
import pytest

from npgan.data.digits import digits
from npgan.data.domains import DOMAINS, get_domains, on_texture, textures

DOMAIN = get_domains("digits-textured")


def test_source_is_the_plain_digits_unshifted():
    x, y = DOMAIN.source(40, np.random.default_rng(3))
    ref_x, ref_y = digits(40, np.random.default_rng(3))
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, ref_y)


def test_target_is_the_same_digits_on_textures_with_aligned_labels():
    """With one seed both domains draw the same digits first: target labels equal source
    labels; where the source pixel is pure background (ink 0) the target shows the
    texture b, where it is full ink (1) it shows 1 - b: the MNIST-M blend |b - ink|."""
    n = 60
    x_s, y_s = DOMAIN.source(n, np.random.default_rng(7))
    x_t, y_t = DOMAIN.target_labelled(n, np.random.default_rng(7))
    np.testing.assert_array_equal(y_t, y_s)
    rng = np.random.default_rng(7)
    digits(n, rng)            # the target's first draws: its digits
    b = textures(n, rng)      # then its textures
    ink, shown = (x_s[:, 0] + 1) / 2, (x_t[:, 0] + 1) / 2
    background, full = ink == 0, ink == 1
    assert background.mean() > 0.3 and full.any()
    np.testing.assert_allclose(shown[background], b[background], atol=1e-6)
    np.testing.assert_allclose(shown[full], 1 - b[full], atol=1e-6)
    assert x_t.shape == x_s.shape == (n, 1, 28, 28) and x_t.dtype == np.float32
    assert x_t.min() >= -1 and x_t.max() <= 1


def test_target_without_labels_is_images_only():
    x = DOMAIN.target(5, np.random.default_rng(0))
    assert isinstance(x, np.ndarray) and x.shape == (5, 1, 28, 28)


def test_reproducible_by_seed():
    a = DOMAIN.target_labelled(20, np.random.default_rng(11))
    b = DOMAIN.target_labelled(20, np.random.default_rng(11))
    c = DOMAIN.target_labelled(20, np.random.default_rng(12))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_textures_are_smooth_in_range_and_vary_per_image():
    b = textures(200, np.random.default_rng(1))
    assert b.shape == (200, 28, 28) and b.dtype == np.float32 and b.min() >= 0 and b.max() <= 1
    step = np.abs(np.diff(b, axis=2)).mean()
    shuffled = np.abs(np.diff(b.reshape(200, -1)[:, np.random.default_rng(2).permutation(784)], axis=1)).mean()
    assert step < shuffled / 3  # neighbours are alike: a texture, not white noise
    assert b.std(axis=(1, 2)).min() > 0.01  # never a flat field
    assert np.ptp(b.mean(axis=(1, 2))) > 0.4  # brightness differs from image to image


def test_on_texture_is_the_absolute_difference():
    ink = np.array([0.0, 1.0, 0.25, 0.8], np.float32)
    b = np.array([0.3, 0.3, 0.75, 0.1], np.float32)
    np.testing.assert_allclose(on_texture(ink, b), [0.3, 0.7, 0.5, 0.7], rtol=1e-6)


def test_the_shift_defeats_a_source_trained_classifier():
    """The shipped digit classifier (trained on plain digits) reads the source but not the target."""
    from npgan.metrics.classifier import load_classifier
    classifier = load_classifier()
    x_s, y_s = DOMAIN.source(500, np.random.default_rng(5))
    x_t, y_t = DOMAIN.target_labelled(500, np.random.default_rng(5))
    assert np.mean(classifier.predict(x_s) == y_s) > 0.95
    assert np.mean(classifier.predict(x_t) == y_t) < 0.5


def test_unknown_domain_pair_is_refused_by_name():
    with pytest.raises(ValueError, match="get_domains: unknown domain pair 'ring8'; valid: digits-textured"):
        get_domains("ring8")
    assert list(DOMAINS) == ["digits-textured"]
