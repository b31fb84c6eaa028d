"""Gradient reversal: identity forward, -lambda times the gradient backward, and the same
at second order. ``ng.gradcheck`` compares a backward with finite differences of the
forward, and the forward of a reversal is the identity (whose derivative is +I), so the
defining property is tested directly against analytic derivatives; where a function's
forward itself contains the reversed gradient (the gradient as a function of x), its
finite differences are a fair reference and gradcheck / gradgradcheck are used."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn

SHAPES = [(), (1,), (5,), (3, 4), (1, 3, 2), (2, 3, 5, 1)]
LAMBDAS = [1.0, 0.37, 0.0, 2.5]


def t64(shape, seed, requires_grad=True):
    data = np.random.default_rng(seed).standard_normal(shape)
    return ng.tensor(data, dtype=np.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_is_the_identity_on_a_new_array(shape):
    x = t64(shape, 0)
    y = ng.grad_reverse(x, 0.7)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_array_equal(y.data, x.data)
    assert not np.shares_memory(y.data, x.data)


@pytest.mark.parametrize("lambda_", LAMBDAS)
@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_is_minus_lambda_times_the_upstream_gradient(shape, lambda_):
    """d/dx sum(w * R(x)) = -lambda w, exactly (one multiplication)."""
    x, w = t64(shape, 1), t64(shape, 2, requires_grad=False)
    g, = ng.grad((w * ng.grad_reverse(x, lambda_)).sum(), [x])
    np.testing.assert_array_equal(g.data, -lambda_ * w.data)


@pytest.mark.parametrize("lambda_", LAMBDAS)
def test_reversal_inside_a_chain_flips_only_what_lies_below_it(lambda_):
    """y = h(a * R(g(x))) with g = tanh, h = softplus summed against w: the gradient for x
    is -lambda times the plain chain rule's, the gradient for a (above R) is unchanged;
    both against the closed forms."""
    x, a = t64((4, 3), 3), t64((3,), 4)
    w = np.random.default_rng(5).standard_normal((4, 3))
    u = np.tanh(x.data)
    s = 1 / (1 + np.exp(-a.data * u))  # softplus' = sigmoid
    loss = (ng.tensor(w) * ng.softplus(a * ng.grad_reverse(ng.tanh(x), lambda_))).sum()
    gx, ga = ng.grad(loss, [x, a])
    np.testing.assert_allclose(gx.data, -lambda_ * w * s * a.data * (1 - u ** 2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ga.data, (w * s * u).sum(0), rtol=1e-12)


def test_broadcast_input_gets_its_reversed_gradient_summed_back():
    """R(b) broadcast against a (3, 4) array: b's gradient is -lambda sum over the broadcast axis."""
    b, w = t64((4,), 6), np.random.default_rng(7).standard_normal((3, 4))
    g, = ng.grad((ng.tensor(w) * (ng.grad_reverse(b, 0.5) + ng.zeros(3, 4, dtype=np.float64))).sum(), [b])
    np.testing.assert_allclose(g.data, -0.5 * w.sum(0), rtol=1e-14)


def _reversed_gradient(lambda_):
    """x, w -> d/dx sum(w * R(tanh(x))) = -lambda w (1 - tanh(x)^2), as a recorded graph in
    which R appears only through its backward (gy * -lambda): its forward holds the -lambda."""
    def fn(x, w):
        g, = ng.grad((w * ng.grad_reverse(ng.tanh(x), lambda_)).sum(), [x], create_graph=True)
        return g
    return fn


@pytest.mark.parametrize("lambda_", [1.0, 0.37, 2.5])
@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 1, 3)])
def test_the_reversed_gradient_is_differentiable(shape, lambda_):
    """Second order through R's backward: the gradient above, a function of (x, w) whose
    forward holds the -lambda, against its closed form, then gradcheck (the backward of R's
    backward against finite differences) and gradgradcheck (one order more)."""
    x, w = t64(shape, 8), t64(shape, 9)
    fn = _reversed_gradient(lambda_)
    u = np.tanh(x.data)
    np.testing.assert_allclose(fn(x, w).data, -lambda_ * w.data * (1 - u ** 2), rtol=1e-12)
    ng.gradcheck(fn, [x, w])
    ng.gradgradcheck(fn, [x, w])


