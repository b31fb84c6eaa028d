"""The picture that ends a 2-D run: where the generator's samples are, against the modes.

Left, every sample (2,500 in the VEEGAN / PacGAN protocol) drawn over the real data, each
mode's centre marked and circled at 3 standard deviations: a sample inside a circle is
*high quality*. Right, the samples' density on a ``bins`` x ``bins`` grid,

    density(cell) = count(cell) / (N * cell area),

so it integrates to the share of samples inside the picture (1 when none fall outside);
a scatter hides how many points pile up on one spot, the density map does not. Below
both, ``summary``: the coverage numbers and what they mean, as text.
"""
import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.patches import Circle

from ._checks import as_points
from ._io import new_figure, save_figure
from .plots import _even_legend_markers, _finite_rows, _limits, _scatter


def coverage_figure(samples, real=None, centres=None, std=None, summary=None, bins=80, limits=None, title=None):
    """The Figure described above (samples (N, 2), real (M, 2), centres (K, 2) and the
    modes' ``std`` for the circles; ``summary`` a text drawn below the panels)."""
    where = "coverage_figure"
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"{where}: bins must be a positive int, got {bins!r}")
    if std is not None and not (np.isfinite(std) and std > 0):
        raise ValueError(f"{where}: std must be a positive number, got {std!r}")
    layers = {"real": None if real is None else as_points(real, where, "real"),
              "generated": as_points(samples, where, "samples"),
              "mode centres": None if centres is None else as_points(centres, where, "centres")}
    box = _limits(where, limits, layers.values())
    fig = new_figure(10, 5.6 if summary else 5)
    scatter_ax, density_ax = fig.subplots(1, 2)
    _scatter(scatter_ax, layers, box, point_size=3)
    if layers["mode centres"] is not None and std is not None:
        for centre in layers["mode centres"]:
            scatter_ax.add_patch(Circle(centre, 3 * std, fill=False, edgecolor="tab:red", linewidth=0.8))
    _even_legend_markers(scatter_ax.legend(loc="upper right", fontsize=8))
    n = len(layers["generated"])
    scatter_ax.set_title(f"{n:,} samples over the data (circles: 3 std)", fontsize=10)
    density, cell_area = sample_density(layers["generated"], box, bins)
    image = density_ax.imshow(density.T, origin="lower", extent=box, cmap="magma", interpolation="nearest",
                              norm=PowerNorm(0.5))  # a square-root scale: thin mass between modes shows
    fig.colorbar(image, ax=density_ax, shrink=0.8, label="density of the samples (square-root scale)")
    if layers["mode centres"] is not None:
        c = layers["mode centres"]
        density_ax.scatter(c[:, 0], c[:, 1], marker="x", s=30, c="cyan", linewidths=1, label="mode centres")
        density_ax.legend(loc="upper right", fontsize=8)
    density_ax.set(xlim=box[:2], ylim=box[2:], aspect="equal")
    density_ax.set_title("where the mass is", fontsize=10)
    if title:
        fig.suptitle(title)
    if summary:
        fig.get_layout_engine().set(rect=(0, 0.14, 1, 0.86))
        fig.text(0.01, 0.01, summary, family="monospace", fontsize=8, va="bottom", ha="left")
    return fig


def save_coverage_2d(samples, path, real=None, centres=None, std=None, summary=None, bins=80, limits=None,
                     title=None):
    """Write ``coverage_figure(...)`` as a PNG to ``path`` atomically; returns the path."""
    return save_figure(coverage_figure(samples, real, centres, std, summary, bins, limits, title), path)


def sample_density(points, box, bins):
    """(density (bins, bins) indexed [x, y], cell area): count / (N * area) per cell over
    ``box`` = (xmin, xmax, ymin, ymax); N counts every finite point, inside the box or not."""
    finite = _finite_rows(points)
    xmin, xmax, ymin, ymax = box
    counts, _, _ = np.histogram2d(finite[:, 0], finite[:, 1], bins=bins, range=[[xmin, xmax], [ymin, ymax]])
    cell_area = (xmax - xmin) * (ymax - ymin) / bins ** 2
    return counts / (max(len(finite), 1) * cell_area), cell_area
