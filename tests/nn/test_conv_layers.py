"""Conv2d / ConvTranspose2d modules: forward against naive NumPy loops written here,
PyTorch's default init (fan_in from weight dim 1), finite-difference gradients of first
and second order for inputs and parameters, repr."""
import math

import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn


def t64(shape, seed):
    return ng.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64, requires_grad=True)


def naive_conv2d(x, w, b, stride, padding):
    """y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] xpad[n, c, i s + p, j s + q]."""
    n, _, h, wd = x.shape
    out_c, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    y = np.zeros((n, out_c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.einsum("ncpq,ocpq->no", patch, w)
    return y + b.reshape(1, -1, 1, 1)


def naive_conv_transpose2d(x, w, b, stride, padding):
    """Each input pixel scatters w[c] scaled by it: ypad[n, o, i s + p, j s + q] += x[n, c, i, j] w[c, o, p, q]."""
    n, _, h, wd = x.shape
    _, out_c, kh, kw = w.shape
    full = np.zeros((n, out_c, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,copq->nopq",
                                                                                             x[:, :, i, j], w)
    y = full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    return y + b.reshape(1, -1, 1, 1)


def test_conv2d_forward_matches_naive_loops():
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, dtype=np.float64)
    x = t64((2, 3, 5, 6), 0)
    expected = naive_conv2d(x.data, conv.weight.data, conv.bias.data, 2, 1)
    np.testing.assert_allclose(conv(x).data, expected, rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_forward_matches_naive_loops():
    deconv = nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, dtype=np.float64)
    x = t64((2, 3, 3, 4), 1)
    y = deconv(x)
    assert y.shape == (2, 2, 6, 8)  # DCGAN's doubling: (H - 1) 2 - 2 + 4 = 2 H
    expected = naive_conv_transpose2d(x.data, deconv.weight.data, deconv.bias.data, 2, 1)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module,fan_in", [(lambda: nn.Conv2d(6, 40, (3, 5)), 6 * 15),
                                           (lambda: nn.ConvTranspose2d(40, 6, (3, 5)), 6 * 15)])
def test_default_init_bound_uses_fan_in_from_weight_dim_1(module, fan_in):
    ng.manual_seed(0)
    m = module()
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        assert np.abs(p.data).max() <= bound
    assert np.abs(m.weight.data).max() > 0.99 * bound


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64), (2, 2, 4, 4)),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1, output_padding=1, dtype=np.float64), (1, 2, 2, 3)),
], ids=["conv", "conv_transpose"])
def test_gradients_first_and_second_order(make, shape):
    m = make()
    x = t64(shape, 2)
    fn = lambda x, w, b: m(x)  # noqa: E731
    ng.gradcheck(fn, [x, m.weight, m.bias])
    ng.gradgradcheck(fn, [x, m.weight, m.bias])


def test_repr_and_state_dict_match_pytorch():
    conv = nn.Conv2d(3, 8, 4, 2, 1, bias=False)
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert list(conv.state_dict()) == ["weight"] and conv.weight.shape == (8, 3, 4, 4)
    deconv = nn.ConvTranspose2d(8, 3, 4, 2, 1)
    assert repr(deconv) == "ConvTranspose2d(8, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))"
    assert deconv.weight.shape == (8, 3, 4, 4) and deconv.bias.shape == (3,)


def test_unsupported_arguments_are_errors():
    with pytest.raises(ValueError, match="only groups=1"):
        nn.Conv2d(4, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: stride must be >= 1"):
        nn.Conv2d(4, 4, 3, stride=0)
