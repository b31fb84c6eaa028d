"""functional_call: a module run with replacement parameters, and put back afterwards."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.nn.utils import functional_call


def net():
    ng.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_result_is_the_module_with_those_weights_and_the_originals_come_back():
    m = net()
    x = ng.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    originals = {k: p for k, p in m.named_parameters()}
    w = ng.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    out = functional_call(m, {"0.weight": w}, (x,))
    # reference: the same forward written out with NumPy
    b0, w2, b2 = (originals[k].data for k in ("0.bias", "2.weight", "2.bias"))
    expected = np.tanh(x.data @ w.data.T + b0) @ w2.T + b2
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    assert all(p is originals[k] for k, p in m.named_parameters())
    g, = ng.grad(out.sum(), [w])  # the gradient reaches the replacement
    assert g.shape == (4, 3) and np.abs(g.data).sum() > 0


def test_originals_come_back_when_the_forward_raises():
    m = net()
    before = list(m.parameters())
    with pytest.raises(ValueError):
        functional_call(m, {"2.bias": ng.tensor(np.zeros(2))}, (ng.tensor(np.zeros((5, 7))),))
    assert list(m.parameters()) == before


def test_a_shared_parameter_is_replaced_everywhere():
    shared = nn.Linear(2, 2).double()
    m = nn.Sequential(shared, nn.Tanh(), shared)
    x = ng.tensor(np.ones((1, 2)))
    w = ng.tensor(np.eye(2) * 0.5)
    out = functional_call(m, {"0.weight": w}, (x,))
    b = shared.bias.data
    np.testing.assert_allclose(out.data, np.tanh(x.data @ w.data.T + b) @ w.data.T + b, rtol=1e-14)


def test_bad_replacements():
    m = net()
    x = ng.tensor(np.zeros((1, 3)))
    with pytest.raises(KeyError, match="no parameters"):
        functional_call(m, {"9.weight": ng.tensor(np.zeros(2))}, (x,))
    with pytest.raises(ValueError, match="shape"):
        functional_call(m, {"0.weight": ng.tensor(np.zeros((3, 4)))}, (x,))
    with pytest.raises(ValueError, match="dtype"):
        functional_call(m, {"0.weight": ng.tensor(np.zeros((4, 3), dtype=np.float32))}, (x,))
    with pytest.raises(TypeError, match="not a Tensor"):
        functional_call(m, {"0.weight": np.zeros((4, 3))}, (x,))
