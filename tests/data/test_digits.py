"""``digits``: the layout and range of MNIST, balanced labels, seeding, and recognizable classes."""
import numpy as np
import pytest

from npgan.data.digits import DigitJitter, digits
from npgan.data.glyphs import CELL, FONT_FILES, STROKE_WIDTHS, glyph_atlas


@pytest.fixture(scope="module")
def batch():
    return digits(3_000, np.random.default_rng(0))


def test_images_are_float32_nchw_28x28_in_the_tanh_range(batch):
    images, labels = batch
    assert images.shape == (3_000, 1, 28, 28) and images.dtype == np.float32
    assert labels.shape == (3_000,) and labels.dtype == np.int64
    assert images.min() >= -1 and images.max() <= 1
    np.testing.assert_allclose(images.max(axis=(1, 2, 3)), 1, atol=0.05)  # every stroke reaches full ink
    assert np.median(images[:, 0, :3, :3]) < -0.99  # the corners are background (and faint noise)


def test_unit_range_and_float64_on_request():
    images, _ = digits(50, 3, value_range=(0.0, 1.0), dtype=np.float64)
    assert images.dtype == np.float64 and images.min() >= 0 and images.max() <= 1
    assert np.median(images) < 0.05


def test_digits_are_placed_like_mnist_20_pixel_box_centred_by_mass_in_28(batch):
    ink = (batch[0][:, 0] + 1) / 2
    pixels = np.arange(28)
    mass = ink.sum(axis=(1, 2))
    centre_x, centre_y = ink.sum(axis=1) @ pixels / mass, ink.sum(axis=2) @ pixels / mass
    assert np.abs(np.median(centre_x) - 13.5) < 0.5 and np.abs(np.median(centre_y) - 13.5) < 0.5
    assert np.all(np.hypot(centre_x - 13.5, centre_y - 13.5) < 4)
    inked = ink > 0.5
    rows, columns = inked.any(axis=2).sum(axis=1), inked.any(axis=1).sum(axis=1)
    assert 17 <= np.median(np.maximum(rows, columns)) <= 22
    # a digit whose mass sits high (a 7's bar) may reach the border, as in MNIST, but rarely
    touching = inked[:, [0, -1], :].any(axis=(1, 2)) | inked[:, :, [0, -1]].any(axis=(1, 2))
    assert np.mean(touching) < 0.02


def test_labels_are_uniform_over_0_to_9(batch):
    counts = np.bincount(batch[1], minlength=10)
    expected = len(batch[1]) / 10
    assert ((counts - expected) ** 2 / expected).sum() < 27.88  # chi-square, 9 dof, p = 0.001


def test_requested_labels_are_drawn():
    wanted = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    _, labels = digits(len(wanted), 0, labels=wanted)
    np.testing.assert_array_equal(labels, wanted)
    with pytest.raises(ValueError, match="labels must be 3 integers in 0..9"):
        digits(3, 0, labels=[1, 2, 10])
    with pytest.raises(ValueError, match="non-negative integer"):
        digits(-1, 0)


def test_same_seed_same_images_different_seed_different_images():
    a, la = digits(64, np.random.default_rng(5))
    b, lb = digits(64, np.random.default_rng(5))
    c, _ = digits(64, np.random.default_rng(6), labels=la)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert np.abs(a - c).mean() > 0.05


def test_each_class_is_recognizable_by_a_nearest_class_mean_classifier(batch):
    """Class means of one seed's digits classify another seed's: far above chance (10%)."""
    images, labels = batch
    flat = images.reshape(len(images), -1)
    means = np.stack([flat[labels == k].mean(axis=0) for k in range(10)])
    test_images, test_labels = digits(2_000, np.random.default_rng(1))
    test_flat = test_images.reshape(len(test_images), -1)
    predicted = ((test_flat[:, None, :] - means[None]) ** 2).sum(axis=-1).argmin(axis=1)
    assert np.mean(predicted == test_labels) > 0.8
    per_class = [np.mean(predicted[test_labels == k] == k) for k in range(10)]
    assert min(per_class) > 0.6, per_class


def test_digits_of_one_class_vary(batch):
    """Jitter and the choice of face make images of one class differ, not copies of a glyph."""
    ink = batch[0].reshape(len(batch[0]), -1)[batch[1] == 8]
    assert np.abs(ink[:-1] - ink[1:]).mean() > 0.1


def test_every_font_face_renders_ten_different_digits_of_sane_size():
    atlas = glyph_atlas()
    assert atlas.n_styles == len(FONT_FILES) * len(STROKE_WIDTHS)
    glyphs = atlas.images.reshape(atlas.n_styles, 10, CELL * CELL)
    for style, ten in enumerate(glyphs):
        difference = np.abs(ten[:, None] - ten[None]).mean(axis=-1)
        np.fill_diagonal(difference, np.inf)
        assert difference.min() > 0.01, FONT_FILES[style // len(STROKE_WIDTHS)]
    assert 30 <= atlas.extent.min() and atlas.extent.max() < CELL - 4
    edge = np.concatenate([atlas.images[:, :2].ravel(), atlas.images[:, -2:].ravel(),
                           atlas.images[:, :, :2].ravel(), atlas.images[:, :, -2:].ravel()])
    assert edge.max() < 1e-3  # the sampler's zero-outside relies on an empty border


def test_stroke_weights_vary_from_thin_to_thick():
    atlas = glyph_atlas()
    ink_per_weight = atlas.images.reshape(len(FONT_FILES), len(STROKE_WIDTHS), -1).sum(axis=-1)
    assert np.all(np.diff(ink_per_weight, axis=1) > 0)


def test_without_jitter_a_digit_is_its_glyph_and_classes_are_perfectly_separated():
    still = DigitJitter(rotation=0, scale=(1, 1), aspect=0, shear=0, translation=0, elastic=0, blur=0, noise=0)
    labels = np.tile(np.arange(10), 20)
    images, _ = digits(len(labels), 0, labels=labels, jitter=still)
    flat = images.reshape(len(images), -1)
    means = np.stack([flat[labels == k].mean(axis=0) for k in range(10)])
    predicted = ((flat[:, None] - means[None]) ** 2).sum(axis=-1).argmin(axis=1)
    assert np.mean(predicted == labels) > 0.95
