"""Forward values against NumPy closed forms, numerical stability at |x| = 1000,
dtype preservation, backend agreement and error messages."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F

from .op_specs import SPECS, make_inputs

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,))


def t(a, requires_grad=False):
    return ng.tensor(a, dtype=np.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("fn,ref", [
    (lambda a, b: a + b, lambda a, b: a + b),
    (lambda a, b: a - b, lambda a, b: a - b),
    (lambda a, b: a * b, lambda a, b: a * b),
    (lambda a, b: a / b, lambda a, b: a / b),
    (lambda a, b: ng.maximum(a, b), np.maximum),
    (lambda a, b: ng.minimum(a, b), np.minimum),
    (lambda a, b: ng.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
    (lambda a, b: ng.abs(a) ** b, lambda a, b: np.abs(a) ** b),
])
def test_binary_forward(fn, ref):
    np.testing.assert_allclose(fn(t(A), t(B)).data, ref(A, B), rtol=1e-14)


@pytest.mark.parametrize("fn,ref", [
    (ng.exp, np.exp), (lambda x: ng.log(ng.abs(x)), lambda x: np.log(np.abs(x))),
    (lambda x: ng.sqrt(ng.abs(x)), lambda x: np.sqrt(np.abs(x))), (ng.tanh, np.tanh),
    (ng.sigmoid, lambda x: 1 / (1 + np.exp(-x))), (ng.relu, lambda x: np.maximum(x, 0)),
    (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (ng.softplus, lambda x: np.log1p(np.exp(x))), (lambda x: ng.clamp(x, -0.3, 0.4), lambda x: np.clip(x, -0.3, 0.4)),
    (lambda x: x.sum(1), lambda x: x.sum(1)), (lambda x: x.mean(0, keepdim=True), lambda x: x.mean(0, keepdims=True)),
    (lambda x: x.var(1), lambda x: x.var(1, ddof=1)), (lambda x: x.var(correction=0), lambda x: x.var()),
    (lambda x: x.max(), np.max), (lambda x: x.max(1).values, lambda x: x.max(1)),
    (lambda x: x.min(0).values, lambda x: x.min(0)),
    (lambda x: x.T, lambda x: x.T), (lambda x: x.permute(1, 0), lambda x: x.T),
    (lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6)), (lambda x: x.flatten(), np.ravel),
    (lambda x: x[1:, [0, 2]], lambda x: x[1:, [0, 2]]),
    (lambda x: ng.cat([x, x], 1), lambda x: np.concatenate([x, x], 1)),
    (lambda x: ng.stack([x, x]), lambda x: np.stack([x, x])),
    (lambda x: x @ x.T, lambda x: x @ x.T),
])
def test_unary_forward(fn, ref):
    np.testing.assert_allclose(fn(t(A)).data, ref(A), rtol=1e-13, atol=1e-15)


def test_matmul_of_broadcast_operands_matches_numpy():
    # operands with zero strides (broadcast views, as a sum's gradient is) take a copy to BLAS
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 7))
    ones_row = np.broadcast_to(np.full((1, 1), 0.5), (1, 5))    # strides (0, 0)
    ones_col = np.broadcast_to(rng.standard_normal((7, 1)), (7, 3))  # strides (8, 0)
    a, b = ng.from_numpy(ones_row), ng.from_numpy(ones_col)  # shares memory: keeps the zero strides
    assert 0 in a.data.strides and 0 in b.data.strides
    np.testing.assert_allclose((a @ t(x)).data, 0.5 * x.sum(0, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose((t(x) @ b).data, x @ np.ascontiguousarray(ones_col), rtol=1e-14)
    # and in a backward: d/dW sum(x W^T) = ones^T x, with the ones broadcast
    w = t(rng.standard_normal((1, 7)), requires_grad=True)
    gw, = ng.grad(F.linear(t(x), w).sum(), [w])
    np.testing.assert_allclose(gw.data, x.sum(0, keepdims=True), rtol=1e-14)


def test_max_with_dim_returns_values_and_indices():
    values, indices = t(A).max(1)
    np.testing.assert_array_equal(indices.data, A.argmax(1))
    np.testing.assert_array_equal(values.data, A.max(1))


def test_max_gradient_splits_ties_evenly():
    x = t([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 0.5])


def test_repeated_fancy_index_accumulates():
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 1.0])


def test_linear_matches_numpy():
    x, w, b = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    np.testing.assert_allclose(F.linear(t(x), t(w), t(b)).data, x @ w.T + b, rtol=1e-13)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_closed_forms(reduction, backend):
    x, y = RNG.standard_normal((4, 3)), RNG.uniform(size=(4, 3))
    p = 1 / (1 + np.exp(-x))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    mse = (x - y) ** 2
    red = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(t(x), t(y), reduction=reduction).data,
                               red(bce), rtol=1e-12)
    np.testing.assert_allclose(F.mse_loss(t(x), t(y), reduction=reduction).data, red(mse), rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_large_logits(dtype, backend):
    x = ng.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype, requires_grad=True)
    target = ng.tensor([1.0, 0.0, 1.0, 1.0, 0.0], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        loss = F.binary_cross_entropy_with_logits(x, target, reduction="none")
        s, sp = ng.sigmoid(x), ng.softplus(x)
        (loss.sum() + s.sum() + sp.sum()).backward()
    np.testing.assert_allclose(loss.data, [1000.0, 0.0, np.log(2), 0.0, 1000.0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(s.data, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(sp.data, [0.0, 0.0, np.log(2), 50.0, 1000.0], rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(x.grad.data))
    assert loss.dtype == dtype and x.grad.dtype == dtype
    # second order at |x| = 1000 is finite too (the WGAN-GP path differentiates twice)
    x2 = ng.tensor([-1000.0, 1000.0], dtype=dtype, requires_grad=True)
    g, = ng.grad(F.binary_cross_entropy_with_logits(x2, ng.tensor([1.0, 0.0], dtype=dtype)), [x2],
                 create_graph=True)
    gg, = ng.grad(g.sum(), [x2])
    assert np.all(np.isfinite(gg.data))


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name != "cast_roundtrip"],
                         ids=[s.name for s in SPECS if s.name != "cast_roundtrip"])
def test_float32_in_float32_out(spec):
    inputs = [ng.Tensor(x.data.astype(np.float32), requires_grad=True)
              for x in make_inputs(spec.shapes[0], spec.domain, seed=5)]
    out = spec.fn(*inputs)
    assert out.dtype == np.float32
    grads = ng.grad(out.sum(), inputs, allow_unused=True)
    assert all(g is None or g.dtype == np.float32 for g in grads)


def test_same_expression_same_numbers_on_every_backend():
    """An MLP-discriminator-like expression, float32: forward and gradients agree across backends."""
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s).astype(np.float32) for s in [(16, 8), (8, 8), (8,), (1, 8)]]
    results = {}
    for backend in ng.available_backends():
        ng.set_backend(backend)
        x, w1, b1, w2 = [ng.Tensor(d.copy(), requires_grad=True) for d in data]
        logits = F.linear(F.leaky_relu(F.linear(x, w1, b1), 0.2), w2)
        loss = F.binary_cross_entropy_with_logits(logits, ng.ones_like(logits))
        loss.backward()
        results[backend] = [loss.data] + [p.grad.data for p in (x, w1, b1, w2)]
    ng.set_backend("auto")
    reference = results.pop("numpy")
    for backend, arrays in results.items():
        for got, want in zip(arrays, reference):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=backend)


@pytest.mark.parametrize("call,match", [
    (lambda: F.binary_cross_entropy_with_logits(ng.ones(2, 3), ng.ones(3)), "binary_cross_entropy_with_logits"),
    (lambda: F.binary_cross_entropy_with_logits(ng.ones(2), ng.ones(2), reduction="avg"), "reduction"),
    (lambda: F.mse_loss(ng.ones(2), ng.ones(2, dtype=np.float64)), "mse_loss"),
    (lambda: ng.ones(2, 3).reshape(4, 2), "reshape"),
    (lambda: ng.ones(2, 3).sum(2), "sum: dim 2"),
    (lambda: ng.cat([ng.ones(2, 3), ng.ones(3, 3)], 1), "cat"),
    (lambda: ng.stack([ng.ones(2), ng.ones(3)]), "stack"),
    (lambda: ng.ones(2, 3) @ ng.ones(2, 3), "matmul"),
    (lambda: ng.ones(2, 3).permute(0, 0), "permute"),
    (lambda: ng.clamp(ng.ones(2), 1.0, 0.0), "clamp"),
    (lambda: ng.ones(2)[5], "getitem"),
    (lambda: ng.where(ng.ones(2), ng.ones(2), ng.ones(2)), "where"),
    (lambda: F.leaky_relu(ng.ones(2), float("nan")), "leaky_relu"),
    (lambda: ng.tensor([1, 2], requires_grad=True), "floating"),
])
def test_bad_input_errors_name_the_op(call, match):
    with pytest.raises((ValueError, TypeError, IndexError), match=match):
        call()
