"""A first run that shows what the README says: the final picture and its numbers, the
training animation with D's map and G's gradient field, the loss curves' caption, cgan's
labelled rows -- checked on the values they draw, against independent computations."""
import csv
import dataclasses
import io
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import PowerNorm
from PIL import Image

import npgan as ng
from npgan import viz
from npgan.app import cli, pictures
from npgan.app.evaluate import evaluate_checkpoint
from npgan.app.presets import GAMES, PRESETS, TrainConfig, base_game
from npgan.app.run import generate, load_run, make_trainer
from npgan.metrics import N_SAMPLES

from .pixels import (CYAN, TAB_RED, bluish, decode, near, pixel_indices, pixels_at, random_points_in,
                     saved_figures)

TINY = ["--hidden", "8", "--batch-size", "8", "--no-progress", "--sample-every", "2", "--checkpoint-every", "2"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")


def train(out, *flags, model="wgan-gp", steps=4):
    return cli.main(["train", "--model", model, "--steps", str(steps), "--out", str(out), *TINY, *flags])


@pytest.fixture(scope="module")
def run4(tmp_path_factory):
    """A finished 4-step wgan-gp run on ring8 (the default model), its output and what it
    drew: the arguments of the final picture and every saved Figure (``drawn["figures"]``)."""
    out = tmp_path_factory.mktemp("first") / "run"
    drawn = {}
    original = viz.save_coverage_2d

    def capture(samples, path, **kw):
        drawn.update(samples=samples, **kw)
        return original(samples, path, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pictures.viz, "save_coverage_2d", capture)
        drawn["figures"] = saved_figures(mp)
        text = io.StringIO()
        with redirect_stdout(text):
            assert train(out, "--log-every", "1") == 0
    return out, drawn, text.getvalue()


def test_the_run_ends_with_2500_samples_over_the_data_and_prints_what_npgan_eval_measures(run4):
    out, drawn, text = run4
    assert drawn["samples"].shape == (N_SAMPLES, 2) and drawn["real"].shape == (N_SAMPLES, 2)
    trainer, dataset, _ = load_run(str(out))
    np.testing.assert_array_equal(drawn["centres"], dataset.centres)
    assert drawn["std"] == dataset.std
    seed0 = evaluate_checkpoint(str(out))["per_seed"][0]  # the independent path: npgan eval
    assert f"modes covered  {seed0['modes_covered']} / 8" in text
    assert f"high quality   {seed0['high_quality']:6.1%}" in text
    assert f"reverse KL     {seed0['reverse_kl']:6.3f}" in text
    assert "within 3 std" in text and "0 = every mode alike" in text  # what they mean
    assert drawn["summary"] in text  # the picture carries the same text


def test_the_animation_has_a_frame_at_step_0_and_at_every_sample_step(run4):
    out, _, text = run4
    with Image.open(out / "training.gif") as im:
        assert im.n_frames == 3  # steps 0, 2, 4
    assert (out / "training.gif").stat().st_size < 3 * 20_000  # 10-16 KB a frame; at most MAX_FRAMES frames
    frames = pictures.FrameRecorder(str(out / pictures.FRAMES), 2, resume_step=4).frames
    assert [f.step for f in frames] == [0, 2, 4]
    assert frames[0].values.shape == (pictures.MAP_SIZE, pictures.MAP_SIZE)
    assert frames[0].arrows.shape == frames[0].arrow_points.shape == (pictures.ARROW_GRID ** 2, 2)
    assert "training.gif (3 frames" in text


def test_final_png_shows_the_2500_samples_the_mode_centres_and_their_density(run4):
    """Read back from the PNG: each of npgan eval's 2,500 samples is blue where the left
    panel puts it (random places mostly are not), each mode centre is marked (red on the
    left, cyan on the right), and the right panel's cells have the colour of an independent
    histogram of the samples through the square-root magma scale."""
    out, drawn, _ = run4
    fig = drawn["figures"]["final.png"]
    image = decode(out / "final.png", fig)
    scatter_ax, density_ax = fig.axes[:2]
    trainer, dataset, _ = load_run(str(out))
    samples = generate(trainer, N_SAMPLES, rng=np.random.default_rng([0, 0]))  # npgan eval's seed 0
    assert bluish(pixels_at(image, scatter_ax, samples)[:, 0]).mean() > 0.95
    assert bluish(pixels_at(image, scatter_ax, random_points_in(scatter_ax, 2000))[:, 0]).mean() < 0.2
    assert near(pixels_at(image, scatter_ax, dataset.centres, radius=1), TAB_RED).all()
    assert near(pixels_at(image, density_ax, dataset.centres, radius=1), CYAN).all()
    box, bins = pictures.picture_limits(dataset), 80
    counts, xs, ys = np.histogram2d(samples[:, 0], samples[:, 1], bins=bins, range=[box[:2], box[2:]])
    cx, cy = np.meshgrid((xs[1:] + xs[:-1]) / 2, (ys[1:] + ys[:-1]) / 2, indexing="ij")
    shown = pixels_at(image, density_ax, np.stack([cx.ravel(), cy.ravel()], axis=1))[:, 0]
    want = 255 * colormaps["magma"](PowerNorm(0.5, vmin=0, vmax=counts.max())(counts.ravel()))[:, :3]
    matches = np.abs(shown - want).max(-1) <= 8
    occupied = counts.ravel() > 0
    assert 20 < occupied.sum() < bins ** 2 / 2  # the density is not constant: some cells full, most empty
    assert matches.mean() > 0.95 and matches[occupied].mean() > 0.9  # (the rest lie under the markers / legend)


def test_training_png_shows_the_last_frames_samples_over_ds_map_and_gs_arrows(run4):
    """The last frame drawn again without its samples differs from training.png exactly
    around the frame's samples; the background follows D's values on the grid (red high,
    blue low) and the arrows' tails are dark."""
    out, drawn, _ = run4
    fig = drawn["figures"]["training.png"]
    image = decode(out / "training.png", fig)
    _, dataset, config = load_run(str(out))
    last = pictures.FrameRecorder(str(out / pictures.FRAMES), 2, resume_step=4).frames[-1]
    ax, limits = fig.axes[0], pictures.picture_limits(dataset)
    real, _ = dataset.sample(N_SAMPLES, np.random.default_rng(0))
    no_samples = dataclasses.replace(last, samples=np.zeros((0, 2), np.float32))
    viz.draw_frame(ax, no_samples, limits, real[:pictures.FRAME_SAMPLES], dataset.centres,
                   pictures.value_label(PRESETS[config.model].game))
    fig.canvas.draw()
    without = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    changed = np.abs(without - image).max(-1) > 10
    assert changed[pixel_indices(changed.shape, ax, last.samples)].mean() > 0.95  # under each sample
    around = np.zeros(changed.shape, bool)
    around[pixel_indices(changed.shape, ax, last.samples, radius=3)] = True
    assert not (changed & ~around).any()  # and nowhere else
    cells = pixels_at(without, ax, viz.grid_points(limits, pictures.MAP_SIZE))[:, 0]
    assert np.corrcoef(cells[:, 0] - cells[:, 2], last.values.ravel())[0, 1] > 0.9
    tails = pixels_at(without, ax, last.arrow_points, radius=1).sum(-1).min(-1)
    controls = pixels_at(without, ax, random_points_in(ax, 2000), radius=1).sum(-1).min(-1)
    assert (tails < 300).mean() > 0.8 and (controls < 300).mean() < 0.5


def test_the_frames_are_the_models_at_that_step(run4):
    out, _, _ = run4
    trainer, dataset, config = load_run(str(out))
    last = pictures.FrameRecorder(str(out / pictures.FRAMES), 2, resume_step=4).frames[-1]
    np.testing.assert_array_equal(last.samples, generate(trainer, pictures.FRAME_SAMPLES,
                                                          rng=np.random.default_rng(2)))
    grid = viz.grid_points(pictures.picture_limits(dataset), pictures.MAP_SIZE).astype(np.float32)
    with ng.no_grad():
        critic = trainer.D(ng.tensor(grid)).data.reshape(pictures.MAP_SIZE, pictures.MAP_SIZE)
    np.testing.assert_allclose(last.values, critic, rtol=1e-5, atol=1e-6)


def float64_trainer(model):
    config = TrainConfig(model=model, hidden=(8, 8), batch_size=8, dtype="float64").resolved()
    trainer, _ = make_trainer(config)
    return trainer, config


POINTS = np.array([[0.3, -0.2], [-0.7, 0.5], [1.1, 0.9]])


def central_difference(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(2)])


