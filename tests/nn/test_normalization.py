"""BatchNorm1d / BatchNorm2d / LayerNorm: forward and running statistics against NumPy
written here; first- and second-order finite differences for inputs and parameters, in
train mode (where the gradient couples the batch) and in eval mode."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.ops.normalization import batch_norm, layer_norm


def t64(shape, seed, requires_grad=True):
    return ng.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64,
                     requires_grad=requires_grad)


def numpy_batch_norm(x, weight, bias, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)


def randomize_affine(bn, seed):
    rng = np.random.default_rng(seed)
    bn.weight.data[...] = rng.uniform(0.5, 1.5, bn.weight.shape)
    bn.bias.data[...] = rng.standard_normal(bn.bias.shape)


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)),
                                       (nn.BatchNorm2d, (4, 3, 2, 5))])
def test_batch_norm_train_forward_and_running_stats(cls, shape):
    bn = cls(3, dtype=np.float64)
    randomize_affine(bn, 0)
    x = t64(shape, 1, requires_grad=False)
    np.testing.assert_allclose(bn(x).data, numpy_batch_norm(x.data, bn.weight.data, bn.bias.data), rtol=1e-12,
                               atol=1e-12)
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.numel() // 3
    mean, unbiased = x.data.mean(axis=axes), x.data.var(axis=axes) * n / (n - 1)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * unbiased, rtol=1e-12)
    assert bn.num_batches_tracked.data == 1
    bn(x)
    np.testing.assert_allclose(bn.running_mean.data, 0.9 * 0.1 * mean + 0.1 * mean, rtol=1e-12)
    assert bn.num_batches_tracked.data == 2


def test_batch_norm_eval_uses_running_stats():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    randomize_affine(bn, 2)
    bn.running_mean.data[...] = [0.5, -1.0]
    bn.running_var.data[...] = [2.0, 0.25]
    x = t64((3, 2, 2, 2), 3, requires_grad=False)
    y = bn.eval()(x).data
    shape = (1, 2, 1, 1)
    expected = (x.data - bn.running_mean.data.reshape(shape)) / np.sqrt(bn.running_var.data.reshape(shape) + 1e-5) \
        * bn.weight.data.reshape(shape) + bn.bias.data.reshape(shape)
    np.testing.assert_allclose(y, expected, rtol=1e-13)
    np.testing.assert_array_equal(bn.running_mean.data, [0.5, -1.0])  # eval leaves the statistics alone
    assert bn.num_batches_tracked.data == 0


def test_batch_norm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    batches = [t64((5, 2), s, requires_grad=False) for s in range(3)]
    for b in batches:
        bn(b)
    np.testing.assert_allclose(bn.running_mean.data, np.mean([b.data.mean(0) for b in batches], axis=0), rtol=1e-12)


def test_batch_norm_without_running_stats_or_affine():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype=np.float64)
    assert list(bn.state_dict()) == [] and bn.weight is None
    x = t64((4, 3), 4, requires_grad=False)
    expected = numpy_batch_norm(x.data, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(bn.eval()(x).data, expected, rtol=1e-12, atol=1e-12)  # batch stats even in eval
    assert repr(bn) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="BatchNorm2d: expected 4D input, got shape \\(2, 3\\)"):
        nn.BatchNorm2d(3)(ng.randn(2, 3))
    with pytest.raises(ValueError, match="has 4 channels, expected num_features=3"):
        nn.BatchNorm1d(3)(ng.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ng.randn(1, 3))
    with pytest.raises(TypeError, match="running_mean has dtype float32 but the input has dtype float64"):
        nn.BatchNorm1d(3)(t64((2, 3), 0))


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (4, 2)), (nn.BatchNorm1d, (3, 2, 2)),
                                       (nn.BatchNorm2d, (2, 2, 2, 2))])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_gradients_first_and_second_order(cls, shape, training):
    bn = cls(2, dtype=np.float64)
    randomize_affine(bn, 5)
    bn.running_mean.data[...] = [0.3, -0.2]
    bn.running_var.data[...] = [1.5, 0.7]
    bn.train(training)
    x = t64(shape, 6)
    fn = lambda x, w, b: bn(x)  # noqa: E731
    ng.gradcheck(fn, [x, bn.weight, bn.bias])
    ng.gradgradcheck(fn, [x, bn.weight, bn.bias])


def test_batch_norm_functional_matches_the_module():
    x = t64((4, 3), 7, requires_grad=False)
    rm, rv = ng.tensor(np.zeros(3), dtype=np.float64), ng.tensor(np.ones(3), dtype=np.float64)
    y = batch_norm(x, rm, rv, training=True, momentum=0.2)
    np.testing.assert_allclose(y.data, numpy_batch_norm(x.data, np.ones(3), np.zeros(3)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rm.data, 0.2 * x.data.mean(0), rtol=1e-12)


def test_layer_norm_forward():
    ln = nn.LayerNorm((3, 4), dtype=np.float64)
    randomize_affine(ln, 8)
    x = t64((2, 3, 4), 9, requires_grad=False)
    mu = x.data.mean(axis=(1, 2), keepdims=True)
    var = x.data.var(axis=(1, 2), keepdims=True)
    expected = (x.data - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data
    np.testing.assert_allclose(ln(x).data, expected, rtol=1e-12, atol=1e-12)
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="does not end with normalized_shape \\(3, 4\\)"):
        ln(t64((2, 4, 3), 0))


def test_layer_norm_gradients_first_and_second_order():
    ln = nn.LayerNorm(4, dtype=np.float64)
    randomize_affine(ln, 10)
    x = t64((3, 4), 11)
    fn = lambda x, w, b: ln(x)  # noqa: E731
    ng.gradcheck(fn, [x, ln.weight, ln.bias])
    ng.gradgradcheck(fn, [x, ln.weight, ln.bias])
    plain = lambda x: layer_norm(x, (2, 2))  # noqa: E731
    ng.gradgradcheck(plain, [t64((2, 2, 2), 12)])
