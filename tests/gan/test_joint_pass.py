"""JointPass (one pass of D on cat([real, fake])) against the plain game (two passes):
every game's discriminator loss and its gradient agree to rounding for per-sample
discriminators (MLP, packed, conditional, DCGAN conv); a D whose one pass would differ
(BatchNorm, Dropout, spectral norm, a layer it does not know) is refused with the reason;
whole training steps agree in float64; D's modules are read once, not at every update."""
import numpy as np
import pytest

import npgan as ng
from npgan import nn
from npgan.app.presets import PRESETS, TrainConfig, build
from npgan.gan import joint
from npgan.gan.games import BCEGame, HingeGame, LSGANGame, WGANGame, WGANGPGame
from npgan.gan.joint import JointPass, batch_coupling
from npgan.gan.models import MLPDiscriminator, MLPGenerator, PackedDiscriminator, dcgan_discriminator
from npgan.gan.trainer import BoundDiscriminator, GANTrainer
from npgan.nn.utils import spectral_norm

GAMES = {
    "minimax": lambda: BCEGame("minimax"),
    "non_saturating-smoothed": lambda: BCEGame("non_saturating", label_smoothing=0.1),
    "maximum_likelihood": lambda: BCEGame("maximum_likelihood"),
    "lsgan": lambda: LSGANGame(0.0, 1.0, 1.0),
    "wgan": lambda: WGANGame(0.01),
    "wgan-gp": lambda: WGANGPGame(10.0),
    "hinge": lambda: HingeGame(),
}


def mlp_d(shape=(3,)):
    return MLPDiscriminator(shape, (16, 8)).double()


def packed_d(pack):
    return PackedDiscriminator((3,), pack, (16, 8), "relu").double()


def conv_d():
    return dcgan_discriminator(dropout=0.0).double()


def batches(shape, n, seed=1):
    rng = np.random.default_rng(seed)
    return (ng.tensor(rng.standard_normal((n,) + shape), dtype=np.float64),
            ng.tensor(rng.standard_normal((n,) + shape) * 0.5 + 1.0, dtype=np.float64))


def count_calls(D):
    """Wrap D's forward in a counter (a plain attribute, so D's module tree is unchanged)."""
    calls = []
    forward = D.forward

    def counted(*args):
        calls.append(args[0].shape[0])
        return forward(*args)
    D.forward = counted
    return calls


def loss_and_grads(game, D, real, fake, labels=None):
    """L_D, its metrics and dL_D/dW, with the same interpolation eps for every call."""
    loss, metrics = game.discriminator_loss(BoundDiscriminator(D, labels), real, fake, np.random.default_rng(7))
    grads = ng.grad(loss, list(D.parameters()), allow_unused=True)
    return loss.item(), {k: v.item() for k, v in metrics.items()}, [None if g is None else g.data for g in grads]


def assert_one_pass_equals_two(game_name, D, real, fake, labels=None):
    calls = count_calls(D)
    two = loss_and_grads(GAMES[game_name](), D, real, fake, labels)
    n_two, calls[:] = list(calls), []
    one = loss_and_grads(JointPass(GAMES[game_name](), D), D, real, fake, labels)
    n = real.shape[0]
    penalty = [n] if game_name == "wgan-gp" else []  # D(x_hat) stays a pass of its own
    assert n_two == [n, n] + penalty
    assert calls == [2 * n] + penalty
    assert one[0] == pytest.approx(two[0], abs=1e-12, rel=1e-12)
    assert one[1].keys() == two[1].keys()
    for k in one[1]:
        assert one[1][k] == pytest.approx(two[1][k], abs=1e-12, rel=1e-12), k
    for g1, g2 in zip(one[2], two[2]):
        assert (g1 is None) == (g2 is None)
        if g1 is not None:
            np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("game_name", list(GAMES))
def test_mlp_one_pass_equals_two(game_name):
    ng.manual_seed(0)
    real, fake = batches((3,), 8)
    assert_one_pass_equals_two(game_name, mlp_d(), real, fake)


@pytest.mark.parametrize("pack", [2, 4])
@pytest.mark.parametrize("game_name", list(GAMES))
def test_packed_one_pass_equals_two(game_name, pack):
    """Real groups and fake groups stay apart: D scores 8/pack real and 8/pack fake groups."""
    ng.manual_seed(0)
    real, fake = batches((3,), 8)
    assert_one_pass_equals_two(game_name, packed_d(pack), real, fake)


@pytest.mark.parametrize("game_name", ["non_saturating-smoothed", "wgan-gp"])
def test_dcgan_conv_critic_one_pass_equals_two(game_name):
    ng.manual_seed(0)
    real, fake = batches((1, 28, 28), 4)
    assert_one_pass_equals_two(game_name, conv_d(), real, fake)


