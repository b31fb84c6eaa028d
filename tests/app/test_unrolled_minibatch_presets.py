"""The unrolled and minibatch presets build what they say, and bad unroll values are refused."""
import pytest

from npgan.app.cli import main
from npgan.app.presets import TrainConfig, build
from npgan.gan.minibatch_models import MinibatchMLPDiscriminator
from npgan.gan.unrolled import UnrolledGame
from npgan.nn import MinibatchDiscrimination, MinibatchStdDev


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


@pytest.mark.parametrize("kwargs, message", [({"model": "unrolled", "unroll": -1}, "unroll: must be an integer"),
                                             ({"model": "wgan", "unroll": 3}, "can't be unrolled"),
                                             ({"model": "cgan", "unroll": 3}, "can't be unrolled")])
def test_bad_unroll(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs).resolved()


def test_cli_rejects_a_negative_unroll(tmp_path, capsys):
    assert main(["train", "--model", "unrolled", "--unroll", "-1", "--out", str(tmp_path / "run")]) == 2
    assert "unroll" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
