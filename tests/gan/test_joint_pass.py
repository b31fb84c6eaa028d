"""One pass of D on cat([real, fake]) against two passes: every game's discriminator loss
and its gradient agree to rounding for per-sample discriminators (MLP, packed, DCGAN
conv); "auto" falls back to two passes for a D that mixes the batch (BatchNorm in
training mode) or that it does not know; whole training steps agree in float64."""
import numpy as np
import pytest

import npgan as ng
from npgan import nn
from npgan.gan.games import BCEGame, HingeGame, LSGANGame, WGANGame, WGANGPGame
from npgan.gan.joint import Critic, batch_coupling
from npgan.gan.models import MLPDiscriminator, MLPGenerator, PackedDiscriminator, dcgan_discriminator
from npgan.gan.trainer import GANTrainer
from npgan.nn.utils import spectral_norm

GAMES = {
    "bce-minimax": lambda: BCEGame("minimax"),
    "bce-ns-smoothed": lambda: BCEGame("non_saturating", label_smoothing=0.1),
    "bce-ml": lambda: BCEGame("maximum_likelihood"),
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


def loss_and_grads(game_name, D, critic, real, fake):
    game = GAMES[game_name]()
    if isinstance(game, WGANGPGame):
        game.generator = np.random.default_rng(7)  # the same interpolation eps for both passes
    loss, metrics = game.discriminator_loss(critic, real, fake)
    params = list(D.parameters())
    grads = ng.grad(loss, params, allow_unused=True)
    return loss.item(), metrics, [None if g is None else g.data for g in grads]


def assert_one_pass_equals_two(game_name, D, real, fake):
    found = batch_coupling(D)
    assert found.per_sample, (found.coupled, found.unknown)
    calls = count_calls(D)
    two = loss_and_grads(game_name, D, Critic(D, None, joint=False, packs=found.packs), real, fake)
    n_two, calls[:] = list(calls), []
    one = loss_and_grads(game_name, D, Critic(D, None, joint=True, packs=found.packs), real, fake)
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


@pytest.mark.parametrize("game_name", ["bce-ns-smoothed", "wgan-gp"])
def test_dcgan_conv_critic_one_pass_equals_two(game_name):
    ng.manual_seed(0)
    real, fake = batches((1, 28, 28), 4)
    assert_one_pass_equals_two(game_name, conv_d(), real, fake)


def test_dropout_with_p0_and_eval_batch_norm_are_per_sample():
    ng.manual_seed(0)
    D = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.0), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 4),
                      nn.BatchNorm1d(4), nn.Sigmoid(), nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.Flatten(),
                      nn.ReLU(), nn.Linear(4, 1)).double()
    for _ in range(3):  # running statistics that are not the defaults
        D(batches((3,), 8)[0])
    D[5].eval()
    real, fake = batches((3,), 8)
    assert_one_pass_equals_two("bce-minimax", D, real, fake)


def test_spectral_norm_runs_one_power_iteration_per_joint_pass():
    """One pass = D(real) with the power iteration, then D(fake) at the same sigma."""
    def sn_d():
        ng.manual_seed(0)
        return nn.Sequential(spectral_norm(nn.Linear(3, 8)), nn.LeakyReLU(0.2), spectral_norm(nn.Linear(8, 1))).double()
    real, fake = batches((3,), 8)
    D = sn_d()
    one = loss_and_grads("bce-minimax", D, Critic(D, None, joint=True), real, fake)
    reference = sn_d()

    def real_then_fake_at_the_same_sigma(x):
        if x is real:
            return reference(x)
        reference.eval()  # no power iteration (and nothing else differs in this D)
        try:
            return reference(x)
        finally:
            reference.train()
    two = loss_and_grads("bce-minimax", reference, real_then_fake_at_the_same_sigma, real, fake)
    assert one[0] == pytest.approx(two[0], rel=1e-13)
    for g1, g2 in zip(one[2], two[2]):
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-14)
    for k, v in D.state_dict().items():  # u, v advanced by one power iteration in both
        np.testing.assert_allclose(v, reference.state_dict()[k], rtol=1e-13, atol=1e-15, err_msg=k)


def test_packed_groups_that_would_straddle_real_and_fake_fall_back_to_two_passes():
    """2 real + 2 fake with pack 4 would make one group of both: two passes, and D's error."""
    D = packed_d(4)
    real, fake = batches((3,), 2)
    with pytest.raises(ValueError, match="PackedDiscriminator.*2 samples.*pack = 4"):
        Critic(D, None, joint=True, packs=batch_coupling(D).packs).joint_scores(real, fake)