def test_conditional_d_gets_the_labels_twice():
    ng.manual_seed(0)
    D = MLPDiscriminator((3,), (16, 8), num_classes=4).double()
    real, fake = batches((3,), 6)
    assert_one_pass_equals_two("minimax", D, real, fake, labels=np.array([0, 3, 1, 2, 2, 0]))


def test_per_sample_layers_of_every_kind():
    ng.manual_seed(0)
    D = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.0), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 4),
                      nn.Sigmoid(), nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.Flatten(), nn.ReLU(),
                      nn.Linear(4, 1)).double()
    assert batch_coupling(D) == []
    real, fake = batches((3,), 8)
    assert_one_pass_equals_two("minimax", D, real, fake)


def test_packed_groups_that_would_straddle_real_and_fake_fall_back_to_two_passes():
    """2 real + 2 fake with pack 4 would make one group of both: two passes, and D's error."""
    D = packed_d(4)
    real, fake = batches((3,), 2)
    calls = count_calls(D)
    with pytest.raises(ValueError, match="PackedDiscriminator.*2 samples.*pack = 4"):
        JointPass(BCEGame(), D).discriminator_loss(BoundDiscriminator(D), real, fake)
    assert calls == [2]


# --- which discriminators it takes --------------------------------------------------------

class MinibatchStddev(nn.Module):
    """A user-defined layer that mixes the batch (ProGAN's minibatch standard deviation)."""

    def forward(self, x):
        return x + (x - x.mean(0)).abs().mean()


class OverriddenLinear(nn.Linear):
    def forward(self, input):
        return super().forward(input) - super().forward(input).mean(0)


@pytest.mark.parametrize("D,reason", [
    (nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Linear(8, 1)),
     "1 (BatchNorm1d): normalizes with the batch statistics"),
    (nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Linear(8, 1)).eval(),  # judged as it trains
     "1 (BatchNorm1d): normalizes with the batch statistics"),
    (nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.3), nn.Linear(4, 1)),
     "1 (Dropout): one dropout mask for both batches, not one each"),
    (nn.Sequential(spectral_norm(nn.Linear(3, 4)), nn.ReLU(), nn.Linear(4, 1)),
     "0 (Linear): spectral norm's power iteration would run once, not twice"),
    (nn.Sequential(nn.Linear(3, 4), MinibatchStddev(), nn.Linear(4, 1)),
     "1 (MinibatchStddev): not a known per-sample layer"),
    (nn.Sequential(OverriddenLinear(3, 4), nn.Linear(4, 1)), "0 (OverriddenLinear): not a known per-sample layer"),
    (nn.Sequential(nn.Flatten(0), nn.Linear(24, 1)), "0 (Flatten): start_dim=0 may merge the batch axis"),
    (nn.Sequential(nn.Flatten(-2), nn.Linear(3, 1)), "0 (Flatten): start_dim=-2 may merge the batch axis"),
    (nn.Sequential(nn.Unflatten(0, (2, 4)), nn.Linear(3, 1)), "0 (Unflatten): dim=0 may split the batch axis"),
], ids=["batch-norm", "batch-norm-eval", "dropout", "spectral-norm", "user-layer", "overridden-forward",
        "flatten-0", "flatten-negative", "unflatten-0"])
def test_a_d_whose_one_pass_differs_is_refused_with_the_reason(D, reason):
    assert batch_coupling(D) == [reason]
    with pytest.raises(ValueError, match=r"JointPass: one pass of D .* would not equal two passes: "
                                         + reason.replace("(", r"\(").replace(")", r"\)")):
        JointPass(BCEGame(), D)


def test_every_reason_is_listed():
    D = nn.Sequential(spectral_norm(nn.Linear(3, 4)), MinibatchStddev(), nn.BatchNorm1d(4), nn.Dropout(0.5))
    assert batch_coupling(D) == ["0 (Linear): spectral norm's power iteration would run once, not twice",
                                 "1 (MinibatchStddev): not a known per-sample layer",
                                 "2 (BatchNorm1d): normalizes with the batch statistics",
                                 "3 (Dropout): one dropout mask for both batches, not one each"]


def test_another_discriminator_than_the_wrapped_one_is_refused():
    game = JointPass(BCEGame(), mlp_d())
    real, fake = batches((3,), 4)
    with pytest.raises(ValueError, match="other than the one it was made for"):
        game.discriminator_loss(BoundDiscriminator(mlp_d()), real, fake)


