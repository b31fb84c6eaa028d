"""npgan.compile with in-place writes (npgan.autograd.inplace) inside the step: they are
recorded and replayed, so N compiled steps equal N eager ones bit for bit; turning data
into a Python value (.item(), float(), if on a tensor) is refused at capture."""
import numpy as np
import pytest

import npgan as ng
from npgan.compile import CaptureError


def _model(seed):
    rng = np.random.default_rng(seed)
    w = ng.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = ng.tensor(rng.normal(size=2), requires_grad=True)
    return w, b


def _step_with_inplace(w, b):
    def step(x):
        loss = ((x @ w + b) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        with ng.no_grad():
            w.sub_(w.grad, alpha=0.1)           # an SGD step written with the public methods
            b.add_(b.grad, alpha=-0.1)
            w.mul_(0.99)
            w.clamp_(-0.5, 0.5)                 # WGAN's weight clipping
            b.div_(1.01)
            scratch = ng.zeros(2, dtype=ng.float64)  # made inside the step, written in place
            scratch.add_(b)
            scratch.mul_(2.0)
            h = x * 1.0                          # an intermediate, written in place
            h.fill_(3.0)
            h.copy_(x[:1])
            h.zero_()
            h.add_(x)
        return loss, scratch, h.sum()
    return step


def test_inplace_writes_replay_equal_to_eager():
    rng = np.random.default_rng(1)
    xs = [ng.tensor(rng.normal(size=(5, 3))) for _ in range(6)]
    w1, b1 = _model(0)
    eager = _step_with_inplace(w1, b1)
    want = [[t.data.copy() for t in eager(x)] for x in xs]
    w2, b2 = _model(0)
    step = ng.compile(_step_with_inplace(w2, b2))
    got = [[t.data.copy() for t in step(x)] for x in xs]
    for g, w in zip(got, want):
        for a, b in zip(g, w):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(w2.data, w1.data)
    np.testing.assert_array_equal(b2.data, b1.data)


def test_inplace_write_into_an_input_replays():
    def f(x):
        x.mul_(2.0)
        return x + 1.0
    step = ng.compile(f)
    for k in range(4):
        a = np.arange(3.0) + k
        x = ng.tensor(a.copy())
        np.testing.assert_array_equal(step(x).data, 2 * a + 1)
        np.testing.assert_array_equal(x.data, 2 * a)


@pytest.mark.parametrize("convert, what", [(lambda t: t.item(), "item"), (float, "item"), (int, "item"),
                                           (bool, "bool"), (lambda t: t.tolist(), "tolist")])
def test_python_value_of_data_is_refused_at_capture(convert, what):
    def f(x):
        s = x.sum()
        convert(s)
        return s
    with pytest.raises(CaptureError, match=what):
        ng.compile(f)(ng.tensor(np.ones(1)))


def test_item_after_the_compiled_call_is_fine():
    step = ng.compile(lambda x: (x * x).sum())
    for k in range(4):
        assert step(ng.tensor(np.full(2, float(k)))).item() == 2.0 * k * k
