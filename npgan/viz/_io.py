"""Writing files so that a reader never sees half of one.

Every viz function writes to a hidden temporary file in the destination directory and
then renames it over the destination (``os.replace`` is atomic on one file system), so
a training loop killed mid-save leaves the previous picture intact and no stray files.
Figures are drawn with ``matplotlib.figure.Figure`` on an Agg canvas and never through
``pyplot``: no window opens and the global backend is never touched.
"""
import contextlib
import os
import uuid

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


@contextlib.contextmanager
def atomic_open(path):
    """Open a temporary file beside ``path`` for binary writing; rename it to ``path`` on success.

    The parent directory is created if missing (training runs write into fresh run
    directories). On any error the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as f:  # "x": never clobber another file
            yield f
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def new_figure(width, height):
    """A Figure of ``width`` x ``height`` inches on its own Agg canvas (no pyplot)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path):
    """Write ``fig`` as a PNG to ``path`` atomically and return ``path`` as a string."""
    with atomic_open(path) as f:
        fig.savefig(f, format="png")
    return os.fspath(path)
