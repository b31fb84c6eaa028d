"""The presets of issue 15 (fgan, sngan, sngan-dcgan, unrolled, minibatch, mbstd,
minibatch-digits, vbn and its BatchNorm control bn) build what they say; --divergence and --unroll reach the game; bad values
are one line on stderr, exit code 2 and nothing written."""
import numpy as np
import pytest

from npgan import nn, tensor
from npgan.app import cli
from npgan.app.presets import Preset, TrainConfig, build
from npgan.app.run import generate, make_trainer
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
    (["--model", "vbn", "--divergence", "kl"], ["--divergence", "does not use it"]),
    (["--model", "vbn", "--hidden", "0"], ["--hidden", "got 0"]),
    (["--model", "bn", "--clip", "0.1"], ["--clip", "does not use it"]),
])
def test_bad_values_are_one_line_exit_2_and_nothing_written(flags, needles, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--no-progress", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert not out.exists()


def _vbn_generator_in_numpy(G, z):
    """G(z) of the vbn preset's generator written out in NumPy from its weights: each
    VirtualBatchNorm normalizes a sample x with mean = x/(N+1) + N/(N+1) mean_ref and
    mean_sq = x^2/(N+1) + N/(N+1) mean_sq_ref, the reference batch with its own statistics."""
    reference, x = G.reference.data.astype(np.float64), np.asarray(z, dtype=np.float64)
    n = reference.shape[0]
    for layer in G.module:
        if isinstance(layer, nn.Linear):
            w = layer.weight.data
            b = 0.0 if layer.bias is None else layer.bias.data
            reference, x = reference @ w.T + b, x @ w.T + b
        elif isinstance(layer, nn.VirtualBatchNorm):
            ref_mean, ref_mean_sq = reference.mean(0), (reference * reference).mean(0)
            mean = x / (n + 1) + n / (n + 1) * ref_mean
            mean_sq = x * x / (n + 1) + n / (n + 1) * ref_mean_sq
            scale, shift = layer.weight.data, layer.bias.data
            x = (x - mean) / np.sqrt(mean_sq - mean * mean + layer.eps) * scale + shift
            reference = (reference - ref_mean) / np.sqrt(ref_mean_sq - ref_mean ** 2 + layer.eps) * scale + shift
        else:
            assert isinstance(layer, nn.ReLU), layer  # the preset's MLPs are ReLU (TOY)
            reference, x = np.maximum(reference, 0), np.maximum(x, 0)
    return x


def _two_batches_sharing_z0(latent_dim, batch=16):
    rng = np.random.default_rng(7)
    z = rng.standard_normal((batch, latent_dim))
    other = np.concatenate([z[:1], 1.0 + rng.standard_normal((batch - 1, latent_dim))])
    return z, other


def test_vbn_preset_samples_do_not_depend_on_their_batch_mates_through_the_trainer():
    """After 20 training steps, G(z_0) in the batch D and G's update see (training mode) is the
    same to 1e-12 in two batches whose other samples differ, and equals the NumPy
    VirtualBatchNorm forward with the reference batch fixed at step 0; sampling (eval mode)
    gives the same. The BatchNorm control's G(z_0) moves with its batch-mates."""
    config = TrainConfig(model="vbn", hidden=(16, 16), dtype="float64").resolved()
    trainer, _ = make_trainer(config)
    reference = trainer.G.reference.data.copy()
    assert reference.shape == (config.batch_size, config.latent_dim)
    for _ in range(20):
        trainer.step()
    np.testing.assert_array_equal(trainer.G.reference.data, reference)  # fixed at the start, never trained
    assert [type(m) for m in trainer.G.modules()].count(nn.VirtualBatchNorm) == 2
    z, other = _two_batches_sharing_z0(config.latent_dim)
    trained = trainer.generate(tensor(z)).numpy()
    assert trainer.G.training
    assert np.abs(trained[0] - trainer.generate(tensor(other)).numpy()[0]).max() < 1e-12
    assert np.abs(trained[::-1] - trainer.generate(tensor(z[::-1])).numpy()).max() < 1e-12
    np.testing.assert_allclose(trained, _vbn_generator_in_numpy(trainer.G, z), rtol=0, atol=1e-10)
    np.testing.assert_allclose(generate(trainer, 16, rng=np.random.default_rng(7)), trained, rtol=0, atol=1e-12)

    control, _ = make_trainer(TrainConfig(model="bn", hidden=(16, 16), dtype="float64").resolved())
    for _ in range(20):
        control.step()
    assert np.abs(control.generate(tensor(z)).numpy()[0] - control.generate(tensor(other)).numpy()[0]).max() > 1e-3


def test_vbn_and_bn_differ_from_nsgan_only_in_Gs_normalization():
    vbn, bn, nsgan = (TrainConfig(model=m).resolved() for m in ("vbn", "bn", "nsgan"))
    assert {**vbn.to_json(), "model": "nsgan"} == nsgan.to_json() == {**bn.to_json(), "model": "nsgan"}
    G, D, _, _, _, _ = build(vbn)
    G_bn, D_bn, _, _, _, _ = build(bn)
    assert type(D) is type(D_bn) is type(build(nsgan)[1])
    assert [type(m) for m in G_bn.modules()].count(nn.BatchNorm1d) == 3
    assert [type(m) for m in G.modules()].count(nn.VirtualBatchNorm) == 3
    with pytest.raises(ValueError, match="g_norm"):
        Preset("non_saturating", "dcgan", "digits", "adam", 2e-4, g_norm="virtual")


@pytest.mark.slow
def test_sngan_preset_covers_ring8_where_nsgans_betas_collapse():
    """The sngan preset's betas (0, 0.9): 1,000 steps on ring8 cover all 8 modes (seed 0); the same
    SN critic with nsgan's betas (0.5, 0.999) collapsed to at most 2 (measured for issue 15)."""
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