def test_the_presets_choose_the_joint_pass_where_their_d_allows_it():
    for model, preset in PRESETS.items():
        data = "ring8" if preset.architecture == "mlp" and not preset.conditional else "digits"
        data = preset.data if preset.architecture == "unet" else data
        G, D, opt_g, opt_d, game, dataset = build(TrainConfig(model=model, data=data).resolved())
        if not preset.adversarial:  # pix2pix's L1 ablation: no game, D never trained
            assert game is None and not preset.joint_pass, model
            continue
        assert isinstance(game, JointPass) == preset.joint_pass, model
        # unrolling's simulated D steps would not use the joint pass (npgan.app.presets.build)
        assert (batch_coupling(D) == [] and not preset.unroll) == preset.joint_pass, model


# --- whole training steps ---------------------------------------------------------------

def sample_real(n, rng):
    return rng.normal(1.0, 0.5, (n, 3)), rng.integers(0, 4, n)


def sgd(params):
    return ng.optim.SGD(params, lr=0.05, momentum=0.5)


def adam_2e4(params):
    return ng.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def make_trainer(make_d, joint_pass, game, n_critic=1, update="alternating", num_classes=None, optimizer=sgd):
    """The same seed gives the same weights for every trainer."""
    ng.manual_seed(0)
    D = make_d()
    G = MLPGenerator(2, (3,), (8,), num_classes=num_classes).double()
    game = GAMES[game]()
    if joint_pass:
        game = JointPass(game, D)
    return GANTrainer(G, D, optimizer(G.parameters()), optimizer(D.parameters()), game, sample_real, 2, 8,
                      n_critic, update=update, num_classes=num_classes, seed=0)


def params(trainer):
    return [p.data.copy() for p in list(trainer.D.parameters()) + list(trainer.G.parameters())]


# The joint pass changes only rounding (the weight gradient sums 2N rows in one GEMM), so
# with SGD 3 steps agree to 1e-12. Adam magnifies one kind of rounding: a gradient entry
# that is exactly 0 in two passes (the WGAN critic's E f(G(z)) - E f(x) through a hidden
# bias whose unit has the same slope on every sample cancels exactly) comes out ~1e-18 from
# the joint batch's sum, and Adam's first update is lr * g / (|g| + eps) ~ lr * 1e-10: at
# lr 2e-4 that is within 1e-10 after 3 steps (at lr 1e-2 it is not).
@pytest.mark.parametrize("optimizer,atol", [(sgd, 1e-12), (adam_2e4, 1e-10)], ids=["sgd", "adam"])
@pytest.mark.parametrize("game,n_critic,update", [
    ("minimax", 1, "alternating"), ("non_saturating-smoothed", 2, "simultaneous"), ("lsgan", 1, "alternating"),
    ("wgan", 3, "alternating"), ("wgan-gp", 3, "alternating"), ("hinge", 1, "simultaneous")])
def test_training_steps_with_one_pass_equal_two_passes(game, n_critic, update, optimizer, atol):
    one = make_trainer(mlp_d, True, game, n_critic, update, optimizer=optimizer)
    two = make_trainer(mlp_d, False, game, n_critic, update, optimizer=optimizer)
    calls = count_calls(one.D)
    for _ in range(3):
        m1, m2 = one.step(), two.step()
        assert m1.keys() == m2.keys()
        for k in m1:
            assert m1[k] == pytest.approx(m2[k], rel=atol, abs=atol), k
    assert calls.count(16) == 3 * n_critic  # one pass of 8 real + 8 fake per D update
    for x, y in zip(params(one), params(two)):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)
    assert one.rng.bit_generator.state == two.rng.bit_generator.state


@pytest.mark.parametrize("kind", ["packed", "conditional", "dropout-p0"])
def test_training_steps_with_one_pass_equal_two_passes_other_ds(kind):
    num_classes = 4 if kind == "conditional" else None
    D = {"packed": lambda: packed_d(4),
         "conditional": lambda: MLPDiscriminator((3,), (16, 8), num_classes=4).double(),
         "dropout-p0": lambda: nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.0), nn.LeakyReLU(0.2),
                                             nn.Linear(8, 1)).double()}[kind]
    one, two = (make_trainer(D, j, "non_saturating-smoothed", num_classes=num_classes, optimizer=adam_2e4)
                for j in (True, False))
    for _ in range(3):
        one.step()
        two.step()
    for x, y in zip(params(one), params(two)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-10)


def test_d_is_read_once_not_at_every_update(monkeypatch):
    trainer = make_trainer(mlp_d, True, "wgan-gp", n_critic=3)

    def walked(D):
        raise AssertionError("batch_coupling ran again during training")
    monkeypatch.setattr(joint, "batch_coupling", walked)
    for _ in range(2):
        trainer.step()
