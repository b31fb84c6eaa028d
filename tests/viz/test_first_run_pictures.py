"""The pictures of a first 2-D run, checked on the data they draw: the final coverage
picture (every sample drawn, a density that integrates to the share inside the picture),
the training animation (frame count, size bound, what each frame draws) and the loss
curves (throughput on its own axes, the caption)."""
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.quiver import Quiver
from PIL import Image

from npgan import viz
from npgan.viz.animation import ARROW_CELLS, arrow_lengths

RNG = np.random.default_rng(0)
RING = np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1)
STD = 0.02
REAL = RING[RNG.integers(0, 8, 800)] + STD * RNG.standard_normal((800, 2))
FAKE = RING[RNG.integers(0, 3, 2500)] + 0.1 * RNG.standard_normal((2500, 2))


def scatter_sizes(ax):
    return [len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)]


def test_coverage_figure_draws_every_sample_the_centres_and_a_density_that_integrates_to_one():
    fig = viz.coverage_figure(FAKE, real=REAL, centres=RING, std=STD, summary="modes covered 3 / 8",
                              limits=(-1.5, 1.5, -1.5, 1.5))
    scatter_ax, density_ax = fig.axes[:2]
    assert scatter_sizes(scatter_ax) == [800, 2500, 8]  # real, generated, centres
    circles = scatter_ax.patches
    assert len(circles) == 8 and all(c.get_radius() == pytest.approx(3 * STD) for c in circles)
    np.testing.assert_allclose([c.center for c in circles], RING)
    density = density_ax.images[0].get_array()
    assert density.shape == (80, 80)
    cell = (3.0 / 80) ** 2
    assert float(density.sum()) * cell == pytest.approx(1.0)  # every sample lies inside the box
    # the density is the histogram over N and the cell area, cell by cell
    counts, _, _ = np.histogram2d(FAKE[:, 0], FAKE[:, 1], bins=80, range=[[-1.5, 1.5], [-1.5, 1.5]])
    np.testing.assert_allclose(np.asarray(density), counts.T / (2500 * cell))
    assert any(t.get_text() == "modes covered 3 / 8" for t in fig.texts)


def test_density_counts_points_outside_the_box_and_ignores_non_finite_ones():
    points = np.array([[0.1, 0.1], [0.2, -0.3], [5.0, 5.0], [np.nan, 0.0]])
    density, cell = viz.sample_density(points, (-1, 1, -1, 1), 4)
    assert cell == 0.25 and density.sum() * cell == pytest.approx(2 / 3)  # 2 of the 3 finite points inside


def frames(n, with_field=True):
    points = viz.grid_points((-1.5, 1.5, -1.5, 1.5), 5)
    out = []
    for k in range(n):
        values = np.sin(np.arange(16 * 16) / (k + 3.0)).reshape(16, 16) if with_field else None
        arrows = np.stack([np.cos(points[:, 0] + k), points[:, 1] + 0.1], axis=1) if with_field else None
        out.append(viz.TrainingFrame(10 * k, FAKE[:300] * (1 + 0.02 * k), values, points if with_field else None,
                                     arrows))
    return out


def test_grid_points_are_cell_centres_in_row_major_order():
    points = viz.grid_points((0, 4, 0, 2), 2)
    np.testing.assert_allclose(points, [[1, 0.5], [3, 0.5], [1, 1.5], [3, 1.5]])


def test_training_gif_has_one_frame_per_record_within_a_size_bound_and_a_last_frame_png(tmp_path):
    gif, png = tmp_path / "training.gif", tmp_path / "training.png"
    viz.save_training_animation(frames(24), gif, real=REAL, centres=RING, last_frame_png=png)
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 24 and im.size == (252, 273)
    assert gif.stat().st_size < 400_000  # a few hundred KB for the most frames a run keeps (24)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".npgan-tmp")] == []


def test_a_failed_animation_leaves_the_previous_gif_intact(tmp_path):
    gif = tmp_path / "training.gif"
    viz.save_training_animation(frames(2), gif)
    before = gif.read_bytes()
    bad = frames(3) + [viz.TrainingFrame(40, np.zeros((5, 3)))]  # not 2-D points
    with pytest.raises(ValueError, match=r"samples must have shape \(N, 2\), got \(5, 3\)"):
        viz.save_training_animation(bad, gif)
    assert gif.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["training.gif"]


def test_a_frame_draws_the_map_the_arrows_in_their_directions_and_the_samples():
    from npgan.viz._io import new_figure
    frame = frames(3)[2]
    ax = new_figure(4, 4).add_subplot()
    viz.draw_frame(ax, frame, (-1.5, 1.5, -1.5, 1.5), real=REAL, centres=RING, value_label="critic f(x)")
    np.testing.assert_allclose(ax.images[0].get_array(), frame.values)
    quiver = next(c for c in ax.collections if isinstance(c, Quiver))
    drawn = np.stack([quiver.U, quiver.V], axis=1)
    cosine = (drawn * frame.arrows).sum(1) / np.linalg.norm(drawn, axis=1) / np.linalg.norm(frame.arrows, axis=1)
    np.testing.assert_allclose(cosine, 1.0)  # each arrow points along the field
    np.testing.assert_allclose(quiver.get_offsets(), frame.arrow_points)
    assert scatter_sizes(ax) == [800, 300, 8]
    assert ax.get_title() == "step 20" and "critic f(x)" in ax.get_xlabel()


def test_arrow_lengths_keep_direction_and_scale_by_the_square_root_of_the_magnitude():
    arrows = np.array([[4.0, 0.0], [0.0, -1.0], [0.0, 0.0]])
    shown = arrow_lengths(arrows, cell=0.2)
    np.testing.assert_allclose(shown, [[ARROW_CELLS * 0.2, 0], [0, -ARROW_CELLS * 0.2 * 0.5], [0, 0]])


def test_frames_without_a_field_draw_only_the_samples(tmp_path):
    gif = viz.save_training_animation(frames(2, with_field=False), tmp_path / "t.gif")
    with Image.open(gif) as im:
        assert im.n_frames == 2


def test_loss_curves_put_throughput_on_its_own_axes_and_write_the_caption(tmp_path):
    history = {"d_loss": [(10, -0.5), (20, -0.3)], "g_loss": [(10, 0.1), (20, 0.2)],
               "steps_per_s": [(10, 900.0), (20, 950.0)]}
    fig = viz.loss_curves_figure(history, title="wgan-gp", caption="healthy: the critic's loss rises to 0")
    losses, rates = fig.axes
    assert [line.get_label() for line in losses.lines] == ["d_loss", "g_loss"]
    assert [line.get_label() for line in rates.lines] == ["steps_per_s"]
    assert losses.get_ylim()[1] < 10  # the losses' scale is their own, not 950 steps/s
    np.testing.assert_allclose(rates.lines[0].get_ydata(), [900, 950])
    assert rates.get_ylabel() == "steps / s" and losses.get_ylabel() == "loss"
    assert fig.get_supxlabel() == "healthy: the critic's loss rises to 0"
    one = viz.loss_curves_figure({"d_loss": [(1, 0.7)]})
    assert len(one.axes) == 1
    assert viz.save_loss_curves(history, tmp_path / "c.png").endswith("c.png")
