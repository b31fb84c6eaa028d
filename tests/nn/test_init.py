"""nn.init and the default initialization of layers: gains, fans, bounds, statistics,
seeding."""
import math

import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.nn import init


def big(shape=(200, 300)):
    return ng.tensor(np.zeros(shape), dtype=np.float64)


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1.0 and init.calculate_gain("conv_transpose2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_follow_pytorch():
    assert init._calculate_fan_in_and_fan_out(big((5, 3))) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(big((8, 4, 3, 3))) == (36, 72)
    with pytest.raises(ValueError, match="at least 2 dims"):
        init._calculate_fan_in_and_fan_out(big((5,)))


def test_constant_fills_keep_the_tensor_and_dtype():
    t = ng.tensor(np.zeros((2, 3), dtype=np.float32))
    data = t.data
    assert init.ones_(t) is t and t.data is data and t.dtype == np.float32 and np.all(t.data == 1)
    assert np.all(init.zeros_(t).data == 0) and np.all(init.constant_(t, 0.5).data == 0.5)


@pytest.mark.parametrize("fill,low,high,std", [
    (lambda t: init.uniform_(t, -2.0, 3.0), -2.0, 3.0, 5 / math.sqrt(12)),
    (lambda t: init.xavier_uniform_(t, gain=2.0), -2 * math.sqrt(6 / 500), 2 * math.sqrt(6 / 500),
     2 * math.sqrt(2 / 500)),
    (lambda t: init.kaiming_uniform_(t, a=0.2), -math.sqrt(6 / 1.04 / 300), math.sqrt(6 / 1.04 / 300),
     math.sqrt(2 / 1.04 / 300)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), -math.sqrt(6 / 200),
     math.sqrt(6 / 200), math.sqrt(2 / 200)),
])
def test_uniform_initializers_have_their_bounds_and_std(fill, low, high, std):
    t = fill(big())
    assert t.data.min() >= low and t.data.max() <= high
    assert t.data.min() < low + 0.01 * (high - low) and t.data.max() > high - 0.01 * (high - low)
    assert t.data.std() == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize("fill,mean,std", [
    (lambda t: init.normal_(t, 1.0, 0.5), 1.0, 0.5),
    (lambda t: init.xavier_normal_(t), 0.0, math.sqrt(2 / 500)),
    (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), 0.0, math.sqrt(2 / 300)),
])
def test_normal_initializers_have_their_std(fill, mean, std):
    t = fill(big())
    assert t.data.mean() == pytest.approx(mean, abs=0.02 * std + 1e-12)
    assert t.data.std() == pytest.approx(std, rel=0.02)


def test_initializers_are_seeded():
    ng.manual_seed(3)
    a = init.normal_(big((4, 4))).data.copy()
    ng.manual_seed(3)
    np.testing.assert_array_equal(init.normal_(big((4, 4))).data, a)
    g = np.random.default_rng(1)
    b = init.uniform_(big((4, 4)), generator=g).data.copy()
    np.testing.assert_array_equal(b, np.random.default_rng(1).uniform(0, 1, (4, 4)))


def test_linear_default_init_is_uniform_in_one_over_sqrt_fan_in():
    ng.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.98 * bound
    assert lin.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    ng.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.data, lin.weight.data)
