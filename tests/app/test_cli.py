"""``npgan`` in-process (``cli.main``): runs that never lose work, one-line errors with exit
code 2 and nothing written, flags made from TrainConfig, and what the flags reach."""
import dataclasses
import json
import os
import stat

import numpy as np
import pytest

from npgan.app import cli
from npgan.app.presets import BCE_GAMES, GAMES, PRESETS, TrainConfig, build
from npgan.app.run import checkpoint_state, generate, load_run, make_trainer
from npgan.atomic import TEMP_PREFIX
from npgan.gan.joint import JointPass
from npgan.serialization import load_checkpoint, save_checkpoint

from .pixels import TAB_RED, bluish, decode, near, pixels_at, random_points_in, saved_figures

TINY = ["--hidden", "8", "--batch-size", "8", "--no-progress", "--sample-every", "2", "--checkpoint-every", "2",
        "--log-every", "1"]


def train(out, *flags, model="nsgan", steps=2):
    return cli.main(["train", "--model", model, "--steps", str(steps), "--out", str(out), *TINY, *flags])


def snapshot(root):
    """{path: (size, mtime)} of everything under ``root`` (to prove nothing was written)."""
    if not os.path.exists(root):
        return None
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def step_of(out):
    return load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"]


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture
def run2(tmp_path, capsys):
    """A finished 2-step nsgan run."""
    out = tmp_path / "run"
    assert train(out) == 0
    capsys.readouterr()
    return out


# --- never lose work ------------------------------------------------------------------

@pytest.mark.parametrize("flags", [[], ["--batch-size", "0"], ["--steps", "5"]])
def test_training_into_an_existing_run_is_refused_and_touches_nothing(run2, capsys, flags):
    before = snapshot(run2)
    assert train(run2, *flags) == 2
    if flags[:1] == ["--batch-size"]:
        one_line_error(capsys, "--batch-size", "got 0")
    else:
        one_line_error(capsys, "already holds a nsgan run on ring8 at step 2 of 2", "--resume", "--overwrite",
                       "another --out")
    assert snapshot(run2) == before


def test_overwrite_replaces_the_run_and_only_the_run(run2, capsys):
    (run2 / "notes.txt").write_text("mine")
    (run2 / "samples" / "step_000999.png").write_bytes(b"old")
    assert train(run2, "--overwrite", steps=1) == 0
    assert step_of(run2) == 1
    assert sorted(p.name for p in (run2 / "samples").iterdir()) == ["step_000001.png"]
    assert (run2 / "notes.txt").read_text() == "mine"
    rows = (run2 / "metrics.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1"]


def test_a_directory_that_is_not_a_run(tmp_path, capsys):
    other = tmp_path / "project"
    other.mkdir()
    (other / "thesis.tex").write_text("x")
    before = snapshot(other)
    assert train(other) == 2
    one_line_error(capsys, "is not empty", "thesis.tex", "--overwrite")
    assert snapshot(other) == before
    (other / "metrics.csv").write_text("not npgan's")   # a file under one of npgan's names
    before = snapshot(other)
    assert train(other, "--overwrite") == 2
    one_line_error(capsys, "metrics.csv", "never replaces files npgan did not write")
    assert snapshot(other) == before
    (other / "metrics.csv").unlink()
    assert train(other, "--overwrite") == 0        # written beside, nothing deleted
    assert (other / "thesis.tex").read_text() == "x" and step_of(other) == 2


@pytest.mark.parametrize("out", ["/", "~"])
def test_root_and_home_are_refused_even_with_overwrite(out, capsys):
    assert cli.main(["train", "--out", os.path.expanduser(out), "--overwrite", *TINY]) == 2
    one_line_error(capsys, "--out")


