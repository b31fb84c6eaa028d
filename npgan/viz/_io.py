"""Figures for files: a Figure on its own Agg canvas, saved as PNG atomically.

Every viz function writes through ``npgan.atomic.atomic_write`` (a unique temporary file,
then a rename), so a training loop killed mid-save leaves the previous picture intact.
Figures are drawn with ``matplotlib.figure.Figure`` on an Agg canvas and never through
``pyplot``: no window opens and the global backend is never touched.
"""
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..atomic import atomic_write


def new_figure(width, height):
    """A Figure of ``width`` x ``height`` inches on its own Agg canvas (no pyplot)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path):
    """Write ``fig`` as a PNG to ``path`` atomically and return ``path`` as a string."""
    with atomic_write(path) as f:
        fig.savefig(f, format="png")
    return os.fspath(path)
