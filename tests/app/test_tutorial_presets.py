"""The presets of issue 15 (fgan, sngan, sngan-dcgan, unrolled, minibatch, mbstd,
minibatch-digits) build what they say; --divergence and --unroll reach the game; bad values
are one line on stderr, exit code 2 and nothing written."""
import numpy as np
import pytest

from npgan import nn, tensor
from npgan.app import cli
from npgan.app.presets import TrainConfig, build
from npgan.gan.divergences import DIVERGENCES
from npgan.gan.fgan import FGANGame
from npgan.gan.games import HingeGame
from npgan.gan.joint import JointPass
from npgan.gan.minibatch_models import MinibatchMLPDiscriminator
from npgan.gan.unrolled import UnrolledGame
from npgan.nn import MinibatchDiscrimination, MinibatchStdDev
from npgan.nn.utils import spectral_norm_hooks


def test_unrolled_preset_unrolls_five_steps_and_any_adam_model_can():
    _, D, _, opt_d, game, _ = build(TrainConfig(model="unrolled", hidden=(8,)).resolved())
    assert isinstance(game, UnrolledGame) and game.unroll == 5 and game.optimizer is opt_d and game.discriminator is D
    _, _, _, _, game, _ = build(TrainConfig(model="nsgan", unroll=2, hidden=(8,)).resolved())
    assert isinstance(game, UnrolledGame) and game.unroll == 2
    _, _, _, _, game, _ = build(TrainConfig(model="unrolled", unroll=0, hidden=(8,)).resolved())
    assert not isinstance(game, UnrolledGame)


@pytest.mark.parametrize("model, layer", [("minibatch", MinibatchDiscrimination), ("mbstd", MinibatchStdDev),
                                          ("minibatch-digits", MinibatchDiscrimination)])
def test_minibatch_presets(model, layer):
    _, D, _, _, _, _ = build(TrainConfig(model=model, hidden=(8,)).resolved())
    assert isinstance(D, MinibatchMLPDiscriminator) and isinstance(D.minibatch, layer)


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_divergence_reaches_the_fgan_game(name):
    _, _, _, _, game, _ = build(TrainConfig(model="fgan", divergence=name, hidden=(8,)).resolved())
    assert isinstance(game, JointPass)  # fgan's MLP critic treats each sample on its own
    game = game.game
    assert isinstance(game, FGANGame) and game.divergence is DIVERGENCES[name]
    assert TrainConfig(model="fgan").resolved().divergence == "kl"


@pytest.mark.parametrize("model, layers", [("sngan", 4), ("sngan-dcgan", 3)])
def test_sngan_normalizes_every_layer_of_D_and_plays_hinge(model, layers):
    _, D, _, _, game, _ = build(TrainConfig(model=model).resolved())
    weighted = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert len(weighted) == layers and all(len(spectral_norm_hooks(m)) == 1 for m in weighted)
    assert not any(isinstance(m, nn.Dropout) for m in D.modules())
    assert isinstance(game, HingeGame)


def test_sngan_layers_have_unit_spectral_norm_once_the_power_iteration_converged():
    _, D, _, _, _, _ = build(TrainConfig(model="sngan", hidden=(16, 8)).resolved())
    x = np.zeros((1, 2), dtype=np.float32)
    for _ in range(200):   # each training-mode forward is one power-iteration step
        D(tensor(x))
    for m in D.modules():
        if isinstance(m, nn.Linear):
            assert abs(np.linalg.svd(m.weight.data.astype(np.float64), compute_uv=False)[0] - 1.0) < 1e-3


@pytest.mark.parametrize("flags, needles", [
    (["--model", "fgan", "--divergence", "chi2"], ["--divergence", "chi2"]),
    (["--model", "nsgan", "--divergence", "kl"], ["--divergence", "does not use it"]),
    (["--model", "unrolled", "--unroll", "-1"], ["--unroll", "got -1"]),
    (["--model", "unrolled", "--unroll", "1000"], ["--unroll", "got 1000"]),
    (["--model", "unrolled", "--unroll", "two"], ["--unroll", "invalid int"]),
    (["--model", "wgan", "--unroll", "3"], ["--unroll", "can't be unrolled"]),
    (["--model", "cgan", "--unroll", "3"], ["--unroll", "can't be unrolled"]),
    (["--model", "minibatch", "--pack", "2"], ["--pack", "minibatch features"]),
    (["--model", "sngan", "--gp-lambda", "1"], ["--gp-lambda", "does not use it"]),
    (["--model", "sngan-dcgan", "--hidden", "16"], ["--hidden", "dcgan"]),
    (["--model", "fgan", "--betas", "0.5", "-0.1"], ["--betas", ">= 0.0"]),
])
def test_bad_values_are_one_line_exit_2_and_nothing_written(flags, needles, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--no-progress", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert not out.exists()


@pytest.mark.slow
def test_sngan_preset_covers_ring8_where_nsgans_betas_collapse():
    """The sngan preset's betas (0, 0.9): 1,000 steps on ring8 cover all 8 modes (seed 0); the same
    SN critic with nsgan's betas (0.5, 0.999) collapsed to at most 2 (measured for issue 15)."""
    from npgan.app.run import generate, make_trainer
    from npgan.metrics import N_SAMPLES, mode_coverage

    def modes(betas):
        trainer, data = make_trainer(TrainConfig(model="sngan", steps=1000, betas=betas).resolved())
        for _ in range(1000):
            trainer.step()
        samples = generate(trainer, N_SAMPLES, rng=np.random.default_rng([0, 1]))
        return mode_coverage(samples, data.centres, data.std).modes_covered

    assert TrainConfig(model="sngan").resolved().betas == (0.0, 0.9)
    assert modes((0.0, 0.9)) == 8
    assert modes((0.5, 0.999)) <= 2
