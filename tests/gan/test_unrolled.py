"""The unrolled GAN: G's gradient through k simulated D steps equals central finite
differences of the k-step objective f_k(theta_G) = L_G(theta_G, theta_D^k(theta_G)); k = 0
is the plain game; the differentiable SGD / Adam steps equal npgan.optim's."""
import copy

import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.gan.differentiable_optim import DifferentiableAdam, DifferentiableSGD, differentiable_optimizer
from npgan.gan.games import BCEGame, HingeGame, LSGANGame, WGANGame, WGANGPGame
from npgan.gan.unrolled import UnrolledGame
from npgan.nn.utils import functional_call

OPTIMIZERS = {
    "sgd": lambda ps: ng.optim.SGD(ps, lr=0.3),
    "sgd-momentum": lambda ps: ng.optim.SGD(ps, lr=0.2, momentum=0.9, weight_decay=0.01),
    "adam": lambda ps: ng.optim.Adam(ps, lr=0.05, betas=(0.5, 0.999)),
    "adam-amsgrad": lambda ps: ng.optim.Adam(ps, lr=0.05, weight_decay=0.1, amsgrad=True),
}


def setup(opt_name, warm_steps, seed=0, n=6):
    """A smooth (tanh) float64 G and D, D's optimizer after ``warm_steps`` real steps (so
    its state -- momentum, Adam's m, v and step count -- is not the initial one), a fixed
    real batch and a fixed z."""
    rng = np.random.default_rng(seed)
    G = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    for p in list(G.parameters()) + list(D.parameters()):
        p.data = rng.standard_normal(p.shape)
    opt = OPTIMIZERS[opt_name](D.parameters())
    real = rng.standard_normal((n, 2)) + 1.0
    z = ng.tensor(rng.standard_normal((n, 2)), dtype=np.float64)
    for _ in range(warm_steps):
        opt.zero_grad()
        BCEGame().discriminator_loss(D, ng.tensor(real), G(z).detach())[0].backward()
        opt.step()
    return G, D, opt, real, z


def objective(game, G, D, z, rng=None):
    """f_k as a function of G's parameters (Tensors), for gradcheck."""
    names = [name for name, _ in G.named_parameters()]
    return lambda *ps: game.generator_loss(D, functional_call(G, dict(zip(names, ps)), (z,)), rng)


def g_inputs(G):
    return [ng.tensor(p.data.copy(), dtype=np.float64, requires_grad=True) for p in G.parameters()]


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("warm_steps", [0, 2])
def test_unrolled_gradient_is_the_finite_difference_of_the_unrolled_objective(opt_name, k, warm_steps):
    G, D, opt, real, z = setup(opt_name, warm_steps)
    game = UnrolledGame(BCEGame("minimax"), D, opt, lambda n, rng: (real, None), unroll=k)
    ng.gradcheck(objective(game, G, D, z), g_inputs(G), eps=1e-6, atol=1e-9, rtol=1e-6)
    # and the unrolled gradient is not the plain one (the look-ahead matters here)
    plain = ng.grad(BCEGame("minimax").generator_loss(D, G(z)), list(G.parameters()))
    unrolled = ng.grad(game.generator_loss(D, G(z)), list(G.parameters()))
    assert max(np.abs(a.data - b.data).max() for a, b in zip(plain, unrolled)) > 1e-4


@pytest.mark.parametrize("base", [BCEGame("non_saturating"), LSGANGame(), HingeGame()], ids=type)
def test_unrolled_gradient_for_other_games(base):
    G, D, opt, real, z = setup("adam", 1, seed=1)
    game = UnrolledGame(base, D, opt, lambda n, rng: (real, None), unroll=2)
    ng.gradcheck(objective(game, G, D, z), g_inputs(G), eps=1e-6, atol=1e-9, rtol=1e-6)


class AtTheRealPoints:
    """A stand-in random generator whose eps ~ U[0, 1] are all 1: x_hat = the real batch."""

    def random(self, shape):
        return np.ones(shape)


def test_unrolled_wgan_gp():
    """The penalty's interpolates x_hat are constants for G (npgan.gan.penalties detaches
    them); with eps = 1 they are the real batch, so f_k has no hidden dependence on G and
    gradcheck applies to the whole unrolled critic loss, penalty included."""
    G, D, opt, real, z = setup("adam", 1, seed=2)
    game = UnrolledGame(WGANGPGame(lam=1.0), D, opt, lambda n, rng: (real, None), unroll=2)
    ng.gradcheck(objective(game, G, D, z, AtTheRealPoints()), g_inputs(G), eps=1e-6, atol=1e-9, rtol=1e-6)


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_k0_is_the_plain_gradient_exactly(opt_name):
    G, D, opt, real, z = setup(opt_name, 1)
    game = UnrolledGame(BCEGame(), D, opt, lambda n, rng: (real, None), unroll=0)
    unrolled = ng.grad(game.generator_loss(D, G(z)), list(G.parameters()))
    plain = ng.grad(BCEGame().generator_loss(D, G(z)), list(G.parameters()))
    for a, b in zip(unrolled, plain):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_first_order_is_the_plain_gradient_at_the_look_ahead_D(opt_name):
    """Independent reference: k real optimizer steps on a copy of D, then the plain G cost."""
    k = 3
    G, D, opt, real, z = setup(opt_name, 2)
    game = UnrolledGame(BCEGame(), D, opt, lambda n, rng: (real, None), unroll=k, first_order=True)
    first_order = ng.grad(game.generator_loss(D, G(z)), list(G.parameters()))
    D_ahead, opt_ahead = copy.deepcopy((D, opt))
    fake = G(z).detach()
    for _ in range(k):
        opt_ahead.zero_grad()
        BCEGame().discriminator_loss(D_ahead, ng.tensor(real), fake)[0].backward()
        opt_ahead.step()
    reference = ng.grad(BCEGame().generator_loss(D_ahead, G(z)), list(G.parameters()))
    for a, b in zip(first_order, reference):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-15)


