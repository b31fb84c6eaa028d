"""Semantics of the engine: accumulation, retain/free, grad(), higher order, pruning,
no_grad, anomaly detection, long chains, dtype rules."""
import gc
import weakref

import numpy as np
import pytest

import npgan as ng
from npgan.autograd.function import Function


def f64(values, requires_grad=True):
    return ng.tensor(values, dtype=np.float64, requires_grad=requires_grad)


def test_backward_twice_accumulates_into_leaf_grad():
    x = f64([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 4 * x.data)


def test_third_derivative_matches_closed_form():
    """f = sin-free polynomial-exponential: f(x) = x^3 e^x;
    f''' = e^x (x^3 + 9x^2 + 18x + 6)."""
    x = f64([0.3, -1.2, 2.0])
    f = (x ** 3 * ng.exp(x)).sum()
    g1, = ng.grad(f, [x], create_graph=True)
    g2, = ng.grad(g1.sum(), [x], create_graph=True)
    g3, = ng.grad(g2.sum(), [x])
    v = x.data
    np.testing.assert_allclose(g1.data, np.exp(v) * (v ** 3 + 3 * v ** 2), rtol=1e-12)
    np.testing.assert_allclose(g2.data, np.exp(v) * (v ** 3 + 6 * v ** 2 + 6 * v), rtol=1e-12)
    np.testing.assert_allclose(g3.data, np.exp(v) * (v ** 3 + 9 * v ** 2 + 18 * v + 6), rtol=1e-12)


def test_third_derivative_through_kernel_ops():
    """sigmoid' = s(1-s), s'' = s(1-s)(1-2s), s''' = s(1-s)(1-6s+6s^2)."""
    x = f64([-2.0, 0.1, 1.5])
    g1, = ng.grad(ng.sigmoid(x).sum(), [x], create_graph=True)
    g2, = ng.grad(g1.sum(), [x], create_graph=True)
    g3, = ng.grad(g2.sum(), [x])
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(g3.data, s * (1 - s) * (1 - 6 * s + 6 * s * s), rtol=1e-10)


def test_second_backward_without_retain_graph_raises():
    x = f64([1.0, 2.0])
    y = (ng.exp(x) * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = f64([1.0, 2.0])
    y = (ng.exp(x) * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data) * (1 + x.data))


def test_grad_does_not_touch_dot_grad_and_handles_unused():
    x, z = f64([1.0, 2.0]), f64([3.0])
    y = (x * x).sum()
    gx, gz = ng.grad(y, [x, z], allow_unused=True)
    np.testing.assert_allclose(gx.data, 2 * x.data)
    assert gz is None and x.grad is None
    with pytest.raises(RuntimeError, match="not used"):
        ng.grad((x * x).sum(), [x, z])


def test_grad_with_respect_to_non_leaf():
    x = f64([0.5, -1.0])
    h = ng.tanh(x)
    y = (h * h * 3.0).sum()
    gh, gx = ng.grad(y, [h, x])
    np.testing.assert_allclose(gh.data, 6 * h.data)
    np.testing.assert_allclose(gx.data, 6 * h.data * (1 - h.data ** 2))


def test_grad_outputs_and_shape_checks():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    v = f64([[1.0, -1.0], [0.5, 2.0]], requires_grad=False)
    g, = ng.grad(x * x, [x], grad_outputs=[v])
    np.testing.assert_allclose(g.data, 2 * x.data * v.data)
    with pytest.raises(RuntimeError, match="one-element"):
        ng.grad(x * x, [x])
    with pytest.raises(ValueError, match="shape"):
        ng.grad(x * x, [x], grad_outputs=[f64([1.0], requires_grad=False)])


class CountingLinear(Function):
    """y = x @ w, recording which input gradients backward was asked for."""
    calls = []

    def forward(self, x, w):
        return x @ w

    def backward(self, gy):
        CountingLinear.calls.append(self.needs_input_grad)
        x, w = self.inputs
        return (gy @ w.T if self.needs_input_grad[0] else None,
                x.T @ gy if self.needs_input_grad[1] else None)


def test_grad_only_computes_what_is_needed():
    """The gradient-penalty pattern: d out / d x must not compute d out / d W."""
    CountingLinear.calls = []
    x, w = f64(np.ones((2, 3))), f64(np.ones((3, 1)))
    out = CountingLinear()(x, w).sum()
    ng.grad(out, [x])
    assert CountingLinear.calls == [(True, False)]


def test_graph_is_freed_after_backward_and_when_dropped():
    x = f64(np.ones(3))
    y = ng.exp(x * 2.0)
    fn_ref = weakref.ref(y.creator)
    y.sum().backward()
    assert y.creator.inputs is None  # released: the saved inputs are gone
    del y
    assert fn_ref() is None  # no reference cycle keeps the op alive (no gc needed)
    z = ng.tanh(x * x)
    ref = weakref.ref(z.creator)
    del z
    assert ref() is None


def test_training_loop_memory_stays_flat():
    w = f64(np.random.default_rng(0).standard_normal((50, 50)))
    gc.collect()
    gc.disable()
    try:
        counts = []
        for step in range(30):
            x = ng.tensor(np.ones((8, 50)), dtype=np.float64)
            loss = ng.tanh(x @ w).sum()
            loss.backward()
            w.grad = None
            counts.append(len(gc.get_objects()))
        assert counts[-1] - counts[5] < 50, counts
    finally:
        gc.enable()


def test_ten_thousand_node_chain():
    x = f64([0.5])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 10_000], rtol=1e-9)


