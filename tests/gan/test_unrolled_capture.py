"""A captured unrolled-GAN step (``npgan.compile``) against the eager one (the oracle): the
simulated D steps read D's optimizer -- SGD's momentum buffer, Adam's m, v, v_max and step
count, the lr a scheduler changes -- at every replay, so N replayed steps equal N eager
steps bit for bit, for every optimizer the unrolled GAN takes, in both orders."""
import numpy as np
import pytest

import npgan as ng
from npgan.gan.games import BCEGame
from npgan.gan.optimizer_values import GroupValue, StateValue
from npgan.gan.unrolled import UnrolledGame
from tests.gan.test_unrolled import OPTIMIZERS, setup

STEPS = 6


def _run(opt_name, first_order, compiled):
    """(losses, weights) after STEPS alternating steps; D's lr decays between steps."""
    G, D, opt, real, z = setup(opt_name, 1)
    opt_g = ng.optim.SGD(G.parameters(), lr=0.1)
    decay = ng.optim.lr_scheduler.LinearLR(opt, 1.0, 0.5, total_iters=STEPS)
    game = UnrolledGame(BCEGame(), D, opt, lambda n, rng: (real, None), unroll=2, first_order=first_order)

    def step(z):
        opt.zero_grad()
        d_loss = BCEGame().discriminator_loss(D, ng.tensor(real), G(z).detach())[0]
        d_loss.backward()
        opt.step()
        opt_g.zero_grad()
        g_loss = game.generator_loss(D, G(z))
        g_loss.backward()
        opt_g.step()
        return d_loss, g_loss

    run = ng.compile(step) if compiled else step
    losses = []
    for _ in range(STEPS):
        losses.append([loss.data.copy() for loss in run(z)])
        decay.step()
    if compiled:
        assert run.captured(z), "the unrolled step was not captured"
    return losses, [p.data.copy() for p in list(G.parameters()) + list(D.parameters())]


@pytest.mark.parametrize("first_order", [False, True])
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_captured_unrolled_step_equals_eager_bit_for_bit(opt_name, first_order):
    eager, compiled = _run(opt_name, first_order, False), _run(opt_name, first_order, True)
    for want, got in zip(eager[0] + [eager[1]], compiled[0] + [compiled[1]]):
        for w, g in zip(want, got):
            np.testing.assert_array_equal(g, w)


def test_optimizer_values_are_copies_read_at_each_call():
    """What a replay relies on: each call of the op reads the optimizer as it is then --
    after a step, a new lr, a load_state_dict (which replaces state and groups)."""
    p = ng.nn.Parameter(np.ones(2))
    opt = ng.optim.Adam([p], lr=0.1)
    p.grad = ng.tensor(np.array([1.0, -2.0]))
    opt.step()
    saved = opt.state_dict()
    read_m, read_t, read_lr = StateValue(opt, p, "exp_avg"), StateValue(opt, p, "step"), GroupValue(opt, 0, "lr")
    m, t, lr = read_m(), read_t(), read_lr()
    np.testing.assert_array_equal(m.data, saved["state"][0]["exp_avg"])
    assert (t.data.dtype, t.data, lr.data.dtype, lr.data) == (np.float64, 1.0, np.float64, 0.1)
    assert (m.creator, t.creator) == (None, None)  # constants to the gradient
    m.data[0] = 7.0
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], saved["state"][0]["exp_avg"])  # a copy
    opt.step()
    opt.param_groups[0]["lr"] = 0.05
    after = opt.state[p]["exp_avg"].copy()
    assert not np.array_equal(after, saved["state"][0]["exp_avg"])
    np.testing.assert_array_equal(read_m().data, after)
    assert (read_t().data, read_lr().data) == (2.0, 0.05)
    opt.load_state_dict(saved)
    assert (read_t().data, read_lr().data) == (1.0, 0.1)
    np.testing.assert_array_equal(read_m().data, saved["state"][0]["exp_avg"])