def d_of(trainer, x):
    return trainer.D(ng.tensor(x[None], dtype=np.float64)).item()


@pytest.mark.parametrize("model, cost", [
    ("wgan-gp", lambda d: -d),                                   # G minimizes -E f(G(z))
    ("nsgan", lambda d: 0.5 * np.logaddexp(0.0, -d)),            # 1/2 BCE(D, 1) = 1/2 softplus(-logit)
    ("lsgan", lambda d: 0.5 * (d - 1.0) ** 2),                   # 1/2 (D - c)^2, c = 1
])
def test_the_arrows_are_minus_the_gradient_of_the_per_sample_generator_cost(model, cost):
    trainer, config = float64_trainer(model)
    preset = PRESETS[model]
    D = pictures.point_discriminator(trainer, preset)
    field = pictures.generator_field(trainer, D, base_game(preset, config), POINTS)
    for x, arrow in zip(POINTS, field):
        # reference 1: central differences of the closed-form cost of D's output
        np.testing.assert_allclose(arrow, -central_difference(lambda p: cost(d_of(trainer, p)), x), rtol=1e-6,
                                   atol=1e-9)
        # reference 2: autograd of the game's own loss on this point alone
        p = ng.tensor(x[None], dtype=np.float64, requires_grad=True)
        g, = ng.grad(base_game(preset, config).generator_loss(trainer.D, p), [p])
        np.testing.assert_allclose(arrow, -g.data[0], rtol=1e-10)


