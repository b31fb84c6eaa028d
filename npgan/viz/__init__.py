"""npgan.viz: PNG pictures for the training loop and the demos, a GIF of 2-D training,
and the autograd graph as Graphviz DOT text. Nothing here opens a window or touches
matplotlib's global backend; every file is written atomically (temporary file, then rename)."""
from .animation import TrainingFrame, draw_frame, grid_points, save_training_animation
from .coverage import coverage_figure, sample_density, save_coverage_2d
from .graph import save_dot, to_dot
from .grids import make_grid, save_image_grid
from .history import load_loss_history
from .plots import (loss_curves_figure, save_curves, save_density_2d, save_loss_curves, save_scatter_2d,
                    save_snapshots, save_trajectories)

__all__ = [
    "make_grid", "save_image_grid",
    "save_scatter_2d", "save_density_2d", "save_snapshots", "save_trajectories", "save_loss_curves",
    "loss_curves_figure", "save_curves",
    "coverage_figure", "save_coverage_2d", "sample_density",
    "TrainingFrame", "grid_points", "draw_frame", "save_training_animation",
    "load_loss_history",
    "to_dot", "save_dot",
]
