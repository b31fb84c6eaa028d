"""An animation of a 2-D GAN training, in the manner of GAN Lab (Kahng et al., 2019).

Each frame is one moment of training (a ``TrainingFrame``):

* the background is D's output (or the critic's value) on a grid over the plane: where D
  says "real" (red) and where it says "fake" (blue), scaled per frame;
* the arrows are the generator's gradient field: at a point x, the direction
  -dL_G/dx in which G's update would move a generated sample sitting at x (the longest
  arrow of a frame 1.5 grid cells long, the others by the square root of their relative
  size, so weak ones stay visible);
* the dots are generated samples (blue) over the real data (grey), with the mode centres.

The GIF is made by matplotlib's ``PillowWriter`` (no ffmpeg) and written atomically
(``npgan.atomic``), like every file npgan writes.
"""
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np
from matplotlib.animation import PillowWriter
from PIL import Image

from ..atomic import atomic_write
from ._checks import as_points
from ._io import new_figure, save_figure
from .plots import _limits

ARROW_CELLS = 1.5  # the longest arrow of a frame, in grid cells
GIF_COLOURS = 32  # 252 x 273 pixels: 10-16 KB a frame on ring8


@dataclass
class TrainingFrame:
    """One frame: ``samples`` (N, 2) at ``step``; optionally D's ``values`` (H, W) on the
    grid ``limits`` (xmin, xmax, ymin, ymax) (row i at y_i, column j at x_j, cell centres)
    and the generator's gradient field ``arrows`` (M, 2) at ``arrow_points`` (M, 2)."""
    step: int
    samples: np.ndarray
    values: Optional[np.ndarray] = None
    arrow_points: Optional[np.ndarray] = None
    arrows: Optional[np.ndarray] = None


def grid_points(limits, size):
    """The ``size`` x ``size`` cell centres over ``limits``, as (size * size, 2) points in
    row-major order (x varies fastest), so ``values.reshape(size, size)`` is indexed [y, x]."""
    xmin, xmax, ymin, ymax = limits
    xs = xmin + (np.arange(size) + 0.5) * (xmax - xmin) / size
    ys = ymin + (np.arange(size) + 0.5) * (ymax - ymin) / size
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def draw_frame(ax, frame, limits, real=None, centres=None, value_label=None):
    """Draw ``frame`` on the Axes ``ax`` (cleared first): background, arrows, samples."""
    ax.clear()
    xmin, xmax, ymin, ymax = limits
    if frame.values is not None:
        values = np.asarray(frame.values, dtype=np.float64)
        spread = np.nanmax(np.abs(values - np.nanmean(values))) or 1.0
        ax.imshow(values, origin="lower", extent=limits, cmap="coolwarm", interpolation="bilinear",
                  vmin=np.nanmean(values) - spread, vmax=np.nanmean(values) + spread, alpha=0.8)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=4, c="0.2", alpha=0.5, linewidths=0)
    if frame.arrows is not None:
        points = np.asarray(frame.arrow_points, dtype=np.float64)
        shown = arrow_lengths(frame.arrows, (xmax - xmin) / max(np.sqrt(len(points)), 1))
        ax.quiver(points[:, 0], points[:, 1], shown[:, 0], shown[:, 1], angles="xy", scale_units="xy", scale=1,
                  color="black", alpha=0.7, width=0.005)
    samples = as_points(frame.samples, "draw_frame")
    ax.scatter(samples[:, 0], samples[:, 1], s=5, c="tab:blue", alpha=0.8, linewidths=0)
    if centres is not None:
        ax.scatter(centres[:, 0], centres[:, 1], marker="+", s=40, c="black", linewidths=0.6)
    ax.set(xlim=(xmin, xmax), ylim=(ymin, ymax), aspect="equal", xticks=[], yticks=[])
    what = "" if frame.values is None else f"background: {value_label or 'D'} (red high); "
    field = "" if frame.arrows is None else "arrows: G's gradient -dL_G/dx"
    ax.set_title(f"step {frame.step}", fontsize=10)
    ax.set_xlabel(what + field, fontsize=7)


def arrow_lengths(arrows, cell):
    """The arrows as drawn: each in its own direction, ``ARROW_CELLS`` grid cells times
    sqrt(|g| / max |g|) long, so the weak arrows of a frame stay visible beside the strong."""
    arrows = np.asarray(arrows, dtype=np.float64)
    norms = np.hypot(arrows[:, 0], arrows[:, 1])
    longest = np.nanmax(norms) if len(norms) else 0.0
    if not longest > 0:
        return np.zeros_like(arrows)
    length = ARROW_CELLS * cell * np.sqrt(norms / longest)
    return arrows * np.divide(length, norms, out=np.zeros_like(norms), where=norms > 0)[:, None]


class _AtomicPillowWriter(PillowWriter):
    """matplotlib's Pillow GIF writer, finishing into ``atomic_write`` instead of opening the file."""

    def finish(self):
        # an adaptive palette without dithering: the smooth background then compresses well
        frames = [im.quantize(colors=GIF_COLOURS, dither=Image.Dither.NONE) for im in self._frames]
        with atomic_write(self.outfile) as f:
            frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:],
                           duration=int(1000 / self.fps), loop=0)


def save_training_animation(frames, path, limits=None, real=None, centres=None, value_label=None, fps=4,
                            last_frame_png=None, size=3.5, dpi=72):
    """Write ``frames`` (a list of ``TrainingFrame``) as a GIF at ``path`` (one frame each,
    ``fps`` per second, looping) and, with ``last_frame_png``, the last frame as a PNG there.
    ``limits`` default to a square around every frame's samples and the real points."""
    where = "save_training_animation"
    frames = list(frames)
    if not frames:
        raise ValueError(f"{where}: no frames to animate")
    real = None if real is None else as_points(real, where, "real")
    centres = None if centres is None else as_points(centres, where, "centres")
    box = _limits(where, limits, [as_points(f.samples, where) for f in frames] + [real, centres])
    fig = new_figure(size, size + 0.3)
    fig.set_layout_engine(None)
    fig.subplots_adjust(0.02, 0.06, 0.98, 0.94)
    ax = fig.add_subplot()
    writer = _AtomicPillowWriter(fps=fps)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    writer.setup(fig, os.fspath(path), dpi)  # not writer.saving(): it would finish a half-drawn GIF on an error
    for frame in frames:
        draw_frame(ax, frame, box, real, centres, value_label)
        writer.grab_frame()
    writer.finish()
    if last_frame_png is not None:
        save_figure(fig, last_frame_png)
    return os.fspath(path)
