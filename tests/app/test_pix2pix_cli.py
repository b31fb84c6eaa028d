"""pix2pix on the command line: a model and a data set of different kinds (pairs or not)
is one line on stderr, exit 2, nothing written; a short run trains, writes the
input / output / target grid, samples held-out translations and evaluates them."""
import numpy as np
import pytest
from PIL import Image

from npgan.app import cli
from npgan.app.run import load_run
from npgan.app.sampling import translate
from npgan.data.paired import held_out_pairs


@pytest.mark.parametrize("argv, message", [
    (["--model", "dcgan", "--data", "digits-edges"], "--data: 'digits-edges' does not fit model 'dcgan'"),
    (["--model", "nsgan", "--data", "digits-denoise"], "--data: 'digits-denoise' does not fit model 'nsgan'"),
    (["--model", "pix2pix", "--data", "digits"], "--data: 'digits' does not fit model 'pix2pix', which trains "
                                                 "on image pairs"),
    (["--model", "pix2pix-l1", "--data", "ring8"], "--data: 'ring8' does not fit model 'pix2pix-l1'"),
    (["--model", "dcgan", "--l1-lambda", "10"], "--l1-lambda: model 'dcgan' has no L1 term"),
    (["--model", "pix2pix", "--latent-dim", "8"], "--latent-dim: model 'pix2pix' takes no z"),
    (["--model", "pix2pix", "--l1-lambda", "-1"], "--l1-lambda: must be >= 0.0"),
])
def test_a_mismatch_is_one_line_exit_2_and_nothing_written(argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", *argv, "--out", str(out), "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err
    assert not out.exists()


def test_a_short_run_samples_and_evaluates_held_out_pairs(tmp_path, capsys):
    run = tmp_path / "run"
    assert cli.main(["train", "--model", "pix2pix", "--data", "digits-denoise", "--steps", "2", "--batch-size", "2",
                     "--sample-every", "1", "--out", str(run), "--no-progress"]) == 0
    assert (run / "samples" / "step_000001.png").exists() and (run / "samples" / "step_000002.png").exists()
    assert cli.main(["sample", "--ckpt", str(run), "--n", "3", "--out", str(tmp_path / "t.npz")]) == 0
    saved = np.load(tmp_path / "t.npz")
    assert saved["samples"].shape == saved["inputs"].shape == saved["targets"].shape == (3, 1, 28, 28)
    assert cli.main(["sample", "--ckpt", str(run), "--n", "3", "--out", str(tmp_path / "t.png")]) == 0
    assert cli.main(["sample", "--ckpt", str(run), "--label", "1", "--out", str(tmp_path / "u.png")]) == 2
    capsys.readouterr()
    assert cli.main(["eval", "--ckpt", str(run), "--n", "20"]) == 0
    report = capsys.readouterr().out
    assert "L1 per pixel" in report and "label accuracy" in report and "identity (x)" in report
    assert "edge energy / y's" in report


def grid_pixels(png, rows, cols, size=28, padding=2):
    """The gray levels of a labelled grid of ``rows`` x ``cols`` images in ``png``, sampled at
    the centre of each grid pixel: the grid is the block ending at the right-most dark column,
    framed by its black padding (the labels sit to its left)."""
    im = np.asarray(Image.open(png).convert("L")).astype(int)
    dark = im < 128
    top, bottom = np.where(dark.any(axis=1))[0][[0, -1]]
    right = np.where(dark.any(axis=0))[0][-1]
    left = right
    while dark[top + 1, left - 1]:
        left -= 1
    height, width = rows * (size + padding) + padding, cols * (size + padding) + padding
    ys = (top + (np.arange(height) + 0.5) * (bottom - top + 1) / height).astype(int)
    xs = (left + (np.arange(width) + 0.5) * (right - left + 1) / width).astype(int)
    return im[np.ix_(ys, xs)]


def panel(grid, row, col, size=28, padding=2):
    top, left = padding + row * (size + padding), padding + col * (size + padding)
    return grid[top:top + size, left:left + size]


def levels(images):
    """[-1, 1] -> 0..255, as a PNG of the images holds them."""
    return np.floor(np.clip((images + 1) / 2, 0, 1) * 255 + 0.5).astype(int)


def test_every_sample_step_writes_the_held_out_inputs_outputs_and_targets(tmp_path):
    """The triplet grid of each sample step, decoded from its PNG: row 0 the held-out inputs
    and row 2 their targets, pixel for pixel as data/paired.py makes them; row 1 at the last
    step G(x) of the saved checkpoint."""
    run = tmp_path / "run"
    assert cli.main(["train", "--model", "pix2pix", "--data", "digits-edges", "--steps", "3", "--batch-size", "2",
                     "--sample-every", "2", "--out", str(run), "--no-progress"]) == 0
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_000002.png", "step_000003.png"]
    inputs, targets, _ = held_out_pairs("digits-edges", 10)
    trainer, dataset, _ = load_run(str(run))
    outputs = translate(trainer, inputs, 12345)
    for name in ("step_000002.png", "step_000003.png"):
        grid = grid_pixels(run / "samples" / name, 3, 10)
        for k in range(10):
            assert np.abs(panel(grid, 0, k) - levels(inputs[k, 0])).max() <= 1, (name, k)
            assert np.abs(panel(grid, 2, k) - levels(targets[k, 0])).max() <= 1, (name, k)
    for k in range(10):  # the last step's outputs: the translations of the checkpoint's G
        assert np.abs(panel(grid, 1, k) - levels(outputs[k, 0])).max() <= 1, k
    assert np.abs(panel(grid, 0, 0) - panel(grid, 0, 1)).max() > 100  # the panels differ: not a blank grid
