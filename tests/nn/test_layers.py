"""Linear, activations, Flatten/Unflatten, Dropout: forward against NumPy written here,
first- and second-order finite-difference checks for inputs and parameters."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn


def t64(shape, seed, requires_grad=True, low=None):
    data = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        data = np.where(np.abs(data) < low, np.sign(data) * low + data, data)  # away from kinks
    return ng.tensor(data, dtype=np.float64, requires_grad=requires_grad)


def check_orders(fn, inputs):
    ng.gradcheck(fn, inputs)
    ng.gradgradcheck(fn, inputs)


def test_linear_forward_and_gradients():
    lin = nn.Linear(3, 2, dtype=np.float64)
    x = t64((4, 3), 0)
    expected = x.data @ lin.weight.data.T + lin.bias.data
    np.testing.assert_allclose(lin(x).data, expected, rtol=1e-14)
    assert lin(t64((2, 5, 3), 1)).shape == (2, 5, 2)
    check_orders(lambda x, w, b: lin(x), [x, lin.weight, lin.bias])
    no_bias = nn.Linear(3, 2, bias=False, dtype=np.float64)
    assert no_bias.bias is None and list(no_bias.state_dict()) == ["weight"]
    np.testing.assert_allclose(no_bias(x).data, x.data @ no_bias.weight.data.T, rtol=1e-14)


def test_linear_reports_a_wrong_input_size():
    with pytest.raises(ValueError, match="expects 3"):
        nn.Linear(3, 2)(ng.randn(4, 5))


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.LeakyReLU(0.2, inplace=True), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
]


@pytest.mark.parametrize("module,reference", ACTIVATIONS, ids=lambda a: repr(a) if isinstance(a, nn.Module) else "")
def test_activation_forward_and_gradients(module, reference):
    x = t64((3, 4), 2, low=0.1)
    np.testing.assert_allclose(module(x).data, reference(x.data), rtol=1e-14)
    check_orders(module, [x])


def test_activation_reprs():
    assert [repr(m) for m, _ in ACTIVATIONS] == ["ReLU()", "LeakyReLU(negative_slope=0.01)",
                                                  "LeakyReLU(negative_slope=0.2, inplace=True)", "Tanh()",
                                                  "Sigmoid()"]


def test_flatten_and_unflatten():
    x = t64((2, 3, 4, 5), 3)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 60))
    y = nn.Unflatten(1, (3, 20))(nn.Flatten()(x))
    assert y.shape == (2, 3, 20)
    assert nn.Unflatten(-1, (5, -1))(x).shape == (2, 3, 4, 5, 1)
    assert repr(nn.Unflatten(1, (3, 20))) == "Unflatten(dim=1, unflattened_size=(3, 20))"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    small = t64((2, 6), 4)
    check_orders(lambda a: nn.Unflatten(1, (2, 3))(a) * 1.5, [small])


def test_dropout_is_seeded_scaled_and_the_identity_in_eval():
    drop = nn.Dropout(0.25)
    x = ng.tensor(np.ones((200, 100)))
    ng.manual_seed(5)
    y = drop(x).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01
    ng.manual_seed(5)
    np.testing.assert_array_equal(drop(x).data, y)
    assert drop.eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match="Dropout: probability p must be in \\[0, 1\\], got 1.5"):
        nn.Dropout(1.5)
    assert repr(drop) == "Dropout(p=0.25, inplace=False)"


def test_dropout_gradient_is_the_scaled_mask():
    drop = nn.Dropout(0.4)
    x = t64((3, 5), 6)

    def fixed_mask(a):
        ng.manual_seed(11)  # the same mask on every finite-difference evaluation
        return drop(a)

    check_orders(fixed_mask, [x])
    y = fixed_mask(x)
    (gx,) = ng.grad(y.sum(), [x])
    np.testing.assert_allclose(gx.data, (y.data != 0) / 0.6)
