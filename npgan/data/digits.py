"""``digits``: MNIST-like 28x28 handwritten-style digits drawn on the fly, nothing downloaded.

Each image takes one glyph of the atlas (``glyphs.py``: 22 of matplotlib's font faces,
each at 4 stroke weights) and distorts it at random: rotation, scale, aspect, shear
(slant), translation, a smooth elastic displacement that bends strokes, a blur and pixel
noise (``DigitJitter`` holds the ranges). It is placed as MNIST places its digits: the ink's
bounding box scaled so that its larger side is 20 pixels, then the centre of mass moved
to the centre of the 28x28 field. The same generator state gives the same images.
"""
from dataclasses import dataclass

import numpy as np

from .glyphs import glyph_atlas
from .warp import smooth_displacement, warp_bilinear

IMAGE_SIZE = 28
BOX_SIZE = 20   # MNIST's digit box
_CHUNK = 1024   # images rendered per vectorized pass: bounds the temporary arrays


@dataclass(frozen=True)
class DigitJitter:
    """Ranges of the random distortions; each is drawn uniformly per image unless noted."""

    rotation: float = 12.0            # degrees, +-
    scale: tuple = (0.8, 1.05)        # size of the digit's box relative to 20 pixels
    aspect: float = 0.15              # log of the width / height stretch, +-
    shear: float = 0.25               # horizontal slant, x += shear * y, +-
    translation: float = 1.0          # pixels on each axis, +-
    elastic: float = 0.5              # std of the smooth displacement, pixels
    elastic_wavelength: float = 20.0  # pixels
    blur: float = 0.8                 # largest blend towards a 3x3 blurred copy
    noise: float = 0.02               # largest std of Gaussian pixel noise


def _affine(rng, n, jitter, extent):
    """(n, 2, 2) maps from glyph-atlas pixels to output pixels (before the translation)."""
    theta = np.deg2rad(rng.uniform(-jitter.rotation, jitter.rotation, n))
    size = rng.uniform(*jitter.scale, n) * BOX_SIZE / extent
    stretch = np.exp(rng.uniform(-jitter.aspect, jitter.aspect, n) / 2)
    shear = rng.uniform(-jitter.shear, jitter.shear, n)
    cos, sin, zero, one = np.cos(theta), np.sin(theta), np.zeros(n), np.ones(n)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    slant = np.stack([np.stack([one, shear], -1), np.stack([zero, one], -1)], -2)
    squash = np.stack([np.stack([stretch, zero], -1), np.stack([zero, 1 / stretch], -1)], -2)
    return size[:, None, None] * rotate @ slant @ squash


def _blur3(images):
    """The [1 2 1] x [1 2 1] / 16 blur of a batch (N, H, W), zero outside."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    rows = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4
    return (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) / 4


def _render(rng, labels, jitter):
    """Ink in [0, 1], float32 (n, 28, 28), for the given labels."""
    n = len(labels)
    atlas = glyph_atlas()
    glyph = rng.integers(0, atlas.n_styles, n) * 10 + labels
    to_output = _affine(rng, n, jitter, atlas.extent[glyph])
    shift = rng.uniform(-jitter.translation, jitter.translation, (n, 2))
    # output = to_output @ (source - centre of mass) + field centre + shift, inverted:
    to_source = np.linalg.inv(to_output)
    target = (IMAGE_SIZE - 1) / 2 + shift
    offset = atlas.centre[glyph] - (to_source @ target[:, :, None])[:, :, 0]
    field = smooth_displacement(rng, n, IMAGE_SIZE, jitter.elastic, jitter.elastic_wavelength)
    ink = warp_bilinear(atlas.images, glyph, to_source, offset, IMAGE_SIZE, field)
    blend = rng.uniform(0, jitter.blur, (n, 1, 1)).astype(np.float32)
    ink = (1 - blend) * ink + blend * _blur3(ink)
    ink /= np.maximum(ink.max(axis=(1, 2), keepdims=True), np.float32(1e-6))  # MNIST strokes peak at 1
    sigma = rng.uniform(0, jitter.noise, (n, 1, 1)).astype(np.float32)
    ink += sigma * rng.standard_normal(ink.shape, dtype=np.float32)
    return np.clip(ink, 0, 1, out=ink)


def digits(n, rng, *, labels=None, value_range=(-1.0, 1.0), dtype=np.float32, jitter=DigitJitter()):
    """``n`` fresh digit images and their labels: ``(images (n, 1, 28, 28), labels (n,) int64)``.

    rng:         a ``numpy.random.Generator`` (or an int seed); it is advanced.
    labels:      the digits to draw, (n,) ints in 0..9 (for a conditional GAN's classes);
                 by default each is uniform over 0..9.
    value_range: (-1, 1), the range of a tanh generator, or (0, 1); background is the low end.
    dtype:       float32 or float64.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"digits: n must be a non-negative integer, got {n!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"digits: dtype must be float32 or float64, got {dtype}")
    low, high = value_range
    if not low < high:
        raise ValueError(f"digits: value_range must be (low, high) with low < high, got {value_range}")
    rng = np.random.default_rng(rng)
    if labels is None:
        labels = rng.integers(0, 10, n)
    labels = np.asarray(labels)
    in_range = n == 0 or 0 <= labels.min() <= labels.max() <= 9
    if labels.shape != (n,) or labels.dtype.kind not in "iu" or not in_range:
        raise ValueError(f"digits: labels must be {n} integers in 0..9, got shape {labels.shape} "
                         f"dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    images = np.empty((n, 1, IMAGE_SIZE, IMAGE_SIZE), dtype=dtype)
    for start in range(0, n, _CHUNK):
        images[start:start + _CHUNK, 0] = _render(rng, labels[start:start + _CHUNK], jitter)
    images *= high - low
    images += low
    return images, labels