def test_conditional_critic_gets_the_labels_twice():
    ng.manual_seed(0)
    D = MLPDiscriminator((3,), (16, 8), num_classes=4).double()
    real, fake = batches((3,), 6)
    labels = np.array([0, 3, 1, 2, 2, 0])
    calls = count_calls(D)
    r1, f1 = Critic(D, labels, joint=True).joint_scores(real, fake)
    assert calls == [12]
    r2, f2 = D(real, ng.tensor(labels)), D(fake, ng.tensor(labels))
    np.testing.assert_allclose(r1.data, r2.data, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(f1.data, f2.data, rtol=1e-13, atol=1e-15)


# --- what "auto" decides ----------------------------------------------------------------

class MinibatchStddev(nn.Module):
    """A user-defined layer that mixes the batch (ProGAN's minibatch standard deviation)."""

    def forward(self, x):
        return x + (x - x.mean(0)).abs().mean()


class OverriddenLinear(nn.Linear):
    def forward(self, input):
        return super().forward(input) - super().forward(input).mean(0)


def sample_real(n, rng):
    return rng.normal(1.0, 0.5, (n, 3)), rng.integers(0, 4, n)


def adam(params):
    return ng.optim.Adam(params, lr=1e-2, betas=(0.5, 0.9))


def make_trainer(D, mode="auto", game="bce-minimax", batch=8, n_critic=1, num_classes=None, seed=0,
                 update="alternating", optimizer=adam):
    """``D`` is a module, or a function that builds one (after seeding: the same weights
    for every trainer made with the same seed)."""
    ng.manual_seed(seed)
    D = D() if not isinstance(D, nn.Module) else D
    G = MLPGenerator(2, (3,), (8,), num_classes=num_classes).double()
    game = GAMES[game]()
    return GANTrainer(G, D, optimizer(G.parameters()), optimizer(D.parameters()), game, sample_real, 2, batch,
                      n_critic, update=update, num_classes=num_classes, seed=seed, joint_discriminator_pass=mode)


def bn_d():
    return nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Linear(8, 1)).double()


def test_auto_picks_one_pass_for_per_sample_and_two_for_batch_coupled_or_unknown_ds():
    assert make_trainer(mlp_d()).uses_joint_pass()
    assert make_trainer(packed_d(4)).uses_joint_pass()
    # Dropout and spectral norm would draw differently in one pass: "auto" keeps two, True takes one
    for redrawn in (lambda: nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.3), nn.Linear(4, 1)).double(),
                    lambda: nn.Sequential(spectral_norm(nn.Linear(3, 4)), nn.ReLU(),
                                          spectral_norm(nn.Linear(4, 1))).double()):
        assert not make_trainer(redrawn()).uses_joint_pass()
        assert make_trainer(redrawn(), mode=True).uses_joint_pass()
        evaluated = redrawn().eval()  # neither draws in eval mode
        assert make_trainer(evaluated).uses_joint_pass()
    assert not make_trainer(mlp_d(), mode=False).uses_joint_pass()
    trainer = make_trainer(bn_d())
    assert not trainer.uses_joint_pass()
    trainer.D.eval()  # BatchNorm on running statistics treats each sample on its own
    assert trainer.uses_joint_pass()
    for D in (nn.Sequential(nn.Linear(3, 4), MinibatchStddev(), nn.Linear(4, 1)),
              nn.Sequential(OverriddenLinear(3, 4), nn.Linear(4, 1)),
              nn.Sequential(nn.Flatten(0), nn.Linear(24, 1)),
              nn.Sequential(nn.Flatten(-2), nn.Linear(3, 1))):
        assert not make_trainer(D.double()).uses_joint_pass(), D
    D = mlp_d()
    D.register_forward_pre_hook(lambda module, args: None)
    assert not make_trainer(D).uses_joint_pass()
    found = batch_coupling(nn.Sequential(nn.Linear(3, 4), MinibatchStddev(), nn.BatchNorm1d(4)))
    assert found.unknown == ["1 (MinibatchStddev): not a known per-sample layer"]
    assert found.coupled == ["2 (BatchNorm1d): normalizes with the batch statistics (training mode)"]
    found = batch_coupling(nn.Sequential(spectral_norm(nn.Linear(3, 4)), nn.Dropout(0.3), nn.Dropout(0.0)))
    assert found.per_sample and found.redrawn == [
        "0 (Linear): spectral norm's power iteration would run once, not twice",
        "1 (Dropout): one dropout mask for both batches, not one each"]


def params(trainer):
    return [p.data.copy() for p in list(trainer.D.parameters()) + list(trainer.G.parameters())]


