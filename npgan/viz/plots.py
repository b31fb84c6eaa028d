"""Plots for the GAN demos and the training loop: 2-D samples, densities, training
snapshots, game-dynamics trajectories, loss curves and 1-D function curves.

Every function draws on its own Figure (no pyplot, no window), writes a PNG atomically
and returns its path. Point sets are (N, 2) arrays or npgan Tensors. 2-D pictures keep
an equal aspect ratio, so a ring of modes looks like a ring; non-finite values (a
diverged run) are left out of the picture instead of breaking the axis limits.
"""
import math
from collections.abc import Mapping

import numpy as np

from ._checks import as_numpy, as_points
from ._io import new_figure, save_figure
from .history import load_loss_history


def save_scatter_2d(samples, path, real=None, centres=None, title=None, limits=None):
    """Generated 2-D ``samples`` drawn over ``real`` points and mode ``centres``.

    The picture of mode collapse on ring8 / grid25: are all centres covered?
    ``limits`` is (xmin, xmax, ymin, ymax); by default a square around all the points.
    """
    where = "save_scatter_2d"
    layers = _point_layers(where, samples, real, centres)
    fig = new_figure(5, 5)
    ax = fig.add_subplot()
    _scatter(ax, layers, _limits(where, limits, layers.values()), point_size=4)
    _even_legend_markers(ax.legend(loc="upper right", fontsize=8))
    ax.set_title(title)
    return save_figure(fig, path)


def save_density_2d(samples, path, bins=100, limits=None, centres=None, title=None):
    """A 2-D histogram heat map of ``samples`` on a ``bins`` x ``bins`` grid.

    Shows what a scatter plot hides when points pile up: how much mass each mode gets.
    """
    where = "save_density_2d"
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"{where}: bins must be a positive int, got {bins!r}")
    layers = _point_layers(where, samples, None, centres)
    xmin, xmax, ymin, ymax = box = _limits(where, limits, layers.values())
    points = _finite_rows(layers["generated"])
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[[xmin, xmax], [ymin, ymax]])
    fig = new_figure(5.6, 5)
    ax = fig.add_subplot()
    image = ax.imshow(counts.T, origin="lower", extent=box, cmap="magma", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label="samples per bin")
    if layers["mode centres"] is not None:
        centres = layers["mode centres"]
        ax.scatter(centres[:, 0], centres[:, 1], marker="x", s=40, c="cyan", label="mode centres")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=(xmin, xmax), ylim=(ymin, ymax), aspect="equal", title=title)
    return save_figure(fig, path)


def save_snapshots(snapshots, path, real=None, centres=None, ncols=4, limits=None):
    """A grid of small scatter panels, one per ``(title, samples)`` pair, on shared axes.

    For watching training: the generator's samples at several steps over the same
    ``real`` points, with the same limits in every panel so the panels compare.
    """
    where = "save_snapshots"
    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError(f"{where}: no snapshots to draw")
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"{where}: ncols must be a positive int, got {ncols!r}")
    panels = [(str(title), _point_layers(where, samples, real, centres)) for title, samples in snapshots]
    box = _limits(where, limits, [points for _, layers in panels for points in layers.values()])
    ncols = min(ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig = new_figure(2.6 * ncols, 2.6 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (title, layers) in zip(axes, panels):
        _scatter(ax, layers, box, point_size=2)
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    _even_legend_markers(fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3,
                                    fontsize=8))
    return save_figure(fig, path)


def save_trajectories(trajectories, path, saddle=None, title=None, xlabel="x", ylabel="y"):
    """Iterates of 2-D game dynamics: ``{label: (T, 2) array of (x, y)}``.

    Each run is a line through its iterates, a hollow circle at its start and an arrow
    at its end (which way it is going: spiralling in to the ``saddle`` point, cycling,
    or out).
    """
    where = "save_trajectories"
    if not trajectories:
        raise ValueError(f"{where}: no trajectories to draw")
    fig = new_figure(5.5, 5.5)
    ax = fig.add_subplot()
    for i, (label, trajectory) in enumerate(trajectories.items()):
        points = _nan_if_not_finite(as_points(trajectory, where, f"trajectory {label!r}"))
        line, = ax.plot(points[:, 0], points[:, 1], marker="o", markersize=2.5, linewidth=1, label=str(label))
        ax.plot(*points[0], marker="o", markersize=9, markerfacecolor="none", color="black",
                linestyle="none", label="start" if i == 0 else None)
        _end_arrow(ax, points, line.get_color())
    if saddle is not None:
        point = as_numpy(saddle).astype(np.float64)
        if point.shape != (2,):
            raise ValueError(f"{where}: saddle must be one (x, y) point, shape (2,), got {point.shape}")
        ax.plot(*point, marker="*", markersize=14, color="black", linestyle="none", label="saddle point")
    ax.set(aspect="equal", xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def save_loss_curves(history, path, title=None, caption=None, rates=("steps_per_s",)):
    """Each loss series against the training step, on linear axes, with a legend.

    ``history`` is a dict name -> list of (step, value) pairs, or the path of the
    training loop's CSV file (see ``load_loss_history``). The series named in ``rates``
    (throughput, in steps per second) get their own axes below the losses, so their scale
    never squashes the losses'; ``caption`` (e.g. what a healthy curve of this game looks
    like) is written under the plot.
    """
    return save_figure(loss_curves_figure(history, title, caption, rates), path)


def loss_curves_figure(history, title=None, caption=None, rates=("steps_per_s",)):
    """The Figure of ``save_loss_curves``: Axes 0 the losses, Axes 1 (when a series of
    ``rates`` was logged) the throughput, sharing the step axis."""
    where = "save_loss_curves"
    if not isinstance(history, Mapping):
        history = load_loss_history(history)
    series = {name: _pairs(where, name, pairs) for name, pairs in history.items() if len(pairs)}
    # a series not logged yet (e.g. the generator's before its first step) is left out
    throughput = {name: pairs for name, pairs in series.items() if name in rates}
    fig = new_figure(7, 5.2 if throughput else 4)
    if throughput:
        loss_ax, rate_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    else:
        loss_ax, rate_ax = fig.add_subplot(), None
    for name, pairs in series.items():
        ax = rate_ax if name in throughput else loss_ax
        ax.plot(pairs[:, 0], pairs[:, 1], marker="." if len(pairs) <= 50 else None, linewidth=1.2, label=name)
    loss_ax.set(ylabel="loss", title=title)
    for ax in (loss_ax, rate_ax):
        if ax is not None:
            ax.grid(alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=9)
    if rate_ax is not None:
        rate_ax.set(xlabel="step", ylabel="steps / s")
    else:
        loss_ax.set(xlabel="step")
    if caption:
        fig.supxlabel(caption, fontsize=8, wrap=True)
    return fig


def _pairs(where, name, pairs):
    """One series as a float (K, 2) array of (step, value), inf as NaN (a gap)."""
    pairs = np.asarray(pairs, dtype=np.float64)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"{where}: series {name!r} must be a list of (step, value) pairs, got shape {pairs.shape}")
    return _nan_if_not_finite(pairs)


def save_curves(x, curves, path, xlabel=None, ylabel=None, title=None, ylim=None):
    """1-D functions of ``x``: ``curves`` is a dict label -> y values (same length as x).

    For the tutorials' pictures of the generator's cost against D(G(z)); ``ylim``
    (bottom, top) crops a curve that dives to -infinity at the edge.
    """
    where = "save_curves"
    x = as_numpy(x).astype(np.float64)
    if x.ndim != 1:
        raise ValueError(f"{where}: x must be 1-D, got shape {x.shape}")
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    for label, y in curves.items():
        y = as_numpy(y).astype(np.float64)
        if y.shape != x.shape:
            raise ValueError(f"{where}: curve {label!r} has shape {y.shape}, but x has shape {x.shape}")
        ax.plot(x, _nan_if_not_finite(y), linewidth=1.5, label=str(label))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, ylim=ylim)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(fontsize=9)
    return save_figure(fig, path)