def test_a_packed_discriminator_judges_a_pack_of_copies_of_the_point():
    trainer, _ = float64_trainer("pacgan")
    D = pictures.point_discriminator(trainer, PRESETS["pacgan"])
    with ng.no_grad():
        got = D(ng.tensor(POINTS, dtype=np.float64)).data.ravel()
        want = [trainer.D(ng.tensor(np.repeat(x[None], 4, axis=0), dtype=np.float64)).item() for x in POINTS]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_minibatch_features_get_no_map_or_arrows():
    trainer, _ = float64_trainer("minibatch")
    assert pictures.point_discriminator(trainer, PRESETS["minibatch"]) is None


def test_pictures_do_not_change_the_run(tmp_path):
    """The trained weights equal those of the bare training loop, step for step (sngan: D is
    read in eval mode, so no power iteration runs for a picture)."""
    for model in ("wgan-gp", "sngan"):
        assert train(tmp_path / model, model=model, steps=4) == 0
        trained, _, config = load_run(str(tmp_path / model))
        bare, _ = make_trainer(config)
        for _ in range(4):
            bare.step()
        for a, b in zip(trained.D.state_dict().values(), bare.D.state_dict().values()):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(trained.G.state_dict().values(), bare.G.state_dict().values()):
            np.testing.assert_array_equal(a, b)


def gif_frames(path):
    """The decoded frames of the GIF at ``path``, as RGB arrays."""
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
    return frames


def recorded_frames(out):
    return pictures.FrameRecorder(str(out / pictures.FRAMES), 2, resume_step=10 ** 6).frames


