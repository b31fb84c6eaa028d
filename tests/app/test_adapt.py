"""``npgan adapt`` in-process: --help, a tiny run's files, refusing to replace a run,
resume continuing the identical trajectory, one-line errors (exit 2) that write nothing,
and models and data that do not go together."""
import numpy as np
import pytest

from npgan.app import cli
from npgan.app.adapt import AdaptConfig, load_adapt_run
from npgan.serialization import load_checkpoint

TINY = ["--batch-size", "4", "--eval-size", "10", "--eval-every", "2", "--checkpoint-every", "2", "--log-every", "1",
        "--no-progress"]


def adapt(out, *flags, steps=4):
    return cli.main(["adapt", "--steps", str(steps), "--out", str(out), *TINY, *flags])


def one_line_error(capsys, *needles, quiet=False):
    """The one line on stderr, holding every needle; with ``quiet``, nothing on stdout either."""
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert not quiet or captured.out == "", captured.out
    for needle in needles:
        assert needle in err, err
    return err


def test_help_lists_every_setting_with_its_default(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # no line breaks inside a default
    assert cli.main(["adapt", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("--model", "--data", "--steps", "--optimizer", "--lr", "--domain-lr", "--gamma", "--seed",
                 "--resume", "--overwrite", "--eval-size"):
        assert name in text, name
    assert "(default: dann)" in text and "(default: digits-textured)" in text
    assert "as a fraction of --lr (annealed alike) (default: 0.1)" in text


def test_a_run_writes_its_files_and_the_held_out_accuracies(tmp_path, capsys):
    out = tmp_path / "run"
    assert adapt(out) == 0
    printed = capsys.readouterr().out
    assert "held-out accuracy: target" in printed and "domain classifier" in printed
    for name in ("config.json", "metrics.csv", "loss_curve.png", "checkpoint.npz"):
        assert (out / name).is_file(), name
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,label_loss,domain_loss,lambda,lr,source_accuracy,target_accuracy,domain_accuracy")
    assert len(rows) == 5 and rows[2].split(",")[6] != "" and rows[1].split(",")[6] == ""  # evaluated at 2, 4
    state = load_checkpoint(str(out / "checkpoint.npz"))
    assert state["kind"] == "npgan-adapt-run" and state["trainer"]["step"] == 4
    assert state["config"]["model"] == "dann"


def test_an_existing_run_is_refused_and_untouched(tmp_path, capsys):
    out = tmp_path / "run"
    assert adapt(out) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert adapt(out) == 2
    one_line_error(capsys, "already holds a dann run on digits-textured at step 4 of 4", "--resume")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert adapt(out, "--overwrite", "--model", "source-only") == 0
    assert load_checkpoint(str(out / "checkpoint.npz"))["config"]["model"] == "source-only"


@pytest.mark.parametrize("domain_lr", [0.1, 0.5])
def test_resume_from_mid_run_gives_the_weights_of_the_uninterrupted_run(tmp_path, capsys, domain_lr):
    """A checkpoint at step 2 of a 4-step run (written as the loop writes it), resumed,
    ends with the weights and both parameter groups' state of the 4-step run that was
    never stopped; the resumed run keeps its --domain-lr and refuses another."""
    from npgan import random as ng_random
    from npgan.app.adapt import KIND, make_trainer
    from npgan.serialization import save_checkpoint
    straight = tmp_path / "straight"
    assert adapt(straight, "--seed", "3", "--domain-lr", str(domain_lr)) == 0
    config = AdaptConfig(steps=4, batch_size=4, eval_size=10, eval_every=2, checkpoint_every=2, log_every=1,
                         seed=3, domain_lr=domain_lr).resolved()
    trainer, _ = make_trainer(config)
    trainer.step()
    trainer.step()
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    save_checkpoint(str(resumed / "checkpoint.npz"), {"kind": KIND, "config": config.to_json(),
                                                      "trainer": trainer.state_dict(),
                                                      "npgan_rng": ng_random.get_rng_state()})
    assert cli.main(["adapt", "--out", str(resumed), "--resume", "--no-progress"]) == 0
    a, _, _ = load_adapt_run(str(straight))
    b, _, _ = load_adapt_run(str(resumed))
    assert b.step_count == 4
    for key, value in a.model.state_dict().items():
        np.testing.assert_array_equal(b.model.state_dict()[key], value, err_msg=key)
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert sa["param_groups"][1]["lr"] == domain_lr * sa["param_groups"][0]["lr"]
    for i, entries in sa["state"].items():
        for k, v in entries.items():
            np.testing.assert_array_equal(sb["state"][i][k], v, err_msg=f"{i} {k}")
    capsys.readouterr()
    assert cli.main(["adapt", "--out", str(resumed), "--resume", "--lr", "0.5"]) == 2
    one_line_error(capsys, "--lr 0.5 (the run has 0.001)", "only --steps may change")
    assert cli.main(["adapt", "--out", str(resumed), "--resume", "--domain-lr", "1"]) == 2
    one_line_error(capsys, f"--domain-lr 1.0 (the run has {domain_lr})", "only --steps may change")


def test_resume_with_more_steps_trains_on_and_says_the_schedules_change(tmp_path, capsys):
    out = tmp_path / "run"
    assert adapt(out, steps=2) == 0
    assert cli.main(["adapt", "--out", str(out), "--resume", "--steps", "4", "--no-progress"]) == 0
    assert "follow the progress p = step / 4 instead of step / 2" in capsys.readouterr().out
    trainer, _, config = load_adapt_run(str(out))
    assert trainer.step_count == 4 and config.steps == 4
    assert [int(r.split(",")[0]) for r in (out / "metrics.csv").read_text().splitlines()[1:]] == [1, 2, 3, 4]


@pytest.mark.parametrize("flags,needles", [
    (["--batch-size", "0"], ["--batch-size", "got 0"]),
    (["--lr", "-1"], ["--lr", "must be > 0.0"]),
    (["--domain-lr", "0"], ["--domain-lr", "must be > 0.0, got 0.0"]),
    (["--domain-lr", "-0.5"], ["--domain-lr", "must be > 0.0, got -0.5"]),
    (["--domain-lr", "nan"], ["--domain-lr", "must be a finite number, got nan"]),
    (["--domain-lr", "x"], ["--domain-lr", "invalid float value: 'x'"]),
    (["--momentum", "0.5"], ["--momentum", "adam has no momentum"]),
    (["--data", "digits"], ["--data", "invalid choice: 'digits'"]),
    (["--model", "dcgan"], ["--model", "invalid choice: 'dcgan'"]),
    (["--resume", "--overwrite"], ["--overwrite", "choose one"]),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(tmp_path, capsys, flags, needles):
    out = tmp_path / "never"
    assert adapt(out, *flags) == 2
    one_line_error(capsys, *needles, quiet="--resume" not in flags)  # a bad setting: not even the banner
    assert not out.exists()


def test_gan_training_refuses_the_domain_pair_before_any_work(tmp_path, capsys):
    out = tmp_path / "never"
    assert cli.main(["train", "--model", "dcgan", "--data", "digits-textured", "--out", str(out)]) == 2
    one_line_error(capsys, "--data", "unknown data set 'digits-textured'")
    assert not out.exists()


def test_resume_refuses_a_gan_checkpoint(tmp_path, capsys):
    out = tmp_path / "gan"
    assert cli.main(["train", "--model", "nsgan", "--steps", "2", "--hidden", "8", "--batch-size", "8", "--out",
                     str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert cli.main(["adapt", "--out", str(out), "--resume"]) == 2
    one_line_error(capsys, "not of an npgan adapt run")


def test_losses_that_become_non_finite_stop_and_keep_the_last_checkpoint(tmp_path, capsys, monkeypatch):
    from npgan.gan.dann import DANNTrainer
    real_step = DANNTrainer.step

    def step(self):
        metrics = real_step(self)
        return {**metrics, "domain_loss": float("nan")} if self.step_count == 3 else metrics

    monkeypatch.setattr(DANNTrainer, "step", step)
    out = tmp_path / "run"
    assert adapt(out, steps=6) == 1
    assert "step 3: domain_loss = nan" in capsys.readouterr().err
    assert load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"] == 2


def test_ctrl_c_saves_a_checkpoint_and_prints_the_adapt_resume_command(tmp_path, capsys, monkeypatch):
    import os
    import signal
    from npgan.gan.dann import DANNTrainer
    real_step = DANNTrainer.step

    def step(self):
        metrics = real_step(self)
        if self.step_count == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return metrics

    monkeypatch.setattr(DANNTrainer, "step", step)
    out = tmp_path / "run"
    assert adapt(out, steps=6) == 130
    assert f"resume with: npgan adapt --out {out} --resume" in capsys.readouterr().err
    assert load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"] == 3


def test_a_config_written_before_domain_lr_means_the_full_rate():
    data = AdaptConfig().resolved().to_json()
    assert data.pop("domain_lr") == 0.1
    assert AdaptConfig.from_json(data).domain_lr == 1.0  # G_d learned at the full rate then
