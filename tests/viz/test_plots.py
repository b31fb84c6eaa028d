"""Every plot writes a PNG that loads back; bad inputs raise errors naming the function."""
import matplotlib.image
import numpy as np
import pytest

import npgan as ng
from npgan import viz

RNG = np.random.default_rng(0)
RING = 2 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1)
REAL = RING[RNG.integers(0, 8, 400)] + 0.05 * RNG.standard_normal((400, 2))
FAKE = RING[RNG.integers(0, 3, 200)] + 0.2 * RNG.standard_normal((200, 2))


def load(path):
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image


def test_scatter_2d_square_figure(tmp_path):
    path = viz.save_scatter_2d(ng.tensor(FAKE), tmp_path / "scatter.png", real=REAL, centres=RING, title="ring8")
    assert load(path).shape[:2] == (500, 500)


def test_density_2d_ignores_diverged_points(tmp_path):
    samples = np.vstack([FAKE, [[np.nan, 0.0], [np.inf, 1.0]]])
    load(viz.save_density_2d(samples, tmp_path / "density.png", bins=40, centres=RING, limits=(-3, 3, -3, 3)))


def test_snapshots_grid_of_panels(tmp_path):
    snapshots = [(f"step {s}", FAKE * s / 3) for s in range(5)]
    image = load(viz.save_snapshots(snapshots, tmp_path / "snapshots.png", real=REAL, ncols=3))
    assert image.shape[1] > image.shape[0]  # 3 columns by 2 rows


def test_trajectories_with_saddle(tmp_path):
    t = np.linspace(0, 6, 60)[:, None]
    spiral_out = np.exp(0.3 * t) * np.hstack([np.cos(t), np.sin(t)])
    stuck = np.ones((5, 2))  # never moves: no end arrow, no error
    load(viz.save_trajectories({"simultaneous": spiral_out, "stuck": stuck}, tmp_path / "gda.png", saddle=(0, 0)))


def test_loss_curves_from_dict_and_from_csv(tmp_path):
    history = {"d_loss": [(0, 1.4), (1, 1.2), (2, float("inf"))], "g_loss": [(1, 0.7)], "not_yet": []}
    load(viz.save_loss_curves(history, tmp_path / "from_dict.png", title="losses"))
    csv = tmp_path / "losses.csv"
    csv.write_text("step,d_loss,g_loss\n0,1.4,\n1,1.2,0.7\n2,1.0,\n")
    load(viz.save_loss_curves(csv, tmp_path / "from_csv.png"))


def test_curves(tmp_path):
    d = np.linspace(0.01, 0.99, 50)
    curves = {"minimax": np.log(1 - d), "non-saturating": -np.log(d)}
    load(viz.save_curves(d, curves, tmp_path / "curves.png", xlabel="D(G(z))", ylabel="J(G)", ylim=(-5, 5)))


@pytest.mark.parametrize("call, message", [
    (lambda p: viz.save_scatter_2d(np.zeros((5, 3)), p),
     r"save_scatter_2d: samples must have shape \(N, 2\), got \(5, 3\)"),
    (lambda p: viz.save_scatter_2d(FAKE, p, real=np.zeros(4)), r"save_scatter_2d: real .* got \(4,\)"),
    (lambda p: viz.save_scatter_2d(FAKE, p, limits=(1, 0, 0, 1)), r"save_scatter_2d: limits"),
    (lambda p: viz.save_density_2d(FAKE, p, bins=0), r"save_density_2d: bins"),
    (lambda p: viz.save_snapshots([("a", np.zeros((3, 1)))], p), r"save_snapshots: samples .* got \(3, 1\)"),
    (lambda p: viz.save_trajectories({"a": np.zeros((3, 2, 1))}, p),
     r"save_trajectories: trajectory 'a' .* \(3, 2, 1\)"),
    (lambda p: viz.save_trajectories({"a": np.zeros((3, 2))}, p, saddle=(0, 0, 0)),
     r"save_trajectories: saddle .* \(3,\)"),
    (lambda p: viz.save_loss_curves({"d": [1, 2]}, p), r"save_loss_curves: series 'd' .* pairs, got shape \(2,\)"),
    (lambda p: viz.save_curves(np.zeros(3), {"y": np.zeros(4)}, p), r"save_curves: curve 'y' has shape \(4,\)"),
])
def test_bad_inputs_raise_before_writing(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path / "never.png")
    assert list(tmp_path.iterdir()) == []