def test_a_resumed_run_continues_its_animation(tmp_path, capsys):
    """The frames from before the resume stay as they were, bit for bit (in the frames file
    and in the GIF), and the new ones are an uninterrupted run's frames at those steps (a
    constant learning rate: a decaying one would decay over 8 steps from the resume on)."""
    out, uninterrupted = tmp_path / "run", tmp_path / "uninterrupted"
    assert train(out, "--lr-decay", "none", steps=4) == 0
    before, gif_before = recorded_frames(out), gif_frames(out / "training.gif")
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "8", "--no-progress"]) == 0
    after, gif_after = recorded_frames(out), gif_frames(out / "training.gif")
    assert [f.step for f in after] == [0, 2, 4, 6, 8] and len(gif_after) == 5
    assert train(uninterrupted, "--lr-decay", "none", steps=8) == 0
    reference = recorded_frames(uninterrupted)
    for got, old, want in zip(after, before + [None, None], reference):
        for a, b in ((got, old), (got, want)):
            if b is not None:
                for name in ("samples", "values", "arrow_points", "arrows"):
                    np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"step {a.step}")
    for k in range(3):
        np.testing.assert_array_equal(gif_after[k], gif_before[k])
    assert not np.array_equal(gif_after[4], gif_after[2])  # the new frames move on


def test_frames_past_the_resume_step_are_dropped_and_the_count_stays_bounded(tmp_path, monkeypatch):
    path = str(tmp_path / "frames.npz")
    recorder = pictures.FrameRecorder(path, every=10)
    monkeypatch.setattr(pictures, "MAX_FRAMES", 4)
    for step in range(0, 60, 10):
        if recorder.wants(step, last=False):
            recorder.add(viz.TrainingFrame(step, np.full((3, 2), step, dtype=np.float32)))
    # 0..40 made 5 > 4 frames: every other one dropped, then only every 20th step recorded
    assert [f.step for f in recorder.frames] == [0, 20, 40] and recorder.stride == 2
    resumed = pictures.FrameRecorder(path, every=10, resume_step=20)
    assert [f.step for f in resumed.frames] == [0, 20] and resumed.stride == 2
    np.testing.assert_array_equal(resumed.frames[1].samples, np.full((3, 2), 20))


def test_every_game_has_a_healthy_curve_caption_and_the_run_writes_it(tmp_path, monkeypatch):
    assert set(pictures.HEALTHY) == set(GAMES)
    assert "Wasserstein" in pictures.HEALTHY["wgan-gp"] and "log 2 = 0.69" in pictures.HEALTHY["non_saturating"]
    captions = []
    original = viz.save_loss_curves
    monkeypatch.setattr(pictures.viz, "save_loss_curves",
                        lambda history, path, title=None, caption=None: captions.append(caption) or
                        original(history, path, title, caption))
    assert train(tmp_path / "run", model="lsgan", steps=2) == 0
    assert captions and set(captions) == {pictures.HEALTHY["lsgan"]}


def test_the_runs_loss_curves_put_throughput_on_its_own_axis_under_the_games_caption(run4):
    """loss_curve.png as the run saved it: the losses of metrics.csv (read here with csv) on
    the first axes, steps_per_s alone on the second, whose scale does not squash the
    losses', and wgan-gp's caption under both."""
    out, drawn, _ = run4
    fig = drawn["figures"]["loss_curve.png"]
    decode(out / "loss_curve.png", fig)
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    losses, throughput = fig.axes
    assert [line.get_label() for line in losses.lines] == ["d_loss", "g_loss", "wasserstein", "gp"]
    for line in losses.lines:
        np.testing.assert_allclose(line.get_ydata(), [float(r[line.get_label()]) for r in rows])
    assert [line.get_label() for line in throughput.lines] == ["steps_per_s"]
    rates = [float(r["steps_per_s"]) for r in rows]
    np.testing.assert_allclose(throughput.lines[0].get_ydata(), rates)
    assert throughput.get_ylabel() == "steps / s" and throughput.get_shared_x_axes().joined(losses, throughput)
    span = max(abs(float(r[k])) for r in rows for k in ("d_loss", "g_loss", "wasserstein", "gp"))
    assert losses.get_ylim()[1] - losses.get_ylim()[0] < 4 * span < min(rates)  # the losses' own scale
    assert fig.get_supxlabel() == pictures.HEALTHY["wgan-gp"]