def test_unrolled_parameters_are_the_real_optimizer_steps():
    """theta_D^k equals k npgan.optim.Adam steps with G's fakes held fixed."""
    k = 4
    G, D, opt, real, z = setup("adam-amsgrad", 1)
    game = UnrolledGame(BCEGame(), D, opt, lambda n, rng: (real, None), unroll=k)
    names, params = zip(*D.named_parameters())
    ahead = game.unrolled_parameters(names, params, G(z))
    D_ahead, opt_ahead = copy.deepcopy((D, opt))
    for _ in range(k):
        opt_ahead.zero_grad()
        BCEGame().discriminator_loss(D_ahead, ng.tensor(real), G(z).detach())[0].backward()
        opt_ahead.step()
    for a, b in zip(ahead, D_ahead.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-13, atol=1e-15)


def test_generator_loss_leaves_D_and_its_optimizer_alone():
    G, D, opt, real, z = setup("adam", 2)
    before_d = D.state_dict()
    before_opt = copy.deepcopy(opt.state_dict())
    game = UnrolledGame(BCEGame(), D, opt, lambda n, rng: (real, None), unroll=3)
    game.generator_loss(D, G(z)).backward()
    for key, value in D.state_dict().items():
        np.testing.assert_array_equal(value, before_d[key])
    after = opt.state_dict()
    for i, state in before_opt["state"].items():
        assert after["state"][i]["step"] == state["step"]
        np.testing.assert_array_equal(after["state"][i]["exp_avg"], state["exp_avg"])


# --- the differentiable optimizer steps equal npgan.optim's --------------------------------------

def run_both(make, steps=4, seed=0, none_at=None):
    """(npgan.optim params, differentiable params) after ``steps`` steps on the same
    gradients; ``none_at`` = (step, index): that parameter gets no gradient then."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (1,)]
    start = [rng.standard_normal(s) for s in shapes]
    params = [nn.Parameter(a.copy()) for a in start]
    opt = make(params)
    inner = differentiable_optimizer(opt, params)
    current = [ng.tensor(a.copy()) for a in start]
    for t in range(steps):
        grads = [rng.standard_normal(s) for s in shapes]
        grads[0][0, 0] = 0.0  # an exactly-zero entry (Adam's first step: v = 0 there)
        if none_at is not None and none_at[0] == t:
            grads[none_at[1]] = None
        for p, g in zip(params, grads):
            p.grad = None if g is None else ng.tensor(g)
        opt.step()
        current = inner.step(current, [None if g is None else ng.tensor(g) for g in grads])
    return params, current


@pytest.mark.parametrize("make", [
    lambda ps: ng.optim.SGD(ps, lr=0.1),
    lambda ps: ng.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda ps: ng.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: ng.optim.Adam(ps, lr=0.01),
    lambda ps: ng.optim.Adam(ps, lr=0.01, betas=(0.0, 0.9), weight_decay=0.1),
    lambda ps: ng.optim.Adam(ps, lr=0.01, betas=(0.5, 0.99), amsgrad=True),
    lambda ps: ng.optim.Adam([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}], lr=0.01),
])
@pytest.mark.parametrize("none_at", [None, (1, 1)])
def test_differentiable_steps_equal_the_optimizers(make, none_at):
    params, current = run_both(make, none_at=none_at)
    for p, c in zip(params, current):
        np.testing.assert_allclose(c.data, p.data, rtol=1e-15, atol=1e-15)


def test_adam_first_step_derivative_at_a_zero_gradient_is_lr_over_eps():
    """lr g / (|g| + eps) at g = 0 has derivative lr / eps; sqrt(v) at v = 0 must not make it nan."""
    p = nn.Parameter(np.zeros(3))
    lr, eps = 0.01, 1e-8
    inner = DifferentiableAdam.from_optimizer(ng.optim.Adam([p], lr=lr, eps=eps), [p])
    g = ng.tensor(np.array([0.0, 1e-3, -2.0]), requires_grad=True)
    new, = inner.step([ng.tensor(np.zeros(3))], [g])
    d, = ng.grad(new.sum(), [g])
    np.testing.assert_allclose(d.data[0], -lr / eps, rtol=1e-12)
    # elsewhere -lr eps / (|g| + eps)^2, the difference of two terms of size lr / |g|
    np.testing.assert_allclose(d.data[1:], -lr * eps / (np.abs(g.data[1:]) + eps) ** 2, rtol=1e-6, atol=1e-15)


def test_differentiable_sgd_state_comes_from_the_optimizer():
    p = nn.Parameter(np.ones(2))
    opt = ng.optim.SGD([p], lr=0.1, momentum=0.5)
    p.grad = ng.tensor(np.array([1.0, 2.0]))
    opt.step()
    inner = DifferentiableSGD.from_optimizer(opt, [p])
    np.testing.assert_array_equal(inner.buffers[0].data, [1.0, 2.0])
    inner.buffers[0].data[0] = 7.0
    assert opt.state[p]["momentum_buffer"][0] == 1.0  # a copy


def test_bad_arguments():
    G, D, opt, real, z = setup("adam", 0)
    sample = lambda n, rng: (real, None)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="unroll"):
            UnrolledGame(BCEGame(), D, opt, sample, unroll=bad)
    with pytest.raises(TypeError, match="clipped"):
        UnrolledGame(WGANGame(), D, opt, sample)
    with pytest.raises(TypeError, match="RMSprop"):
        UnrolledGame(BCEGame(), D, ng.optim.RMSprop(D.parameters()), sample)
