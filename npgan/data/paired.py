"""Paired images for image-to-image translation (pix2pix), made on the fly from ``digits``.

A pair is (x, y): the input x a corrupted view of a digit, the target y the clean digit
itself, both (1, 28, 28) in [-1, 1]. pix2pix observes x and reconstructs y.

* ``digits-edges``: x is the digit's edge map. With the Sobel kernels
      S_x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],   S_y = S_x^T
  on the ink I in [0, 1] (zero outside the image), the gradient magnitude is
      |grad I| = sqrt((S_x * I)^2 + (S_y * I)^2)      (* : 2-D correlation),
  and a pixel is an edge (1) where it exceeds ``EDGE_THRESHOLD``, background (-1) elsewhere.
  A full step from 0 to 1 gives |grad I| = 4, so the threshold 1 keeps a quarter-step.
* ``digits-denoise``: x is the digit with Gaussian pixel noise (std ``NOISE_STD``) and one
  ``OCCLUSION`` x ``OCCLUSION`` square, at a random place, painted with the background:
  the translation must both denoise and fill the strokes back in.

The clean digit is drawn first from ``rng`` (so the target of pair i is exactly
``digits(n, rng)[0][i]`` for the same generator state), the corruption after it.
``held_out_pairs(name, n)`` is the evaluation split: a fixed set drawn from a
``SeedSequence`` with a spawn key, a stream that no integer seed (a training run's
``--seed``) produces, so no training batch repeats a held-out pair.
"""
import numpy as np

from .digits import digits

EDGE_THRESHOLD = 1.0
NOISE_STD = 0.3
OCCLUSION = 9
HELD_OUT = np.random.SeedSequence(20170717, spawn_key=(1,))  # pix2pix's CVPR year and day, spawned once

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], dtype=np.float32)


def _correlate3(images, kernel):
    """The 3x3 correlation of (N, H, W) with ``kernel``, zero outside the images."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:]
    return sum(kernel[i, j] * p[:, i:i + h, j:j + w] for i in range(3) for j in range(3))


def sobel_magnitude(ink):
    """|grad I| of a batch of ink images (N, H, W) in [0, 1] (module docstring)."""
    return np.sqrt(_correlate3(ink, SOBEL_X) ** 2 + _correlate3(ink, SOBEL_X.T) ** 2)


def _clean(n, rng):
    """(ink (n, 28, 28) in [0, 1], targets (n, 1, 28, 28) in [-1, 1], labels) from one draw of ``digits``."""
    targets, labels = digits(n, rng)
    return (targets[:, 0] + 1) / 2, targets, labels


def digits_edges(n, rng):
    """``(inputs, targets, labels)``: the edge maps of ``n`` fresh digits, the digits and their classes."""
    rng = np.random.default_rng(rng)
    ink, targets, labels = _clean(n, rng)
    edges = sobel_magnitude(ink) > EDGE_THRESHOLD
    inputs = np.where(edges, np.float32(1), np.float32(-1))[:, None]
    return inputs, targets, labels


def digits_denoise(n, rng):
    """``(inputs, targets, labels)``: ``n`` fresh digits under noise and one occluding square, the
    clean digits and their classes."""
    rng = np.random.default_rng(rng)
    _, targets, labels = _clean(n, rng)
    size = targets.shape[-1]
    noisy = targets + NOISE_STD * rng.standard_normal(targets.shape, dtype=np.float32)
    corner = rng.integers(0, size - OCCLUSION + 1, (n, 2))
    rows = np.arange(size)[None, :, None]
    cols = np.arange(size)[None, None, :]
    top, left = corner[:, 0, None, None], corner[:, 1, None, None]
    square = (rows >= top) & (rows < top + OCCLUSION) & (cols >= left) & (cols < left + OCCLUSION)
    noisy[:, 0][square] = -1.0
    return np.clip(noisy, -1, 1, out=noisy), targets, labels


PAIRINGS = {"digits-edges": digits_edges, "digits-denoise": digits_denoise}


def held_out_pairs(name, n):
    """``n`` pairs of the evaluation split of pairing ``name``: the same ones on every call
    with the same ``n``, from a stream no training seed gives (module docstring)."""
    if name not in PAIRINGS:
        raise ValueError(f"held_out_pairs: unknown pairing {name!r}; valid: {', '.join(PAIRINGS)}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"held_out_pairs: n must be a positive integer, got {n!r}")
    return PAIRINGS[name](n, np.random.default_rng(HELD_OUT))
