"""The training demos (5, 7, 8) in their --quick mode: a few steps of tiny runs, so these
check the plumbing -- the pictures are written and the returned tables have every key with
values in their valid ranges -- and nothing about how well the GANs train."""
import contextlib
import io
import math

import numpy as np
import pytest

from .test_demos import load

PNG = b"\x89PNG\r\n\x1a\n"
COVERAGE_KEYS = {"modes_covered", "num_modes", "high_quality", "reverse_kl"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """run(filename) -> (results of main(--quick), output directory), once per demo;
    ``run.stdout[filename]`` is what it printed."""
    done = {}

    def run_demo(filename):
        if filename not in done:
            out = tmp_path_factory.mktemp(filename.removesuffix(".py"))
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                done[filename] = load(filename).main(["--quick", "--out", str(out)]), out
            run_demo.stdout[filename] = printed.getvalue()
        return done[filename]
    run_demo.stdout = {}
    return run_demo


@pytest.mark.parametrize("filename", ["05_mode_collapse.py", "07_dcgan_digits.py", "08_smoothing_and_ncritic.py"])
def test_a_quick_run_says_it_only_checks_the_plumbing(run, filename):
    run(filename)
    assert "only checks the plumbing" in run.stdout[filename]


def check_coverage(row, num_modes):
    assert COVERAGE_KEYS <= row.keys()
    assert row["num_modes"] == num_modes
    assert isinstance(row["modes_covered"], int) and 0 <= row["modes_covered"] <= num_modes
    assert 0.0 <= row["high_quality"] <= 1.0
    # KL(q || uniform) over K modes lies in [0, log K]; infinite when no sample is high quality
    if row["high_quality"] == 0.0:
        assert row["modes_covered"] == 0 and row["reverse_kl"] == math.inf
    else:
        assert row["modes_covered"] >= 1
        assert -1e-12 <= row["reverse_kl"] <= math.log(num_modes) + 1e-12


@pytest.mark.parametrize("filename, pictures", [
    ("05_mode_collapse.py", ["final_ring8.png", "final_grid25.png"]
     + [f"snapshots_{d}_{m}.png" for d in ("ring8", "grid25") for m in ("nsgan", "lsgan", "wgangp", "pacgan")]),
    ("07_dcgan_digits.py", ["samples_dcgan.png", "samples_dcgan_wgan_gp.png", "final_dcgan.png",
                            "final_dcgan_wgan_gp.png", "real.png"]),
    ("08_smoothing_and_ncritic.py", ["d_on_real.png", "smoothing_samples.png", "wasserstein_estimate.png",
                                     "ncritic_samples.png"]),
])
def test_training_demo_writes_its_pictures(run, filename, pictures):
    _, out = run(filename)
    for name in pictures:
        assert (out / name).read_bytes()[:8] == PNG, name


def test_mode_collapse_table(run):
    results, _ = run("05_mode_collapse.py")
    expected = [(d, m) for d in ("ring8", "grid25") for m in ("nsgan", "lsgan", "wgan-gp", "pacgan")]
    assert [(r["data"], r["preset"]) for r in results["runs"]] == expected  # one seed in --quick
    assert [(r["data"], r["preset"]) for r in results["table"]] == expected
    for r, row in zip(results["runs"], results["table"]):
        check_coverage(r, {"ring8": 8, "grid25": 25}[r["data"]])
        assert r["steps"] == 5 and r["seconds"] >= 0.0 and r["seed"] == 0
        assert r["n_critic"] == (5 if r["preset"] == "wgan-gp" else 1)
        # one seed: the means are that run's values and the standard errors are 0
        assert row["seeds"] == 1
        for key in ("modes_covered", "high_quality", "reverse_kl"):
            assert row[key] == (r[key], 0.0)


def test_mode_collapse_seeds_give_mean_and_standard_error(tmp_path):
    results = load("05_mode_collapse.py").main(["--quick", "--out", str(tmp_path), "--seeds", "2",
                                                "--data", "ring8"])
    for row in results["table"]:
        runs = [r for r in results["runs"] if r["preset"] == row["preset"]]
        assert [r["seed"] for r in runs] == [0, 1]
        hq = np.array([r["high_quality"] for r in runs])
        assert row["high_quality"] == pytest.approx((hq.mean(), hq.std(ddof=1) / np.sqrt(2)))


def test_dcgan_digits_scores(run):
    results, _ = run("07_dcgan_digits.py")
    table = results["table"]
    assert [r["preset"] for r in table] == ["dcgan", "dcgan-wgan-gp"]
    assert len(results["classifier"]) == 12
    for r in table + [results["reference"]]:
        assert r["classifier"] == results["classifier"]
        assert r["n"] == 100
        assert math.isfinite(r["frechet_distance"]) and r["frechet_distance"] >= -1e-6
        assert 1.0 - 1e-9 <= r["inception_score"] <= 10.0 + 1e-9
        assert 0 <= r["classes_covered"] <= 10
        assert 0.1 - 1e-9 <= r["confidence"] <= 1.0 + 1e-9
        assert len(r["class_shares"]) == 10 and sum(r["class_shares"]) == pytest.approx(1.0)
    for r in table:
        assert r["steps"] == 2 and r["batch_size"] == 2 and r["seconds"] >= 0.0
    # real digits against real digits: the classifier recognizes them (a sanity check on
    # the shipped weights, not on the GANs)
    assert results["reference"]["classes_covered"] == 10
    assert results["reference"]["inception_score"] > 8.0


def test_smoothing_and_ncritic_tables(run):
    results, _ = run("08_smoothing_and_ncritic.py")
    smoothing, ncritic = results["smoothing"], results["n_critic"]
    assert [r["alpha"] for r in smoothing] == [0.0, 0.1]
    for r in smoothing:
        check_coverage(r, 8)
        for key in ("d_real", "d_fake", "confident_share"):
            assert 0.0 <= r[key] <= 1.0, key
        assert math.isfinite(r["logit_real"])
    assert [r["n_critic"] for r in ncritic] == [1, 5]
    for r in ncritic:
        check_coverage(r, 8)
        assert r["critic_steps"] == r["steps"] * r["n_critic"]
        assert math.isfinite(r["wasserstein_estimate"])


def test_mode_collapse_quick_run_says_it_only_checks_the_plumbing(tmp_path, capsys):
    load("05_mode_collapse.py").main(["--quick", "--out", str(tmp_path), "--data", "grid25", "--models", "nsgan"])
    lines = capsys.readouterr().out.splitlines()
    notes = [i for i, line in enumerate(lines) if "only checks the plumbing" in line and "mean nothing" in line]
    table = next(i for i, line in enumerate(lines) if line.startswith("mode coverage,"))
    assert len(notes) == 2 and notes[0] < table < notes[1]  # before the runs, and again under the table