def test_resume_takes_everything_from_the_run(tmp_path, capsys):
    out = tmp_path / "ls"
    assert train(out, "--lr", "0.001", model="lsgan", steps=2) == 0
    capsys.readouterr()
    # finished: nothing to do, nothing written (the README's command, for any model)
    before = snapshot(out)
    assert cli.main(["train", "--out", str(out), "--resume", "--no-progress"]) == 0
    assert "complete at step 2 of 2" in capsys.readouterr().out
    assert snapshot(out) == before
    # --steps extends, with the run's own model, lr, sizes and cadence
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "4", "--no-progress"]) == 0
    trainer, _, config = load_run(str(out / "checkpoint.npz"))
    assert (config.model, config.lr, config.batch_size, config.hidden, trainer.step_count) == ("lsgan", 0.001, 8,
                                                                                               (8,), 4)
    # the same value again is no conflict; another value is, and is named
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "5", "--lr", "0.001", "--no-progress"]) == 0
    capsys.readouterr()
    before = snapshot(out)
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "9", "--lr", "0.01", "--batch-size", "4",
                     "--model", "dcgan"]) == 2
    one_line_error(capsys, "--lr 0.01 (the run has 0.001)", "--batch-size 4 (the run has 8)",
                   "--model dcgan (the run has lsgan)")
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "3"]) == 2
    one_line_error(capsys, "--steps", "already at step 5")
    assert cli.main(["train", "--out", str(out), "--resume", "--overwrite"]) == 2
    one_line_error(capsys, "--overwrite")
    assert snapshot(out) == before


def test_resume_with_more_steps_says_what_happens_to_a_decaying_lr(tmp_path, capsys):
    out = tmp_path / "decay"
    assert train(out, "--lr-decay", "linear", "--lr", "0.001", steps=2) == 0
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", "4", "--no-progress"]) == 0
    text = capsys.readouterr().out
    # at step 2 the closed form lr (1 - t/N) goes from 0.001 (1 - 2/2) = 0 to 0.001 (1 - 2/4)
    assert "decays linearly to zero over 4 steps instead of 2" in text and "from 0 to 0.0005" in text
    trainer, _, _ = load_run(str(out))
    assert trainer.opt_g.param_groups[0]["lr"] == 0.0


def test_resume_without_a_run_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["train", "--out", str(tmp_path / "none"), "--resume"]) == 2
    one_line_error(capsys, "does not exist", "nothing to resume")
    assert not (tmp_path / "none").exists()


def test_every_file_of_a_run_gets_the_mode_plain_open_gives(tmp_path, capsys):
    """checkpoint.npz like the rest (a temporary file made with mkstemp would be 0o600),
    under a umask unlike the usual one."""
    umask = os.umask(0o027)
    try:
        assert train(tmp_path / "run", model="wgan-gp") == 0
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(umask)
    plain = stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    modes = {p.relative_to(tmp_path / "run").as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "run").rglob("*") if p.is_file()}
    assert {"checkpoint.npz", "config.json", "metrics.csv", "final.png", "training.gif"} <= set(modes)
    assert plain == 0o640 and set(modes.values()) == {plain}, modes


def test_a_start_removes_the_temporary_files_of_a_killed_save(run2, capsys):
    stale = [run2 / f"{TEMP_PREFIX}checkpoint.npz.abc123", run2 / "samples" / f"{TEMP_PREFIX}step_000004.png.x"]
    for path in stale:
        path.write_bytes(b"half a file")
    assert cli.main(["train", "--out", str(run2), "--resume", "--steps", "3", "--no-progress"]) == 0
    assert not any(p.exists() for p in stale)


def test_losses_that_become_non_finite_stop_the_run_and_keep_the_last_finite_checkpoint(tmp_path, capsys,
                                                                                         monkeypatch):
    from npgan.gan.trainer import GANTrainer
    real_step = GANTrainer.step

    def step(self):  # the weights blow up in step 3 (after the checkpoint of step 2)
        metrics = real_step(self)
        if self.step_count == 3:
            self.G.net[0].weight.data[...] = np.nan
        return metrics

    monkeypatch.setattr(GANTrainer, "step", step)
    out = tmp_path / "nan"
    assert train(out, steps=10) == 1
    err = capsys.readouterr().err
    assert "step 4" in err and "no longer finite" in err and "at step 2, is kept" in err and "Traceback" not in err
    trainer, _, _ = load_run(str(out))
    assert trainer.step_count == 2


