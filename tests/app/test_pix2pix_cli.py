"""pix2pix on the command line: a model and a data set of different kinds (pairs or not)
is one line on stderr, exit 2, nothing written; a short run trains, writes the
input / output / target grid, samples held-out translations and evaluates them."""
import numpy as np
import pytest

from npgan.app import cli


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