def test_auto_with_batch_norm_is_the_two_pass_trajectory_bit_for_bit():
    a, b = make_trainer(bn_d, "auto"), make_trainer(bn_d, False)
    for _ in range(3):
        assert a.step() == b.step()
    for x, y in zip(params(a), params(b)):
        np.testing.assert_array_equal(x, y)
    for k, v in a.D.state_dict().items():  # the running statistics too
        np.testing.assert_array_equal(v, b.D.state_dict()[k], err_msg=k)


def test_forcing_one_pass_on_a_batch_mixing_d_is_a_clear_error():
    with pytest.raises(ValueError, match=r"joint_discriminator_pass=True.*1 \(BatchNorm1d\).*batch statistics"):
        make_trainer(bn_d(), True)
    trainer = make_trainer(bn_d().eval(), True)
    trainer.D.train()
    state = trainer.rng.bit_generator.state
    with pytest.raises(ValueError, match="joint_discriminator_pass=True"):
        trainer.step()
    assert trainer.rng.bit_generator.state == state  # refused before drawing anything


def test_forcing_one_pass_trusts_user_modules():
    D = nn.Sequential(nn.Linear(3, 4), MinibatchStddev(), nn.Linear(4, 1)).double()
    assert make_trainer(D, True).uses_joint_pass()


@pytest.mark.parametrize("mode", ["yes", 1, 0, None, "True"])
def test_joint_discriminator_pass_is_validated(mode):
    with pytest.raises(ValueError, match="joint_discriminator_pass must be 'auto', True or False"):
        make_trainer(mlp_d(), mode)


# --- whole training steps ---------------------------------------------------------------

def sgd(params):
    return ng.optim.SGD(params, lr=0.05, momentum=0.5)


def adam_2e4(params):
    return ng.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


# The joint pass changes only rounding (the weight gradient sums 2N rows in one GEMM), so
# with SGD 3 steps agree to 1e-12. Adam magnifies one kind of rounding: a gradient entry
# that is exactly 0 in two passes (the WGAN critic's E f(G(z)) - E f(x) through a hidden
# bias whose unit has the same slope on every sample cancels exactly) comes out ~1e-18 from
# the joint batch's sum, and Adam's first update is lr * g / (|g| + eps) ~ lr * 1e-10: at
# lr 2e-4 that is within 1e-10 after 3 steps (at lr 1e-2 it is not).
@pytest.mark.parametrize("optimizer,atol", [(sgd, 1e-12), (adam_2e4, 1e-10)], ids=["sgd", "adam"])
@pytest.mark.parametrize("game,n_critic,update", [
    ("bce-minimax", 1, "alternating"), ("bce-ns-smoothed", 2, "simultaneous"), ("lsgan", 1, "alternating"),
    ("wgan", 3, "alternating"), ("wgan-gp", 3, "alternating"), ("hinge", 1, "simultaneous")])
def test_training_steps_with_one_pass_equal_two_passes(game, n_critic, update, optimizer, atol):
    joint = make_trainer(mlp_d, "auto", game, n_critic=n_critic, update=update, optimizer=optimizer)
    two = make_trainer(mlp_d, False, game, n_critic=n_critic, update=update, optimizer=optimizer)
    assert joint.uses_joint_pass() and not two.uses_joint_pass()
    for _ in range(3):
        m1, m2 = joint.step(), two.step()
        assert m1.keys() == m2.keys()
        for k in m1:
            assert m1[k] == pytest.approx(m2[k], rel=atol, abs=atol), k
    for x, y in zip(params(joint), params(two)):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)


@pytest.mark.parametrize("kind", ["packed", "conditional", "dropout-p0"])
def test_training_steps_with_one_pass_equal_two_passes_other_ds(kind):
    def make(mode):
        num_classes = 4 if kind == "conditional" else None
        D = {"packed": lambda: packed_d(4),
             "conditional": lambda: MLPDiscriminator((3,), (16, 8), num_classes=4).double(),
             "dropout-p0": lambda: nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.0), nn.LeakyReLU(0.2),
                                                 nn.Linear(8, 1)).double()}[kind]
        return make_trainer(D, mode, "bce-ns-smoothed", num_classes=num_classes, optimizer=adam_2e4)
    joint, two = make("auto"), make(False)
    assert joint.uses_joint_pass()
    for _ in range(3):
        joint.step()
        two.step()
    for x, y in zip(params(joint), params(two)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-10)


def test_dropout_draws_one_mask_for_the_joint_batch():
    """Same distribution, different draws: one dropout seed per layer per D update."""
    def run(mode):
        trainer = make_trainer(lambda: nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.LeakyReLU(0.2),
                                                     nn.Linear(8, 1)).double(), mode)
        before = ng.random.get_rng_state()
        trainer._discriminator_loss()
        return before, ng.random.get_rng_state()
    (b1, a1), (b2, a2) = run(True), run(False)
    assert b1 == b2 and a1 != a2
