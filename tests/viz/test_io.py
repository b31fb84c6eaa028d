"""Pictures are written atomically (no temporary files left) and without pyplot."""
import subprocess
import sys

import numpy as np
import pytest

from npgan import viz


def test_writes_leave_only_the_destination(tmp_path):
    viz.save_image_grid(np.zeros((4, 1, 3, 3)), tmp_path / "grid.png")
    viz.save_scatter_2d(np.zeros((3, 2)), tmp_path / "scatter.png")
    viz.save_scatter_2d(np.ones((3, 2)), tmp_path / "scatter.png")  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png", "scatter.png"]


def test_creates_missing_directories(tmp_path):
    path = viz.save_image_grid(np.zeros((1, 2, 2)), tmp_path / "run" / "samples" / "step_0.png")
    assert path == str(tmp_path / "run" / "samples" / "step_0.png")


def test_plotting_never_imports_pyplot(tmp_path):
    script = (
        "import sys, numpy as np\n"
        "from npgan import viz\n"
        f"viz.save_scatter_2d(np.zeros((3, 2)), {str(tmp_path / 's.png')!r})\n"
        f"viz.save_image_grid(np.zeros((2, 1, 2, 2)), {str(tmp_path / 'g.png')!r}, labels=['row'])\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
