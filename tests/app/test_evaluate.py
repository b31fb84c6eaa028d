"""``evaluate_checkpoint`` and ``npgan eval`` on tiny checkpoints of a 2-D and an image run."""
import argparse
import json

import numpy as np
import pytest

from npgan.app.presets import TrainConfig
from npgan.app.run import train
from npgan.metrics.classifier import load_classifier
from npgan.app.evaluate import add_eval_parser, evaluate_checkpoint


def tiny_run(tmp_path_factory, name, **config):
    out = tmp_path_factory.mktemp(name)
    train(TrainConfig(steps=2, **config), str(out), progress=False, log=lambda s: None)
    return str(out / "checkpoint.npz")


@pytest.fixture(scope="module")
def points_ckpt(tmp_path_factory):
    return tiny_run(tmp_path_factory, "nsgan", model="nsgan", hidden=(8, 8), batch_size=8)


@pytest.fixture(scope="module")
def images_ckpt(tmp_path_factory):
    return tiny_run(tmp_path_factory, "cgan", model="cgan", hidden=(8, 8), batch_size=2)


def test_points_follow_the_mixture_protocol(points_ckpt):
    r = evaluate_checkpoint(points_ckpt, seeds=3)
    assert (r["kind"], r["model"], r["data"], r["step"], r["n"], r["num_modes"]) == ("points", "nsgan", "ring8", 2,
                                                                                      2500, 8)
    assert len(r["per_seed"]) == 3 and set(r["scores"]) == {"modes_covered", "high_quality", "reverse_kl"}
    covered = [s["modes_covered"] for s in r["per_seed"]]
    assert r["scores"]["modes_covered"]["mean"] == pytest.approx(np.mean(covered))
    assert r["scores"]["modes_covered"]["se"] == pytest.approx(np.std(covered, ddof=1) / np.sqrt(3))
    assert 0 <= r["scores"]["modes_covered"]["mean"] <= 8 and 0 <= r["scores"]["high_quality"]["mean"] <= 1
    kl = r["scores"]["reverse_kl"]   # infinite, with no s.e., when a seed has no high-quality sample
    assert kl["mean"] >= 0 and (kl["se"] is None) == (kl["mean"] == np.inf)
    assert evaluate_checkpoint(points_ckpt, seeds=3) == r   # seeded: the same numbers again


def test_images_scores_and_reference(images_ckpt):
    r = evaluate_checkpoint(images_ckpt, seeds=2, n=100)
    assert (r["kind"], r["model"], r["data"], r["n"], len(r["per_seed"])) == ("images", "cgan", "digits", 100, 2)
    assert r["classifier"] == load_classifier().checksum
    s, ref = r["scores"], r["reference"]
    assert set(s) == set(ref) | {"label_accuracy"} == {"frechet_distance", "inception_score", "classes_covered",
                                                       "confidence", "label_accuracy"}
    assert 1 <= s["inception_score"]["mean"] <= 10 and 0 <= s["classes_covered"]["mean"] <= 10
    assert 0.1 <= s["confidence"]["mean"] <= 1 and 0 <= s["label_accuracy"]["mean"] <= 1
    assert len(r["class_shares"]) == 10 and sum(r["class_shares"]) == pytest.approx(1)
    # two steps of training make noise, far from real digits; real vs real is the floor
    assert s["frechet_distance"]["mean"] > 10 * ref["frechet_distance"]
    assert ref["inception_score"] > 8 and ref["classes_covered"] == 10


def test_bad_arguments_are_clear_errors(points_ckpt, tmp_path):
    with pytest.raises(ValueError, match="seeds"):
        evaluate_checkpoint(points_ckpt, seeds=0)
    with pytest.raises(FileNotFoundError):
        evaluate_checkpoint(str(tmp_path / "missing.npz"))


def test_eval_subcommand_prints_a_table_and_writes_json(points_ckpt, images_ckpt, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="npgan")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "eval.json"
    args = parser.parse_args(["eval", "--ckpt", points_ckpt, "--seeds", "2", "--json", str(out)])
    assert args.run(args) == 0
    text = capsys.readouterr().out
    assert "modes covered" in text and "/ 8" in text and "reverse KL" in text
    assert json.loads(out.read_text())["seeds"] == 2

    args = parser.parse_args(["eval", "--ckpt", images_ckpt, "--n", "50"])
    assert args.run(args) == 0
    text = capsys.readouterr().out
    assert load_classifier().checksum in text and "Frechet distance" in text and "IS analogue" in text