def test_weights_that_become_non_finite_are_never_checkpointed(tmp_path, capsys, monkeypatch):
    from npgan.gan.trainer import GANTrainer
    real_step = GANTrainer.step

    def step(self):  # NaN weights at step 2, while step 2's losses were still finite
        metrics = real_step(self)
        if self.step_count == 2:
            self.D.net[0].weight.data[...] = np.inf
        return metrics

    monkeypatch.setattr(GANTrainer, "step", step)
    out = tmp_path / "inf"
    assert train(out, steps=10) == 1
    err = capsys.readouterr().err
    assert "step 2: the weights D/net.0.weight became NaN or infinite" in err and "No checkpoint was saved" in err
    assert not (out / "checkpoint.npz").exists()


def test_a_checkpoint_with_non_finite_weights_is_refused_by_sample_and_resume(run2, tmp_path, capsys):
    trainer, _, config = load_run(str(run2))
    trainer.G.net[0].weight.data[0, 0] = np.nan
    save_checkpoint(str(run2 / "checkpoint.npz"), checkpoint_state(trainer, config))
    before = snapshot(run2)
    assert cli.main(["sample", "--ckpt", str(run2), "--out", str(tmp_path / "s.npy")]) == 2
    one_line_error(capsys, "non-finite")
    assert cli.main(["train", "--out", str(run2), "--resume", "--steps", "4"]) == 2
    one_line_error(capsys, "non-finite")
    assert snapshot(run2) == before and not (tmp_path / "s.npy").exists()


@pytest.mark.parametrize("where", ["G", "opt_d"])
def test_arrays_that_do_not_fit_the_config_are_refused_before_they_are_read(run2, monkeypatch, where):
    """A checkpoint whose arrays are larger than its own config's model (a hostile or
    mismatched file) is refused from the declared shapes alone: no array is read."""
    from npgan.npz import NpzReader
    state = load_checkpoint(str(run2 / "checkpoint.npz"))
    big = np.zeros((300, 400), np.float32)
    if where == "G":
        state["trainer"]["G"]["net.0.weight"] = big
        needle = r"G.net.0.weight is declared as \(300, 400\) float32, its config's model has \(8, 2\)"
    else:
        state["trainer"]["opt_d"]["state"][0]["exp_avg"] = big
        needle = r"optimizer state D\[0\].exp_avg is declared as \(300, 400\) float32"
    save_checkpoint(str(run2 / "checkpoint.npz"), state)
    read = []
    monkeypatch.setattr(NpzReader, "read", lambda self, key, _read=NpzReader.read: read.append(key) or _read(self, key))
    with pytest.raises(ValueError, match=needle):
        load_run(str(run2))
    assert read == ["__npgan_meta__"]


# --- clear errors: exit 2, one line, nothing written ------------------------------------

@pytest.mark.parametrize("flags,needles", [
    (["--steps", "0"], ["--steps", "got 0"]),
    (["--steps", "-5"], ["--steps", "got -5"]),
    (["--batch-size", "0"], ["--batch-size"]),
    (["--steps", "x"], ["--steps", "invalid int"]),
    (["--model", "nope"], ["--model"]),
    (["--gp-lambda", "-1"], ["--gp-lambda", ">= 0"]),
    (["--model", "nsgan", "--gp-lambda", "5"], ["--gp-lambda", "does not use it"]),
    (["--betas", "0.5", "1.0"], ["--betas", "< 1.0"]),
    (["--betas", "0.5"], ["--betas", "expected 2"]),
    (["--model", "wgan", "--betas", "0", "0.9"], ["--betas", "rmsprop"]),
    (["--clip", "0"], ["--clip"]),
    (["--lsgan-abc", "0", "1"], ["--lsgan-abc"]),
    (["--hidden", "0"], ["--hidden"]),
    (["--hidden", "60000", "60000"], ["--hidden", "parameters"]),   # bounded before anything is built
    (["--latent-dim", "0"], ["--latent-dim"]),
    (["--label-smoothing", "1.5"], ["--label-smoothing"]),
    (["--data", "ring9"], ["--data", "ring9"]),
    (["--lr", "nan"], ["--lr"]),
    (["--seed", "-1"], ["--seed"]),
    (["--model", "dcgan", "--hidden", "16"], ["--hidden", "dcgan"]),
])
def test_bad_train_flags(flags, needles, tmp_path, capsys):
    out = tmp_path / "r"
    argv = ["train", "--out", str(out), "--no-progress", "--model", "wgan-gp", *flags]
    assert cli.main(argv) == 2
    one_line_error(capsys, *needles)
    assert not out.exists()


