"""Reading a picture npgan wrote back at the places its data should be drawn.

``saved_figures(monkeypatch)`` keeps every Figure the viz functions save, by file name; the
geometry of a saved Figure (its Axes' data -> pixel transform, laid out when it was saved)
then says which pixel of the decoded PNG shows a given data point, and the test compares
that pixel's colour with the colour the point must have. A blank picture, or points drawn
in the wrong place, fails these checks.
"""
import os

import numpy as np
from PIL import Image

from npgan.viz import _io, animation, coverage, grids, plots

TAB_BLUE = np.array([31, 119, 180])  # the generated samples' colour
TAB_RED = np.array([214, 39, 40])    # the mode centres' on a scatter
CYAN = np.array([0, 255, 255])       # the mode centres' on a density map


def saved_figures(monkeypatch):
    """{file name: Figure} of every picture the viz modules save from now on."""
    figures = {}

    def keep(fig, path):
        figures[os.path.basename(os.fspath(path))] = fig
        return _io.save_figure(fig, path)

    for module in (animation, coverage, grids, plots):
        monkeypatch.setattr(module, "save_figure", keep)
    return figures


def decode(path, fig):
    """The PNG at ``path`` as an (H, W, 3) int array, checked to have ``fig``'s size."""
    with Image.open(path) as im:
        assert im.format == "PNG"
        image = np.asarray(im.convert("RGB")).astype(int)
    assert image.shape[1::-1] == fig.canvas.get_width_height(), "the PNG is not the saved Figure's size"
    return image


def pixel_indices(shape, ax, points, radius=0):
    """(rows, cols), each (N, (2 radius + 1)^2): the pixels of an image of ``shape`` around
    where ``ax`` draws the data ``points`` (N, 2)."""
    x, y = ax.transData.transform(np.asarray(points, dtype=np.float64)).T
    rows, cols = np.round(shape[0] - y).astype(int), np.round(x).astype(int)  # display y runs upward
    offsets = np.arange(-radius, radius + 1)
    rows, cols = np.broadcast_arrays(np.clip(rows[:, None, None] + offsets[None, :, None], 0, shape[0] - 1),
                                     np.clip(cols[:, None, None] + offsets[None, None, :], 0, shape[1] - 1))
    return rows.reshape(len(points), -1), cols.reshape(len(points), -1)


def pixels_at(image, ax, points, radius=0):
    """The pixels (N, (2 radius + 1)^2, 3) around where ``ax`` draws the data ``points``."""
    return image[pixel_indices(image.shape, ax, points, radius)]


def random_points_in(ax, n, seed=1):
    """``n`` uniform data points over ``ax``'s visible limits (the control for a colour test)."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=1)


def bluish(pixels):
    """Whether each pixel is tab:blue or a blend of it (blue well above red), per pixel."""
    return pixels[..., 2] - pixels[..., 0] > 40


def near(pixels, colour, tolerance=45):
    """Whether any pixel of each neighbourhood (N, P, 3) is within ``tolerance`` of ``colour``."""
    return (np.abs(pixels - colour).max(-1) <= tolerance).any(-1)
