"""LR schedulers against their closed forms written out here, with SGD's update checked
by hand; state_dict resume; bad arguments; PyTorch parity when torch is installed."""
import numpy as np
import pytest

import npgan as ng
from npgan.optim import SGD, Adam
from npgan.optim.lr_scheduler import LambdaLR, LinearLR


def sgd(lr=0.5):
    p = ng.nn.Parameter(np.array([1.0, -2.0]))
    return p, SGD([p], lr=lr)


@pytest.mark.parametrize("start,end,total", [(1.0, 0.0, 4), (1 / 3, 1.0, 5), (0.5, 0.25, 1), (1.0, 1.0, 3)])
def test_linear_lr_follows_its_closed_form(start, end, total):
    p, opt = sgd()
    sched = LinearLR(opt, start, end, total)
    for t in range(total + 3):
        expected = 0.5 * (start + (end - start) * min(t, total) / total)
        assert sched.get_last_lr() == [pytest.approx(expected, rel=1e-15, abs=1e-15)]
        sched.step()


def test_the_scheduled_lr_is_the_one_the_update_uses():
    p, opt = sgd(lr=0.4)
    sched = LinearLR(opt, 1.0, 0.0, total_iters=4)
    x = p.data.copy()
    for t in range(5):
        p.grad = ng.tensor(np.array([1.0, 2.0]))
        opt.step()
        x = x - 0.4 * (1 - min(t, 4) / 4) * np.array([1.0, 2.0])
        np.testing.assert_allclose(p.data, x, rtol=1e-15)
        sched.step()


def test_lambda_lr_and_groups_keep_their_own_base():
    a, b = ng.nn.Parameter(np.zeros(2)), ng.nn.Parameter(np.zeros(2))
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    sched = LambdaLR(opt, lambda t: 0.5 ** t)
    sched.step()
    sched.step()
    assert sched.get_last_lr() == pytest.approx([0.01 / 4, 0.1 / 4])


def test_state_dict_resumes_the_schedule():
    _, opt = sgd()
    sched = LinearLR(opt, 1.0, 0.0, total_iters=10)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    _, opt2 = sgd()
    sched2 = LinearLR(opt2, 1.0, 0.0, total_iters=10)
    sched2.load_state_dict(state)
    for _ in range(4):
        assert sched2.get_last_lr() == sched.get_last_lr()
        sched.step()
        sched2.step()


@pytest.mark.parametrize("kw,match", [(dict(start_factor=0.0), "start_factor"), (dict(start_factor=1.5), "start_factor"),
                                      (dict(end_factor=-0.1), "end_factor"), (dict(total_iters=0), "total_iters"),
                                      (dict(total_iters=2.5), "total_iters")])
def test_bad_arguments_name_the_scheduler_and_change_nothing(kw, match):
    _, opt = sgd()
    with pytest.raises(ValueError, match=f"LinearLR.*{match}|{match}.*LinearLR"):
        LinearLR(opt, **kw)
    assert opt.param_groups[0]["lr"] == 0.5 and "initial_lr" not in opt.param_groups[0]


def test_matches_pytorch_linear_lr():
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    topt = torch.optim.Adam([tp], lr=0.003)
    tsched = torch.optim.lr_scheduler.LinearLR(topt, start_factor=0.8, end_factor=0.1, total_iters=7)
    _, opt = sgd(lr=0.003)
    sched = LinearLR(opt, 0.8, 0.1, 7)
    for _ in range(10):
        assert sched.get_last_lr()[0] == pytest.approx(tsched.get_last_lr()[0], rel=1e-12)
        topt.step()
        tsched.step()
        sched.step()
