"""The training loop end to end: every model trains a few steps; resume equals an
uninterrupted run bit for bit; bad data paths and corrupt checkpoints fail clearly
and leave the run directory untouched (the command line: tests/app)."""
import os

import numpy as np
import pytest

from npgan.app.presets import PRESETS, TrainConfig
from npgan.app.run import checkpoint_state, load_run, make_trainer, train
from npgan.serialization import save_checkpoint

TINY = dict(hidden=(16, 16), batch_size=8, sample_every=3, checkpoint_every=2, log_every=1)


def tiny(model, steps, **kw):
    extra = dict(TINY)
    if PRESETS[model].architecture != "mlp":
        extra["batch_size"] = 2
        del extra["hidden"]
    extra.update(kw)
    return TrainConfig(model=model, steps=steps, **extra)


def params(trainer):
    return {**{"G." + k: v for k, v in trainer.G.state_dict().items()},
            **{"D." + k: v for k, v in trainer.D.state_dict().items()}}


@pytest.mark.parametrize("model", list(PRESETS))
def test_every_model_trains_a_few_steps(model, tmp_path):
    trainer = train(tiny(model, 3), str(tmp_path), progress=False, log=lambda s: None)
    assert trainer.step_count == 3
    for name, value in params(trainer).items():
        assert np.all(np.isfinite(value)), name
    for f in ("config.json", "metrics.csv", "checkpoint.npz", "loss_curve.png", "samples/step_000003.png"):
        assert os.path.exists(tmp_path / f), f


@pytest.mark.parametrize("model,update", [("wgan-gp", "alternating"), ("nsgan", "simultaneous"),
                                          ("wgan", "alternating"), ("cgan", "alternating"),
                                          ("pix2pix", "simultaneous"), ("pix2pix-l1", "alternating")])
def test_resume_continues_the_exact_trajectory(model, update, tmp_path):
    """A 3-step run extended to 6 equals a 6-step run (at a constant lr: a decaying one
    spreads over --steps, see the next test)."""
    kw = dict(update=update, lr_decay="none")
    straight = train(tiny(model, 6, **kw), str(tmp_path / "a"), progress=False, log=lambda s: None)
    train(tiny(model, 3, **kw), str(tmp_path / "b"), progress=False, log=lambda s: None)
    resumed = train(tiny(model, 6, **kw), str(tmp_path / "b"), resume=True, progress=False,
                    log=lambda s: None)
    a, b = params(straight), params(resumed)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert straight.rng.bit_generator.state == resumed.rng.bit_generator.state
    rows = (tmp_path / "b" / "metrics.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == [str(i) for i in range(1, 7)]


def test_resume_with_linear_lr_decay_continues_the_exact_trajectory(tmp_path):
    """A 6-step run with lr decaying to zero, stopped after its step 3 checkpoint (as if
    killed) and resumed, equals the uninterrupted run, learning rates included."""
    config = tiny("nsgan", 6, lr_decay="linear", checkpoint_every=3)
    straight = train(config, str(tmp_path / "a"), progress=False, log=lambda s: None)
    trainer, _ = make_trainer(config.resolved())
    for _ in range(3):
        trainer.step()
    os.makedirs(tmp_path / "b")
    save_checkpoint(str(tmp_path / "b" / "checkpoint.npz"), checkpoint_state(trainer, config.resolved()))
    resumed = train(config, str(tmp_path / "b"), resume=True, progress=False, log=lambda s: None)
    a, b = params(straight), params(resumed)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    lr = 2e-4 * (1 - 6 / 6)
    for opt in (straight.opt_g, straight.opt_d, resumed.opt_g, resumed.opt_d):
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, abs=1e-20)


def test_linear_lr_decay_reaches_the_optimizers():
    trainer, _ = make_trainer(tiny("nsgan", 4, lr_decay="linear", lr=1e-3).resolved())
    seen = []
    for _ in range(4):
        seen.append(trainer.opt_d.param_groups[0]["lr"])
        trainer.step()
    np.testing.assert_allclose(seen, [1e-3, 0.75e-3, 0.5e-3, 0.25e-3], rtol=1e-12)


def test_configs_saved_before_activation_and_lr_decay_existed_load_as_they_trained():
    saved = TrainConfig(model="wgan-gp").to_json()
    del saved["activation"], saved["lr_decay"]
    config = TrainConfig.from_json(saved).resolved()
    assert (config.activation, config.lr_decay) == ("leaky_relu", "none")


@pytest.mark.parametrize("field,value", [("activation", "gelu"), ("lr_decay", "cosine")])
def test_unknown_activation_or_schedule_is_a_clear_error(field, value):
    with pytest.raises(ValueError, match=f"{field}.*{value}"):
        TrainConfig(model="nsgan", **{field: value}).resolved()


def test_simultaneous_differs_from_alternating(tmp_path):
    a = train(tiny("nsgan", 2), str(tmp_path / "a"), progress=False, log=lambda s: None)
    s = train(tiny("nsgan", 2, update="simultaneous"), str(tmp_path / "s"), progress=False, log=lambda s: None)
    assert not np.array_equal(a.G.state_dict()["net.0.weight"], s.G.state_dict()["net.0.weight"])


def test_corrupt_checkpoint_is_a_clear_error_and_touches_nothing(tmp_path):
    run = tmp_path / "run"
    train(tiny("nsgan", 2), str(run), progress=False, log=lambda s: None)
    ckpt = run / "checkpoint.npz"
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*")}
    with pytest.raises(ValueError, match="checkpoint.npz"):
        train(tiny("nsgan", 4), str(run), resume=True, progress=False, log=lambda s: None)
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*")} == before


def test_foreign_checkpoint_and_wrong_model(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.ones(2))
    with pytest.raises(ValueError, match="not an npgan checkpoint"):
        load_run(str(foreign))
    run = tmp_path / "run"
    train(tiny("nsgan", 2), str(run), progress=False, log=lambda s: None)
    with pytest.raises(ValueError, match="resume"):
        train(tiny("lsgan", 4), str(run), resume=True, progress=False, log=lambda s: None)


def test_bad_data_path_is_a_clear_error(tmp_path):
    with pytest.raises((ValueError, FileNotFoundError), match="nowhere"):
        train(tiny("dcgan", 2, data="mnist:/nowhere/mnist"), str(tmp_path / "r"), progress=False)
    assert not (tmp_path / "r").exists()