def _point_layers(where, samples, real, centres):
    """The point sets of a 2-D picture by legend label, in drawing order (None: absent)."""
    return {
        "real": None if real is None else as_points(real, where, "real"),
        "generated": as_points(samples, where, "samples"),
        "mode centres": None if centres is None else as_points(centres, where, "centres"),
    }


def _scatter(ax, layers, box, point_size):
    """Draw real points (grey), generated points (blue), centres (red x) within ``box``."""
    style = {
        "real": {"c": "0.6", "alpha": 0.5, "s": point_size},
        "generated": {"c": "tab:blue", "alpha": 0.6, "s": point_size},
        "mode centres": {"c": "tab:red", "marker": "x", "s": 12 * point_size + 12},
    }
    for label, points in layers.items():
        if points is not None:
            ax.scatter(points[:, 0], points[:, 1], linewidths=1 if label == "mode centres" else 0,
                       label=label, **style[label])
    ax.set(xlim=box[:2], ylim=box[2:], aspect="equal")
    ax.locator_params(nbins=5)  # few ticks: long labels must not collide on a small square panel


def _even_legend_markers(legend):
    """One readable marker size in a scatter legend (the plotted points may be tiny)."""
    for handle in legend.legend_handles:
        handle.set_sizes([30])


def _limits(where, limits, point_sets):
    """``limits`` checked, or a square around every finite point of ``point_sets``
    (arrays, or None for an absent set) with a 10% margin."""
    if limits is not None:
        xmin, xmax, ymin, ymax = limits = tuple(float(v) for v in limits)
        if not (xmin < xmax and ymin < ymax):
            raise ValueError(f"{where}: limits must be (xmin, xmax, ymin, ymax) with min < max, got {limits}")
        return limits
    points = np.concatenate([_finite_rows(p) for p in point_sets if p is not None])
    if len(points) == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    low, high = points.min(axis=0), points.max(axis=0)
    span = (high - low).max()
    centre, half = (low + high) / 2, span / 2 * 1.1 if span > 0 else 1.0  # one point: a unit box around it
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def _finite_rows(points):
    return points[np.isfinite(points).all(axis=1)]


def _nan_if_not_finite(values):
    """A copy with inf replaced by NaN: matplotlib leaves a gap for NaN, but inf breaks autoscaling."""
    return np.where(np.isfinite(values), values, np.nan)


def _end_arrow(ax, points, colour):
    """An arrowhead on the last step of a trajectory that moved (none if it never moved)."""
    finite = _finite_rows(points)
    if len(finite) == 0:
        return
    end = finite[-1]
    before = next((p for p in finite[-2::-1] if not np.array_equal(p, end)), None)
    if before is not None:
        ax.annotate("", xy=end, xytext=before,
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5, "mutation_scale": 18})
