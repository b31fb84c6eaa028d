"""Demo 15 (pix2pix) in its --quick mode: it trains both presets, writes the comparison,
and its baselines are the closed forms on the held-out pairs."""
import numpy as np
import pytest

from npgan.data import get_dataset
from npgan.data.paired import sobel_magnitude

from .test_demos import run  # noqa: F401  (the fixture)


def test_pix2pix_demo_measures_both_runs_against_the_identity_baseline(run):
    _, results, out = run("15_pix2pix.py")
    inputs, targets, _ = get_dataset("digits-edges").held_out(50)
    assert results["identity"]["l1"] == pytest.approx(float(np.abs(inputs - targets).mean()), rel=1e-12)
    energy = lambda a: sobel_magnitude((a[:, 0] + 1) / 2).mean()
    assert results["identity"]["edge_energy"] == pytest.approx(energy(inputs) / energy(targets), rel=1e-9)
    assert results["targets"]["l1"] == 0 and results["targets"]["label_accuracy"] >= 0.95
    for key in ("l1", "pix2pix"):
        assert 0 < results[key]["l1"] < 2 and 0 <= results[key]["label_accuracy"] <= 1
        assert (out / key / "checkpoint.npz").exists() and (out / key / "samples" / "step_000003.png").exists()
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
