"""The f-GAN game: its losses from D's outputs, the "gan" row against the BCE game, second
derivatives (so a penalty could sit on top), and a short critic training that reaches the
true divergence between two fixed 1-D Gaussians."""
import math

import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.gan.divergences import DIVERGENCES
from npgan.gan.fgan import FGANGame, f_gan_generator_loss, f_gan_variational_bound
from npgan.gan.games import BCEGame

V_REAL = np.array([[1.5], [-0.3], [0.2]])
V_FAKE = np.array([[-1.0], [0.4]])


def t(a):
    return ng.tensor(a, dtype=np.float64, requires_grad=True)


def identity(x):
    """A 'discriminator' that returns its input, so the game scores the given outputs."""
    return x


def test_bound_is_mean_activation_minus_mean_conjugate():
    bound = f_gan_variational_bound(t(V_REAL), t(V_FAKE), DIVERGENCES["kl"]).item()
    assert bound == pytest.approx(V_REAL.mean() - np.exp(V_FAKE - 1).mean(), rel=1e-12)
    bound = f_gan_variational_bound(t(V_REAL), t(V_FAKE), DIVERGENCES["neyman"]).item()
    want = np.mean(1 - np.exp(-V_REAL)) - np.mean(2 - 2 * np.sqrt(np.exp(-V_FAKE)))
    assert bound == pytest.approx(want, rel=1e-12)


def test_gan_divergence_is_twice_the_bce_game():
    """g_f(v) = log sigmoid(v) for the "gan" row: D's loss is 2 J(D), the non-saturating
    cost is 2 x BCEGame's and the minimax cost is 2 x BCEGame's minimax cost."""
    real, fake = t(V_REAL), t(V_FAKE)
    for cost in ("non_saturating", "minimax"):
        f_game, bce = FGANGame("gan", cost), BCEGame(cost)
        f_loss, metrics = f_game.discriminator_loss(identity, real, fake)
        bce_loss, _ = bce.discriminator_loss(identity, real, fake)
        assert f_loss.item() == pytest.approx(2 * bce_loss.item(), rel=1e-12)
        assert metrics["divergence"].item() == pytest.approx(-f_loss.item(), rel=1e-12)
        assert f_game.generator_loss(identity, fake).item() == pytest.approx(
            2 * bce.generator_loss(identity, fake).item(), rel=1e-12)


@pytest.mark.parametrize("name", list(DIVERGENCES))
def test_losses_are_twice_differentiable(name):
    d = DIVERGENCES[name]
    assert ng.gradcheck(lambda r, f: f_gan_variational_bound(r, f, d), [t(V_REAL), t(V_FAKE)])
    assert ng.gradgradcheck(lambda r, f: f_gan_variational_bound(r, f, d), [t(V_REAL), t(V_FAKE)])
    for cost in ("non_saturating", "minimax"):
        assert ng.gradgradcheck(lambda f: f_gan_generator_loss(f, d, cost), [t(V_FAKE)])


def test_bad_arguments_name_the_choices():
    with pytest.raises(ValueError, match="generator_cost"):
        FGANGame("kl", "saturating")
    with pytest.raises(ValueError, match="unknown divergence"):
        FGANGame("total_variation")


# --- a critic trained on two fixed Gaussians estimates the divergence --------------------

P, Q = (0.0, 1.0), (1.0, 1.0)  # (mean, std): KL = 1/2, chi^2 = e - 1, H^2 = 2 (1 - e^(-1/8))
X = np.linspace(-10.0, 10.0, 4001)


def log_normal(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))


def integrated_bound(d, v):
    """E_P g_f(v) - E_Q f*(g_f(v)) by the trapezoid rule on X, for outputs v on X."""
    g = d.activation(ng.tensor(v)).numpy()
    conj = d.conjugate_of_activation(ng.tensor(v)).numpy()
    return np.trapezoid(np.exp(log_normal(X, *P)) * g - np.exp(log_normal(X, *Q)) * conj, X)


def train_critic(name, steps=400, batch_size=512, lr=1e-2, seed=0):
    """An MLP critic maximizing the f-GAN bound on samples of P and Q; its outputs on X."""
    ng.manual_seed(seed)
    rng = np.random.default_rng(seed)
    D = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    optimizer = ng.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    game = FGANGame(name)
    for step in range(steps):
        optimizer.param_groups[0]["lr"] = lr * (1 - step / steps)
        real = ng.tensor(rng.normal(*P, size=(batch_size, 1)))
        fake = ng.tensor(rng.normal(*Q, size=(batch_size, 1)))
        loss, _ = game.discriminator_loss(D, real, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ng.no_grad():
        return D(ng.tensor(X[:, None])).numpy().ravel()


@pytest.mark.parametrize("name", list(DIVERGENCES))
def test_a_short_critic_training_reaches_the_divergence(name):
    d = DIVERGENCES[name]
    true = integrated_bound(d, d.optimal_output(ng.tensor(log_normal(X, *P) - log_normal(X, *Q))).numpy())
    closed_form = {"kl": 0.5, "reverse_kl": 0.5, "pearson": math.e - 1, "neyman": math.e - 1,
                   "squared_hellinger": 2 * (1 - math.exp(-1 / 8))}
    if name in closed_form:
        assert true == pytest.approx(closed_form[name], abs=1e-6)
    estimate = integrated_bound(d, train_critic(name))
    assert estimate <= true + 1e-9  # a lower bound, for any critic
    # the "gan" divergence is 2 JS - log 4 < 0: compare 2 JS, its part that depends on P, Q
    shift = math.log(4) if name == "gan" else 0.0
    assert estimate + shift == pytest.approx(true + shift, rel=0.1)
