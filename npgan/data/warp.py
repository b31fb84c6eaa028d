"""Vectorized image warping for ``digits``: a bilinear sampler and a smooth random displacement.

Every output pixel (u, v) of sample n reads its source image at

    (x, y) = matrix[n] @ ((u, v) + displacement[n, :, v, u]) + offset[n]

with bilinear interpolation. One gather per corner for the whole batch, no Python loop
over images, is what makes ten thousand jittered digits take well under a second.
"""
import numpy as np


def warp_bilinear(images, index, matrix, offset, out_size, displacement=None):
    """Sample ``images[index[n]]`` through the map above into an (N, out_size, out_size) batch.

    images:  (G, H, W) float32 source images (the glyph atlas); sources whose border rows
             and columns are empty give zero outside, because coordinates clamp to the border.
    index:   (N,) which source image each output reads.
    matrix:  (N, 2, 2) and offset (N, 2): the affine map from output to source pixels.
    displacement: optional (N, 2, out_size, out_size) shift (du, dv) of each output pixel.
    """
    _, height, width = images.shape
    v, u = np.mgrid[0:out_size, 0:out_size].astype(np.float32)
    u = np.broadcast_to(u, (len(index), out_size, out_size))
    v = np.broadcast_to(v, (len(index), out_size, out_size))
    if displacement is not None:
        u, v = u + displacement[:, 0], v + displacement[:, 1]
    m = matrix.astype(np.float32)[:, :, :, None, None]
    o = offset.astype(np.float32)[:, :, None, None]
    x = np.clip(m[:, 0, 0] * u + m[:, 0, 1] * v + o[:, 0], 0, width - 1)
    y = np.clip(m[:, 1, 0] * u + m[:, 1, 1] * v + o[:, 1], 0, height - 1)
    x0 = np.minimum(x.astype(np.int64), width - 2)   # x >= 0, so truncation is floor
    y0 = np.minimum(y.astype(np.int64), height - 2)
    fx, fy = x - x0, y - y0
    flat = images.reshape(-1)
    corner = np.asarray(index, dtype=np.int64)[:, None, None] * (height * width) + y0 * width + x0
    top = flat[corner] * (1 - fx) + flat[corner + 1] * fx
    bottom = flat[corner + width] * (1 - fx) + flat[corner + width + 1] * fx
    return top * (1 - fy) + bottom * fy


def smooth_displacement(rng, n, out_size, amplitude, wavelength, waves=3):
    """A random smooth (N, 2, out_size, out_size) field: per axis, a sum of ``waves`` plane
    waves of the given ``wavelength`` (pixels) with random directions and phases, and a
    total standard deviation of about ``amplitude`` pixels. It bends strokes the way a
    hand does, which an affine map alone cannot."""
    v, u = np.mgrid[0:out_size, 0:out_size].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi, (n, 2, waves, 1, 1)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, (n, 2, waves, 1, 1)).astype(np.float32)
    weight = rng.standard_normal((n, 2, waves, 1, 1)).astype(np.float32) * np.float32(
        amplitude * np.sqrt(2 / waves))
    along = (np.cos(angle) * u + np.sin(angle) * v) * np.float32(2 * np.pi / wavelength)
    return (weight * np.sin(along + phase)).sum(axis=2)
