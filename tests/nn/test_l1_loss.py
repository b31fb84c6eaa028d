"""``F.l1_loss`` / ``nn.L1Loss``: PyTorch's values for each reduction (against the closed
form, and against torch itself where it is installed), its gradient sign(x - t) with 0 at
the kink as PyTorch, dtypes kept, and bad input named. Finite-difference first and second
order checks: tests/ops/op_specs.py (l1_loss*)."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
import npgan.nn.functional as F

REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}


@pytest.mark.parametrize("reduction", sorted(REDUCE))
def test_values_are_the_reduced_absolute_differences(reduction):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    want = REDUCE[reduction](np.abs(x - y))
    np.testing.assert_allclose(F.l1_loss(ng.tensor(x), ng.tensor(y), reduction=reduction).data, want, rtol=1e-14)
    np.testing.assert_allclose(nn.L1Loss(reduction)(ng.tensor(x), ng.tensor(y)).data, want, rtol=1e-14)


@pytest.mark.parametrize("reduction", sorted(REDUCE))
def test_values_and_gradients_equal_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    x[0, :2] = y[0, :2]  # the kink: both give gradient 0 there
    xt = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.l1_loss(xt, torch.tensor(y), reduction=reduction)
    xn = ng.tensor(x, requires_grad=True)
    ln = F.l1_loss(xn, ng.tensor(y), reduction=reduction)
    np.testing.assert_allclose(ln.data, lt.detach().numpy(), rtol=1e-14)
    g = rng.standard_normal(ln.shape)
    lt.backward(torch.tensor(g))
    gx, = ng.grad(ln, [xn], grad_outputs=[ng.tensor(g)])
    np.testing.assert_allclose(gx.data, xt.grad.numpy(), rtol=1e-14)


def test_the_gradient_is_the_sign_of_the_difference_over_n():
    x = ng.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -3.0]], dtype=np.float64, requires_grad=True)
    t = ng.tensor([[0.0, 0.0, 3.0], [1.0, 1.0, -4.0]], dtype=np.float64)
    F.l1_loss(x, t).backward()
    np.testing.assert_array_equal(x.grad.data, np.array([[1, -1, -1], [0, -1, 1]]) / 6)


def test_float32_stays_float32():
    x, t = ng.randn(3, 2), ng.randn(3, 2)
    assert F.l1_loss(x, t).dtype == np.float32 and F.l1_loss(x, t, reduction="none").dtype == np.float32


@pytest.mark.parametrize("call, match", [
    (lambda: F.l1_loss(ng.ones(2, 3), ng.ones(3)), r"l1_loss: target shape \(3,\) differs from input shape \(2, 3\)"),
    (lambda: F.l1_loss(ng.ones(2), ng.ones(2, dtype=np.float64)), "l1_loss: target dtype float64"),
    (lambda: F.l1_loss(ng.ones(2), ng.ones(2), reduction="avg"), "l1_loss: reduction must be one of"),
    (lambda: nn.L1Loss("elementwise"), "L1Loss: reduction must be one of"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