class ConstantD:
    """A discriminator that cannot tell: the same output ``value`` for every sample."""

    def __init__(self, value):
        self.value = value

    def __call__(self, x):
        return x[:, :1] * 0.0 + self.value


# game: (D's output where it cannot tell, the d_loss and g_loss its caption quotes there)
CANNOT_TELL = {"minimax": (0.0, "0.69", "-0.35"), "non_saturating": (0.0, "0.69", "0.35"),
               "maximum_likelihood": (0.0, "0.69", "-0.5"), "lsgan": (0.5, "0.25", "0.125"), "hinge": (0.0, "2", None)}


@pytest.mark.parametrize("game_name", sorted(CANNOT_TELL))
def test_the_healthy_curve_captions_quote_the_games_own_losses_where_d_cannot_tell(game_name):
    value, d_quoted, g_quoted = CANNOT_TELL[game_name]
    model = next(name for name, p in PRESETS.items() if p.game == game_name and p.architecture == "mlp")
    game = base_game(PRESETS[model], TrainConfig(model=model).resolved())
    x = ng.tensor(np.random.default_rng(0).standard_normal((16, 2)), dtype=np.float64)
    d_loss, _ = game.discriminator_loss(ConstantD(value), x, x * 2.0)
    caption = pictures.HEALTHY[game_name]
    for quoted, loss in ((d_quoted, d_loss.item()), (g_quoted, game.generator_loss(ConstantD(value), x).item())):
        if quoted is not None:
            assert re.search(rf"(near|=) {re.escape(quoted)}\b", caption), (quoted, caption)
            decimals = len(quoted.partition(".")[2])
            assert abs(loss - float(quoted)) <= 0.5 * 10 ** -decimals, (quoted, loss)


@pytest.mark.parametrize("game_name, wasserstein", [("wgan", lambda m: -m["d_loss"]),
                                                    ("wgan-gp", lambda m: -(m["d_loss"] - m["gp"]))])
def test_the_wasserstein_captions_say_what_the_logged_estimate_is(game_name, wasserstein):
    model = next(name for name, p in PRESETS.items() if p.game == game_name and p.architecture == "mlp")
    trainer, config = float64_trainer(model)
    real = ng.tensor(np.random.default_rng(0).standard_normal((16, 2)), dtype=np.float64)
    _, metrics = base_game(PRESETS[model], config).discriminator_loss(trainer.D, real, real * 2.0)
    metrics = {k: float(v) for k, v in metrics.items()}  # the games' metrics are 0-d Tensors
    assert metrics["wasserstein"] == pytest.approx(wasserstein(metrics), rel=1e-12)
    assert "Wasserstein-1 distance" in pictures.HEALTHY[game_name]
    with ng.no_grad():  # the estimate is E f(x) - E f(G(z)) of this critic
        f = trainer.D(real).data.mean() - trainer.D(real * 2.0).data.mean()
    assert metrics["wasserstein"] == pytest.approx(f, rel=1e-10)


def test_cgan_sample_grids_label_their_rows_with_the_class(tmp_path, monkeypatch):
    config = TrainConfig(model="cgan", hidden=(8,), batch_size=8).resolved()
    trainer, dataset = make_trainer(config)
    got = {}
    monkeypatch.setattr(pictures.viz, "save_image_grid",
                        lambda images, path, nrow=None, labels=None: got.update(images=images, nrow=nrow, labels=labels))
    pictures.save_samples(trainer, dataset, str(tmp_path / "grid.png"), n=30)
    assert got["labels"] == [f"class {k}" for k in range(10)] and got["nrow"] == 3
    # row k holds the generator's images for class k, from the first 30 latent points of seed 12345
    z = np.random.default_rng(12345).standard_normal((30, config.latent_dim)).astype(np.float32)
    trainer.G.eval()
    with ng.no_grad():
        for k in (0, 4, 9):
            row = trainer.G(ng.tensor(z[3 * k:3 * k + 3]), ng.tensor(np.full(3, k))).data
            np.testing.assert_allclose(got["images"][3 * k:3 * k + 3], row, rtol=1e-6, atol=1e-6)  # (GEMM libraries may round a batch of 3 and of 30 differently)