def test_out_naming_a_file_or_under_a_file(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    for out in (f, f / "run"):
        assert train(out) == 2
        one_line_error(capsys, "--out", "is a file")
    assert f.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_out(tmp_path, capsys):
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o555)
    assert train(locked / "run") == 2
    one_line_error(capsys, "not writable")


def test_sample_errors_and_formats(run2, tmp_path, capsys):
    ckpt = str(run2 / "checkpoint.npz")
    for argv, needles in [(["--n", "0"], ["--n"]), (["--n", "-3"], ["--n"]), (["--label", "3"], ["--label", "not conditional"]),
                          (["--out", str(tmp_path / "x.jpg")], ["--out", ".jpg"]),
                          (["--out", str(tmp_path / "x.txt")], ["--out", ".txt"])]:
        full = ["sample", "--ckpt", ckpt, "--out", str(tmp_path / "x.png"), *argv]
        assert cli.main(full) == 2, argv
        one_line_error(capsys, *needles)
    assert list(tmp_path.glob("x.*")) == []
    assert cli.main(["sample", "--ckpt", str(run2), "--n", "5", "--out", str(tmp_path / "x.npz")]) == 0  # a dir
    with np.load(tmp_path / "x.npz") as z:
        assert z["samples"].shape == (5, 2) and np.all(np.isfinite(z["samples"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["sample", "--ckpt", str(empty), "--out", str(tmp_path / "y.png")]) == 2
    one_line_error(capsys, "directory without a checkpoint.npz")


def test_sample_label_of_a_conditional_model(tmp_path, capsys):
    out = tmp_path / "c"
    assert train(out, model="cgan", steps=1) == 0
    assert cli.main(["sample", "--ckpt", str(out), "--label", "12", "--out", str(tmp_path / "c.npy")]) == 2
    one_line_error(capsys, "--label", "[0, 9]", "got 12")
    assert cli.main(["sample", "--ckpt", str(out), "--label", "7", "--n", "3", "--out", str(tmp_path / "c.npz")]) == 0
    with np.load(tmp_path / "c.npz") as z:
        assert z["samples"].shape == (3, 1, 28, 28) and list(z["labels"]) == [7, 7, 7]
        trainer, _, _ = load_run(str(out))  # G's images of class 7 from --seed 0's latent points, not of another class
        for label, equal in ((7, True), (3, False)):
            want = generate(trainer, 3, np.full(3, label), rng=np.random.default_rng(0))
            assert np.array_equal(z["samples"], want) == equal, label


def test_a_text_file_as_checkpoint_never_suggests_pickle(tmp_path, capsys):
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    for argv in (["sample", "--ckpt", str(text), "--out", str(tmp_path / "s.png")], ["eval", "--ckpt", str(text)]):
        assert cli.main(argv) == 2
        err = one_line_error(capsys, "notes.npz")
        assert "pickle" not in err


def test_train_and_sample_end_to_end(tmp_path, capsys, monkeypatch):
    """``sample`` writes the samples as .npy and draws the same samples in the .png: blue
    where the picture's Axes puts each of them (random places mostly are not), the mode
    centres marked in red."""
    out = tmp_path / "run"
    assert train(out, model="lsgan", steps=3) == 0
    assert "pictures:" in capsys.readouterr().out
    ckpt = str(out / "checkpoint.npz")
    assert cli.main(["sample", "--ckpt", ckpt, "--n", "50", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (50, 2) and np.all(np.isfinite(samples))
    figures = saved_figures(monkeypatch)
    assert cli.main(["sample", "--ckpt", ckpt, "--n", "50", "--out", str(tmp_path / "s.png")]) == 0
    fig = figures["s.png"]
    image, ax = decode(tmp_path / "s.png", fig), fig.axes[0]
    assert bluish(pixels_at(image, ax, samples)[:, 0]).all()
    assert bluish(pixels_at(image, ax, random_points_in(ax, 1000))[:, 0]).mean() < 0.2
    _, dataset, _ = load_run(ckpt)
    assert near(pixels_at(image, ax, dataset.centres, radius=1), TAB_RED).all()
    assert cli.main(["sample", "--ckpt", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "x.png")]) == 2
    one_line_error(capsys, "no such file")


# --- the CLI and the presets say one thing; the CLI reaches every number ----------------

def test_every_config_field_is_a_flag_with_help():
    parser = cli.build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    options = {a.option_strings[0]: a for a in train._actions if a.option_strings}
    for f in dataclasses.fields(TrainConfig):
        action = options[cli.flag(f.name)]
        assert action.help and "default:" in action.help, f.name
    for sub in ("train", "sample", "eval"):
        args = parser.parse_args([sub, "--backend", "numpy", *(["--ckpt", "c", "--out", "o.png"] if sub == "sample"
                                                               else ["--ckpt", "c"] if sub == "eval" else [])])
        assert args.backend == "numpy"


def test_presets_own_their_defaults():
    assert TrainConfig(model="cgan").resolved().steps == 10000
    assert TrainConfig(model="wgan-gp").resolved().steps == 1000
    for name, preset in PRESETS.items():
        assert preset.game in GAMES, name
        config = TrainConfig(model=name).resolved()
        for f in dataclasses.fields(TrainConfig):   # a None default is a preset's value
            if f.default is None:
                assert getattr(config, f.name) == getattr(preset, f.name), (name, f.name)


def test_one_name_per_game():
    from npgan.gan.games import BCEGame
    for game in BCE_GAMES:
        assert BCEGame(game).generator_cost == game
    assert PRESETS["nsgan"].game == "non_saturating"


def played(trainer):
    """The game a trainer plays, unwrapped from the presets' JointPass."""
    return trainer.game.game if isinstance(trainer.game, JointPass) else trainer.game


def test_wgan_gp_algorithm_1_on_the_784_128_1_critic_is_one_command(tmp_path, capsys):
    out = tmp_path / "alg1"
    assert cli.main(["train", "--model", "wgan-gp-alg1", "--steps", "1", "--batch-size", "2", "--out", str(out),
                     "--no-progress"]) == 0
    trainer, _, config = load_run(str(out))
    assert (config.gp_lambda, config.n_critic, config.lr, config.betas, config.data) == (10.0, 5, 1e-4, (0.0, 0.9),
                                                                                         "digits")
    assert [v.shape for v in trainer.D.state_dict().values()] == [(128, 784), (128,), (1, 128), (1,)]
    assert played(trainer).lam == 10.0 and tuple(trainer.opt_d.param_groups[0]["betas"]) == (0.0, 0.9)


@pytest.mark.parametrize("model,flags,check", [
    ("wgan-gp", ["--gp-lambda", "3", "--betas", "0.1", "0.8"],
     lambda t: played(t).lam == 3.0 and t.opt_g.param_groups[0]["betas"] == (0.1, 0.8)),
    ("wgan", ["--clip", "0.05"], lambda t: played(t).clip == 0.05),
    ("lsgan", ["--lsgan-abc", "-1", "1", "0"], lambda t: (played(t).a, played(t).b, played(t).c) == (-1.0, 1.0, 0.0)),
    ("nsgan", ["--hidden", "5", "7", "--latent-dim", "3"],
     lambda t: t.latent_dim == 3 and [v.shape for v in t.G.state_dict().values()][::2] == [(5, 3), (7, 5), (2, 7)]),
])
def test_flags_reach_the_models_and_games(model, flags, check):
    parser = cli.build_parser()
    args = parser.parse_args(["train", "--model", model, *flags])
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    for name in ("betas", "hidden", "lsgan_abc"):
        if name in given:
            given[name] = tuple(given[name])
    trainer, _ = make_trainer(TrainConfig(**{"batch_size": 4, **given}).resolved())
    assert check(trainer)
