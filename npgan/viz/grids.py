"""Sample grids: a batch of images tiled into one picture, laid out as torchvision's
``make_grid`` lays it out.

``nrow`` images per row, ``padding`` black pixels between the tiles and around the
border, so N images of H x W become a picture of

    rows * (H + padding) + padding   by   nrow * (W + padding) + padding

pixels, with ``rows = ceil(N / nrow)``; the unused end of a last, short row stays black.
Pixel values map linearly from ``value_range`` (the generator's tanh range (-1, 1) by
default) to 0..255, clipped, rounded half up.
"""
import math
import os

import matplotlib.image
import numpy as np

from ._checks import as_numpy
from ..atomic import atomic_write
from ._io import new_figure, save_figure


def make_grid(images, nrow=None, padding=2, value_range=(-1, 1)):
    """Tile ``images`` (N, C, H, W) with C in {1, 3}, or (N, H, W), into one uint8 picture.

    Returns an (H', W') array for one channel, (H', W', 3) for three. ``nrow`` is the
    number of images per row (default: ceil(sqrt(N)), a square-ish grid);
    ``value_range=None`` stretches the batch's own min..max to 0..255.
    """
    return _grid(images, nrow, padding, value_range, "make_grid")[0]


def save_image_grid(images, path, nrow=None, value_range=(-1, 1), labels=None, padding=2):
    """Write ``make_grid(images, ...)`` to the PNG ``path`` and return the path.

    Without ``labels`` the PNG holds the grid pixel for pixel. With ``labels`` (one
    string per row, e.g. the class of a conditional GAN's row of samples) the grid is
    drawn enlarged in a figure with the labels to the left of the rows.
    """
    where = "save_image_grid"
    grid, rows, image_height = _grid(images, nrow, padding, value_range, where)
    if labels is None:
        if grid.ndim == 2:  # gray as equal RGB: exact, where a colormap's LUT may round 1 level off
            grid = np.repeat(grid[..., None], 3, axis=2)
        with atomic_write(path) as f:
            matplotlib.image.imsave(f, grid, format="png")
        return os.fspath(path)
    labels = [str(label) for label in labels]
    if len(labels) != rows:
        raise ValueError(f"{where}: got {len(labels)} labels for a grid of {rows} rows")
    return save_figure(_labelled_figure(grid, labels, image_height, padding), path)


def _grid(images, nrow, padding, value_range, where):
    """The grid array, its number of rows and the image height (for placing row labels)."""
    arr = _as_images(images, where)
    n, channels, height, width = arr.shape
    nrow = math.ceil(math.sqrt(n)) if nrow is None else nrow
    if not isinstance(nrow, (int, np.integer)) or nrow < 1:
        raise ValueError(f"{where}: nrow must be a positive int, got {nrow!r}")
    if not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"{where}: padding must be a non-negative int, got {padding!r}")
    pixels = _to_uint8(arr, value_range, where)
    ncol, rows = min(nrow, n), math.ceil(n / nrow)
    step_y, step_x = height + padding, width + padding
    grid = np.zeros((channels, rows * step_y + padding, ncol * step_x + padding), dtype=np.uint8)
    for k in range(n):
        top, left = padding + (k // ncol) * step_y, padding + (k % ncol) * step_x
        grid[:, top:top + height, left:left + width] = pixels[k]
    grid = grid[0] if channels == 1 else grid.transpose(1, 2, 0)
    return grid, rows, height


def _as_images(images, where):
    """``images`` as a float64 (N, C, H, W) array of finite values, C in {1, 3}."""
    arr = as_numpy(images)
    shape = arr.shape
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise ValueError(f"{where}: images must have shape (N, C, H, W) with C in {{1, 3}}, "
                         f"or (N, H, W); got {shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: no images to tile (shape {shape})")
    arr = arr.astype(np.float64)
    bad = np.count_nonzero(~np.isfinite(arr))
    if bad:
        raise ValueError(f"{where}: images of shape {shape} hold {bad} non-finite values (NaN or inf)")
    return arr


def _to_uint8(arr, value_range, where):
    """Map ``value_range`` (or the data's min..max when None) linearly onto 0..255."""
    if value_range is None:
        low, high = arr.min(), arr.max()
        high = high if high > low else low + 1.0  # a constant batch maps to black
    else:
        low, high = value_range
        if not low < high:
            raise ValueError(f"{where}: value_range must be (low, high) with low < high, got {value_range!r}")
    unit = np.clip((arr - low) / (high - low), 0.0, 1.0)
    return np.floor(unit * 255.0 + 0.5).astype(np.uint8)


def _labelled_figure(grid, labels, image_height, padding):
    """The grid, enlarged to at least ~400 px tall, with ``labels`` beside its rows."""
    scale = max(1, math.ceil(400 / grid.shape[0]))
    label_inches = 0.08 * max(len(label) for label in labels) + 0.2
    fig = new_figure(grid.shape[1] * scale / 100 + label_inches, grid.shape[0] * scale / 100 + 0.1)
    ax = fig.add_subplot()
    gray = {"cmap": "gray", "vmin": 0, "vmax": 255} if grid.ndim == 2 else {}
    ax.imshow(grid, interpolation="nearest", **gray)
    centres = [padding + r * (image_height + padding) + (image_height - 1) / 2 for r in range(len(labels))]
    ax.set_yticks(centres, labels)
    ax.set_xticks([])
    ax.tick_params(left=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return fig