def test_cgan_sample_pngs_draw_the_class_beside_each_row(tmp_path, monkeypatch):
    """The saved picture itself: row k of the grid shows G's images for class k, its label
    "class k" sits at that row's centre, and the label is drawn (dark text pixels left of
    the row, where the margin is otherwise white)."""
    config = TrainConfig(model="cgan", hidden=(8,), batch_size=8).resolved()
    trainer, dataset = make_trainer(config)
    figures = saved_figures(monkeypatch)
    pictures.save_samples(trainer, dataset, str(tmp_path / "grid.png"), n=30)
    fig = figures["grid.png"]
    image, ax = decode(tmp_path / "grid.png", fig), fig.axes[0]
    grid = np.asarray(ax.images[0].get_array())
    fake = generate(trainer, 30, np.repeat(np.arange(10), 3))
    for k in (0, 4, 9):  # the grid's pixels of row k, column 0: image 3k (padding 2, 28x28 digits, tanh range)
        want = np.floor((np.clip(fake[3 * k, 0], -1, 1) + 1) / 2 * 255 + 0.5)
        np.testing.assert_allclose(grid[2 + 30 * k:30 + 30 * k, 2:30], want, atol=1)
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == [f"class {k}" for k in range(10)]
    np.testing.assert_allclose(ax.get_yticks(), [2 + 30 * k + 13.5 for k in range(10)])
    left = ax.get_window_extent().x0
    for tick in ax.get_yticks():
        row = int(round(image.shape[0] - ax.transData.transform((0, tick))[1]))
        assert image[row - 3:row + 4, :int(left)].min() < 128  # the label's ink


def test_overwrite_replaces_the_new_pictures_too(tmp_path, capsys):
    out = tmp_path / "run"
    assert train(out, steps=2) == 0
    assert train(out, "--overwrite", "--sample-every", "1", steps=1) == 0
    steps = [f.step for f in pictures.FrameRecorder(str(out / pictures.FRAMES), 1, resume_step=10).frames]
    assert steps == [0, 1]


def readme_default_run():
    """The default run's numbers as README's quick start quotes them."""
    text = " ".join(open(README, encoding="utf-8").read().split())
    found = re.search(r"The default run reaches (\d) of 8 modes, ([\d.]+)% of the samples within 3 std of a mode "
                      r"and reverse KL ([\d.]+) \(`npgan train --out runs/wgan-gp`; the numbers are "
                      r"`npgan eval --ckpt runs/wgan-gp`'s seed 0", text)  # each number beside its command
    assert found, "README's quick start no longer quotes the default run's numbers"
    return int(found[1]), float(found[2]) / 100, float(found[3])


def test_readme_quotes_the_default_run():
    modes, high_quality, kl = readme_default_run()
    assert 0 <= modes <= 8 and 0 < high_quality <= 1 and kl >= 0


@pytest.mark.slow
def test_the_default_run_reaches_what_readme_says(tmp_path, request):
    """``npgan train`` as a new user runs it (1,000 WGAN-GP steps: minutes); CI's short
    version is the test above and the tiny runs of this file."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the full default run: select it with -m slow")
    out = tmp_path / "wgan-gp"
    # README's numbers are with OpenBLAS's 2 threads (one thread rounds the GEMMs differently)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2",
           "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-m", "npgan.app.cli", "train", "--out", str(out), "--no-progress"], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    seed0 = evaluate_checkpoint(str(out))["per_seed"][0]
    modes, high_quality, kl = readme_default_run()
    assert (seed0["modes_covered"], round(seed0["high_quality"], 3), round(seed0["reverse_kl"], 3)) == \
        (modes, high_quality, kl)
    frames = re.search(r"the default run's (\d+) frames", " ".join(open(README, encoding="utf-8").read().split()))
    with Image.open(out / "training.gif") as im:
        assert frames and im.n_frames == int(frames[1])