def test_no_grad_records_nothing():
    x = f64([1.0])
    with ng.no_grad():
        y = x * 2.0
    assert y.creator is None and not y.requires_grad

    @ng.no_grad()
    def double(t):
        return t * 2.0
    assert double(x).creator is None
    assert (x * 2.0).creator is not None


def test_detach_cuts_the_graph():
    x = f64([1.0, 2.0])
    y = (x * 3.0).detach()
    assert y.creator is None and not y.requires_grad
    np.testing.assert_array_equal(y.data, [3.0, 6.0])


def test_detect_anomaly_names_the_op_in_forward_and_backward():
    x = f64([-1.0, 1.0])
    with ng.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"Log\.forward.*\(2,\)"):
            with np.errstate(invalid="ignore"):
                ng.log(x)
        y = ng.sqrt(f64([0.0, 1.0]))
        with pytest.raises(FloatingPointError, match=r"Sqrt\.backward"):
            with np.errstate(divide="ignore"):
                y.sum().backward()


def test_dtype_mixing_is_an_error_naming_the_op():
    a = ng.tensor([1.0, 2.0])
    b = ng.tensor([1.0, 2.0], dtype=np.float64)
    assert a.dtype == np.float32 and b.dtype == np.float64
    with pytest.raises(TypeError, match="mul: dtype mismatch"):
        a * b
    with pytest.raises(TypeError, match="matmul"):
        a @ b


def test_float32_stays_float32_through_scalars_and_gradients():
    x = ng.tensor([1.0, -2.0], requires_grad=True)
    y = (2.5 * x ** 2 + np.float64(3.0) - x / 7).mean()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_shape_mismatch_names_the_op():
    with pytest.raises(ValueError, match=r"add: shapes \(2,\) and \(3,\)"):
        ng.tensor([1.0, 2.0]) + ng.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="linear"):
        ng.nn.functional.linear(ng.ones(2, 3), ng.ones(4, 5))
    with pytest.raises(TypeError, match="exp"):
        ng.exp([1.0, 2.0])


def test_set_default_dtype():
    try:
        ng.set_default_dtype(np.float64)
        assert ng.tensor([1.0]).dtype == np.float64 and ng.randn(2).dtype == np.float64
    finally:
        ng.set_default_dtype(np.float32)
    assert ng.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError):
        ng.set_default_dtype(np.int32)


def test_manual_seed_reproduces_random_tensors():
    ng.manual_seed(7)
    a = ng.randn(3, 2).data.copy()
    ng.manual_seed(7)
    np.testing.assert_array_equal(a, ng.randn(3, 2).data)
    state = ng.get_rng_state()
    b = ng.rand(4).data.copy()
    ng.set_rng_state(state)
    np.testing.assert_array_equal(b, ng.rand(4).data)


def test_backward_on_non_scalar_and_non_grad_outputs():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ng.tensor([1.0]).sum().backward()