@pytest.mark.parametrize("lambda_", [1.0, 0.37, 2.5])
def test_each_walk_through_the_reversal_multiplies_by_minus_lambda(lambda_):
    """g = d/dx sum(w * tanh(R(x))) = -lambda w tanh'(x) is recorded with tanh' evaluated at
    R(x), so differentiating g for x walks through R again: d/dx sum(v * g) =
    (-lambda)^2 v w tanh''(x), with tanh'' = -2 tanh (1 - tanh^2). (Finite differences of g
    would give -lambda v w tanh'': R is the identity going forward, so they do not apply.)"""
    x, w = t64((3, 4), 16), t64((3, 4), 17, requires_grad=False)
    g, = ng.grad((w * ng.tanh(ng.grad_reverse(x, lambda_))).sum(), [x], create_graph=True)
    u = np.tanh(x.data)
    np.testing.assert_allclose(g.data, -lambda_ * w.data * (1 - u ** 2), rtol=1e-12)
    v = np.random.default_rng(10).standard_normal((3, 4))
    h, = ng.grad((ng.tensor(v) * g).sum(), [x])
    np.testing.assert_allclose(h.data, lambda_ ** 2 * v * w.data * (-2 * u * (1 - u ** 2)), rtol=1e-12, atol=1e-15)


def test_second_order_reversal_of_the_upstream_gradient():
    """The backward of R's backward is a reversal too: in g = d/dx sum(c * R(x)) = -lambda c,
    the derivative of sum(v * g) with respect to the upstream weights c is -lambda v."""
    x, c = t64((2, 3), 11), t64((2, 3), 12)
    g, = ng.grad((c * ng.grad_reverse(x, 0.8)).sum(), [x], create_graph=True)
    v = np.random.default_rng(13).standard_normal((2, 3))
    gc, = ng.grad((ng.tensor(v) * g).sum(), [c])
    np.testing.assert_allclose(gc.data, -0.8 * v, rtol=1e-15)


def test_lambda_minus_one_is_the_identity_and_passes_gradcheck():
    """With lambda = -1 the backward is +gy: an ordinary identity, which finite differences confirm."""
    x = t64((3, 2), 14)
    ng.gradcheck(lambda a: ng.tanh(ng.grad_reverse(a, -1.0)) * a, [x])
    ng.gradgradcheck(lambda a: ng.tanh(ng.grad_reverse(a, -1.0)) * a, [x])


def test_float32_stays_float32():
    x = ng.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    g, = ng.grad((ng.grad_reverse(x, 0.25) * 3.0).sum(), [x])
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g.data, np.full((2, 3), -0.75, np.float32))


def test_module_reverses_between_two_layers():
    """features -> GradientReversal -> head: the head's weights get the ordinary gradient, the
    features' weights the reversed one (against the same net with no reversal)."""
    ng.manual_seed(0)
    features, head = nn.Linear(3, 4, dtype=np.float64), nn.Linear(4, 1, dtype=np.float64)
    x = t64((5, 3), 15, requires_grad=False)
    layer = nn.GradientReversal(0.6)
    params = [features.weight, head.weight]
    reversed_ = ng.grad(ng.tanh(head(layer(ng.tanh(features(x))))).sum(), params)
    plain = ng.grad(ng.tanh(head(ng.tanh(features(x)))).sum(), params)
    np.testing.assert_allclose(reversed_[0].data, -0.6 * plain[0].data, rtol=1e-13)
    np.testing.assert_allclose(reversed_[1].data, plain[1].data, rtol=1e-13)
    assert list(layer.state_dict()) == [] and "lambda_=0.6" in repr(layer)
    layer.lambda_ = 0.0  # DANN sets it every step
    blocked = ng.grad(head(layer(features(x))).sum(), [features.weight])[0]
    np.testing.assert_array_equal(blocked.data, 0.0)


@pytest.mark.parametrize("bad,error", [(float("nan"), ValueError), (float("inf"), ValueError),
                                       ("1", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_lambda_is_refused_by_name(bad, error):
    with pytest.raises(error, match="grad_reverse: lambda_"):
        ng.grad_reverse(t64((2,), 0), bad)
    with pytest.raises(error, match="grad_reverse: lambda_"):
        nn.GradientReversal(bad)(t64((2,), 0))


def test_non_tensor_input_is_refused():
    with pytest.raises(TypeError, match="grad_reverse: input must be a Tensor"):
        ng.grad_reverse(np.ones(3), 1.0)
