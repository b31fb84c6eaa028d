"""make_grid's layout and pixel values, exactly, and save_image_grid's PNGs."""
import matplotlib.image
import numpy as np
import pytest

import npgan as ng
from npgan.viz import make_grid, save_image_grid


def three_tiny_images():
    """Three 2x2 one-channel images in the tanh range (-1, 1)."""
    return np.array([
        [[-1.0, 1.0], [0.0, 0.5]],
        [[1.0, 1.0], [1.0, 1.0]],
        [[0.0, -1.0], [2.0, -3.0]],  # out-of-range values clip to white / black
    ])


def test_make_grid_layout_and_pixels_exact():
    grid = make_grid(three_tiny_images(), nrow=2, padding=1)
    expected = np.array([
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 255, 0, 255, 255, 0],
        [0, 128, 191, 0, 255, 255, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 128, 0, 0, 0, 0, 0],
        [0, 255, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ], dtype=np.uint8)
    assert grid.dtype == np.uint8
    np.testing.assert_array_equal(grid, expected)


def test_make_grid_shape_follows_torchvision_formula():
    images = np.zeros((5, 3, 4, 6))
    grid = make_grid(images, nrow=2, padding=2)  # 3 rows of 2
    assert grid.shape == (3 * (4 + 2) + 2, 2 * (6 + 2) + 2, 3)
    assert make_grid(images, padding=0).shape == (2 * 4, 3 * 6, 3)  # default nrow = ceil(sqrt(5)) = 3


def test_make_grid_rgb_keeps_channels_in_place():
    image = np.zeros((1, 3, 1, 1))
    image[0, 1] = 1.0  # pure green
    np.testing.assert_array_equal(make_grid(image, padding=0), [[[128, 255, 128]]])


def test_value_range_maps_linearly_and_none_stretches_min_max():
    images = np.array([[[0.0, 0.5, 1.0]]])
    np.testing.assert_array_equal(make_grid(images, padding=0, value_range=(0, 1)), [[0, 128, 255]])
    np.testing.assert_array_equal(make_grid(images * 10 + 3, padding=0, value_range=None), [[0, 128, 255]])
    np.testing.assert_array_equal(make_grid(np.full((1, 1, 2), 7.0), padding=0, value_range=None), [[0, 0]])


def test_accepts_npgan_tensors():
    images = three_tiny_images()
    np.testing.assert_array_equal(make_grid(ng.tensor(images), nrow=2), make_grid(images, nrow=2))


@pytest.mark.parametrize("shape", [(2, 2), (2, 2, 3, 3, 1), (4, 2, 5, 5), (4, 4, 5, 5)])
def test_bad_shapes_raise_naming_function_and_shape(shape):
    with pytest.raises(ValueError, match=r"make_grid.*" + str(shape).replace("(", r"\(").replace(")", r"\)")):
        make_grid(np.zeros(shape))


def test_bad_arguments_raise():
    images = three_tiny_images()
    with pytest.raises(ValueError, match="make_grid: nrow"):
        make_grid(images, nrow=0)
    with pytest.raises(ValueError, match="make_grid: value_range"):
        make_grid(images, value_range=(1, 1))
    with pytest.raises(ValueError, match="make_grid: images of shape .* 1 non-finite"):
        make_grid(np.where(images == 2.0, np.nan, images))
    with pytest.raises(ValueError, match=r"save_image_grid: got 1 labels for a grid of 2 rows"):
        save_image_grid(images, "unused.png", nrow=2, labels=["only one"])


def test_saved_grid_loads_back_pixel_for_pixel(tmp_path):
    images = np.random.default_rng(0).uniform(-1, 1, (5, 3, 4, 4))
    for channels in (1, 3):
        path = save_image_grid(images[:, :channels], tmp_path / f"grid{channels}.png", nrow=3)
        loaded = matplotlib.image.imread(path)
        expected = make_grid(images[:, :channels], nrow=3)
        if channels == 1:
            expected = np.repeat(expected[..., None], 3, axis=2)  # gray saved as R = G = B
        assert loaded.shape[:2] == (2 * 6 + 2, 3 * 6 + 2)
        np.testing.assert_array_equal(np.round(loaded[..., :3] * 255).astype(np.uint8), expected)


def test_labelled_grid_is_a_readable_png(tmp_path):
    images = np.random.default_rng(1).uniform(-1, 1, (6, 1, 8, 8))
    path = save_image_grid(images, tmp_path / "labelled.png", nrow=3, labels=["digit 0", "digit 1"])
    loaded = matplotlib.image.imread(path)
    assert loaded.ndim == 3 and loaded.shape[0] >= 400  # enlarged for reading
