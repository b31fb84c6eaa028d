"""Edge energy against closed forms: one lit pixel (the Sobel kernels' own magnitudes),
linearity in the ink's contrast, and a blur lowering the ratio to the sharp image."""
import math

import numpy as np
import pytest

from npgan.metrics.sharpness import edge_energy, edge_energy_ratio


def _dot(size=9, value=1.0):
    """One pixel of ink ``value`` in the middle of a blank image, in [-1, 1]."""
    ink = np.zeros((1, 1, size, size))
    ink[0, 0, size // 2, size // 2] = value
    return ink * 2 - 1


def test_one_lit_pixel_gives_the_kernels_magnitudes():
    """Around an impulse the gradient is the kernels themselves: sqrt(1 + 1) at the 4
    diagonal neighbours, sqrt(2^2 + 0) at the 4 side ones, 0 at the pixel: mean
    (8 + 4 sqrt 2) / 81 over a 9x9 image."""
    assert edge_energy(_dot()) == pytest.approx((8 + 4 * math.sqrt(2)) / 81, rel=1e-12)


def test_edge_energy_is_linear_in_the_ink_and_follows_the_value_range():
    assert edge_energy(_dot(value=0.5)) == pytest.approx(edge_energy(_dot()) / 2, rel=1e-12)
    ink01 = (_dot() + 1) / 2
    assert edge_energy(ink01, value_range=(0.0, 1.0)) == pytest.approx(edge_energy(_dot()), rel=1e-12)


def test_a_blur_lowers_the_ratio_below_one():
    """A vertical bar 3 pixels wide against its 1x3 box blur: along an inner row the Sobel x
    response is 4 times the central differences, which sum in |.| to 4 for the bar (1, 1,
    -1, -1) and 10/3 for the blur (1/3, 2/3, 2/3, 0, -2/3, -2/3, -1/3): a ratio of 5/6 there;
    the top and bottom rows add vertical gradients (the zero outside the image) to both and
    move the whole image's ratio up a little, towards 1. The bar against itself: exactly 1."""
    sharp = np.zeros((1, 1, 40, 9))
    sharp[0, 0, :, 3:6] = 1
    blurred = sharp.copy()
    blurred[0, 0] = np.convolve(sharp[0, 0, 0], np.ones(3) / 3, mode="same")
    assert 5 / 6 < edge_energy_ratio(blurred * 2 - 1, sharp * 2 - 1) < 5 / 6 + 0.01
    assert edge_energy_ratio(sharp * 2 - 1, sharp * 2 - 1) == 1


def test_colour_images_are_refused():
    with pytest.raises(ValueError, match=r"edge_energy: expected grey images \(N, 1, H, W\), got shape \(2, 3, 4, 4\)"):
        edge_energy(np.zeros((2, 3, 4, 4)))
