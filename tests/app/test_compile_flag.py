"""``npgan train --no-compile`` / ``--compile`` (TrainConfig.compile): saved in the run's
config, and, since a captured step gives eager's numbers bit for bit, changeable on
``--resume`` without changing the trajectory."""
import csv
import json

import numpy as np

from npgan.app import cli
from npgan.serialization import load_checkpoint

from .test_cli import train


def _weights(out):
    trainer = load_checkpoint(str(out / "checkpoint.npz"))["trainer"]
    return {f"{net}.{k}": v for net in ("G", "D") for k, v in trainer[net].items()}


def _losses(out):
    with open(out / "metrics.csv") as f:
        return [{k: v for k, v in row.items() if k != "steps_per_s"} for row in csv.DictReader(f)]


def _compile_setting(out):
    with open(out / "config.json") as f:
        return json.load(f)["compile"]


def test_resume_may_switch_compile_and_the_run_is_the_uninterrupted_one(tmp_path, capsys):
    captured, switched = tmp_path / "captured", tmp_path / "switched"
    constant_lr = ("--lr-decay", "none")  # a decay to zero over --steps would change with the resume's --steps
    assert train(captured, *constant_lr, model="wgan-gp", steps=6) == 0
    assert _compile_setting(captured) is True
    assert train(switched, "--no-compile", *constant_lr, model="wgan-gp", steps=3) == 0
    assert _compile_setting(switched) is False
    assert cli.main(["train", "--out", str(switched), "--resume", "--steps", "6", "--compile", "--no-progress"]) == 0
    assert _compile_setting(switched) is True
    assert "npgan.compile" not in capsys.readouterr().err  # wgan-gp is captured: no fallback line
    a, b = _weights(captured), _weights(switched)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert _losses(captured) == _losses(switched)


def test_help_says_what_compile_does(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--compile, --no-compile" in text and "captured step" in text and "runs eagerly" in text
