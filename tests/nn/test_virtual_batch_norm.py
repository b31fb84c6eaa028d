"""Virtual and reference batch norm: the formula against NumPy, the defining property (a
sample's output does not depend on the rest of its batch; with BatchNorm it does), and
first and second derivatives through both passes (float64)."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.nn.utils import functional_call


def vbn_reference(ref, x, weight, bias, eps, virtual=True):
    """The paper's equations with NumPy, sample by sample."""
    axes = (0,) + tuple(range(2, ref.ndim))
    spatial = tuple(range(1, x.ndim - 1))
    ref_mean, ref_mean_sq = ref.mean(axes), (ref * ref).mean(axes)
    shape = (-1,) + (1,) * (x.ndim - 2)
    out = np.empty_like(x)
    n = ref.shape[0]
    for i, xi in enumerate(x):
        a = 1.0 / (n + 1) if virtual else 0.0
        own_mean = xi.mean(spatial) if spatial else xi
        own_mean_sq = (xi * xi).mean(spatial) if spatial else xi * xi
        mean = a * own_mean + (1 - a) * ref_mean
        var = a * own_mean_sq + (1 - a) * ref_mean_sq - mean ** 2
        out[i] = (xi - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * weight.reshape(shape) \
            + bias.reshape(shape)
    ref_out = (ref - ref_mean.reshape((1,) + shape)) / np.sqrt(ref.var(axes).reshape((1,) + shape) + eps)
    ref_out = ref_out * weight.reshape((1,) + shape) + bias.reshape((1,) + shape)
    return ref_out, out


def two_passes(layer):
    """(reference, x, weight, bias) -> (layer's output on the reference, on x): the
    reference pass records the statistics, the second pass uses them."""
    def f(ref, x, weight, bias):
        params = {"weight": weight, "bias": bias}
        layer.reference_stats = None
        out = functional_call(layer, params, (ref,)), functional_call(layer, params, (x,))
        layer.reference_stats = None
        return out
    return f


SHAPES = [((4, 3), (1, 3)), ((4, 3), (2, 3)), ((5, 2), (6, 2)), ((3, 2, 2, 3), (1, 2, 2, 3)),
          ((2, 3, 3, 2), (2, 3, 3, 2)), ((3, 2, 4), (2, 2, 4))]


@pytest.mark.parametrize("cls, virtual", [(nn.VirtualBatchNorm, True), (nn.ReferenceBatchNorm, False)])
@pytest.mark.parametrize("ref_shape, x_shape", SHAPES)
def test_values_and_gradients(cls, virtual, ref_shape, x_shape):
    rng = np.random.default_rng(len(ref_shape) + x_shape[0])
    layer = cls(ref_shape[1], dtype=np.float64)
    ref = ng.tensor(rng.standard_normal(ref_shape) * 2 + 1, requires_grad=True)
    x = ng.tensor(rng.standard_normal(x_shape), requires_grad=True)
    weight = ng.tensor(rng.standard_normal(ref_shape[1]), requires_grad=True)
    bias = ng.tensor(rng.standard_normal(ref_shape[1]), requires_grad=True)
    f = two_passes(layer)
    ref_out, out = f(ref, x, weight, bias)
    expected_ref, expected = vbn_reference(ref.data, x.data, weight.data, bias.data, layer.eps, virtual)
    np.testing.assert_allclose(ref_out.data, expected_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    ng.gradcheck(f, [ref, x, weight, bias])
    ng.gradgradcheck(f, [ref, x, weight, bias])


def generator(norm, reference=None):
    """A small G with a norm layer after each hidden layer (float64)."""
    ng.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), norm(8), nn.ReLU(), nn.Linear(8, 6), norm(6), nn.Tanh()).double()
    return net if reference is None else nn.WithReferenceBatch(net, reference)


@pytest.mark.parametrize("norm", [nn.VirtualBatchNorm, nn.ReferenceBatchNorm])
def test_a_sample_does_not_depend_on_the_rest_of_its_batch(norm):
    rng = np.random.default_rng(0)
    G = generator(lambda c: norm(c, dtype=np.float64), reference=rng.standard_normal((16, 3)))
    z = rng.standard_normal((10, 3))
    out = G(ng.tensor(z)).data
    permuted = np.concatenate([z[:1], z[1:][rng.permutation(9)]])
    replaced = np.concatenate([z[:1], 3 * rng.standard_normal((4, 3))])
    for other in (permuted, replaced, z[:1]):
        np.testing.assert_allclose(G(ng.tensor(other)).data[0], out[0], rtol=0, atol=1e-12)
    G.eval()  # no running statistics: eval mode is the same function
    np.testing.assert_allclose(G(ng.tensor(z)).data, out, rtol=0, atol=1e-12)


def test_with_batch_norm_a_sample_depends_on_the_rest_of_its_batch():
    rng = np.random.default_rng(0)
    G = generator(nn.BatchNorm1d)
    z = rng.standard_normal((10, 3))
    out = G(ng.tensor(z)).data
    replaced = np.concatenate([z[:1], 3 * rng.standard_normal((9, 3))])
    assert np.abs(G(ng.tensor(replaced)).data[0] - out[0]).max() > 1e-2


def test_gradients_through_the_whole_generator_and_its_reference_pass():
    """The reference statistics are in the graph: the gradient in the weights includes
    their path through the reference batch (gradcheck on the weights fails without it)."""
    rng = np.random.default_rng(1)
    G = generator(lambda c: nn.VirtualBatchNorm(c, dtype=np.float64), reference=rng.standard_normal((5, 3)))
    z = ng.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    names, params = zip(*G.named_parameters())
    inputs = [z] + [ng.tensor(p.data.copy(), requires_grad=True) for p in params]
    f = lambda z, *ps: functional_call(G, dict(zip(names, ps)), (z,))
    ng.gradcheck(f, inputs)
    ng.gradgradcheck(f, inputs)


def test_the_reference_batch_is_a_buffer_and_kept_in_the_state_dict():
    ref = np.random.default_rng(0).standard_normal((4, 3))
    G = generator(lambda c: nn.VirtualBatchNorm(c, dtype=np.float64), reference=ref)
    state = G.state_dict()
    np.testing.assert_array_equal(state["reference"], ref)
    assert "module.1.weight" in state
    ref[0, 0] = 99.0  # a copy was taken
    assert G.reference.data[0, 0] != 99.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="no VirtualBatchNorm"):
        nn.WithReferenceBatch(nn.Linear(2, 2), np.zeros((3, 2)))
    layer = nn.VirtualBatchNorm(3)
    with pytest.raises(ValueError, match=r"\(N, 3, ...\)"):
        layer(ng.tensor(np.zeros((2, 4), dtype=np.float32)))
    G = generator(lambda c: nn.VirtualBatchNorm(c, dtype=np.float64), reference=np.zeros((4, 3)))
    with pytest.raises(ValueError):
        G(ng.tensor(np.zeros((2, 5))))
    assert all(m.reference_stats is None for m in G.modules() if isinstance(m, nn.VirtualBatchNorm))
