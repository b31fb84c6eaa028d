"""Minibatch discrimination and the minibatch standard deviation: values against direct
NumPy loops over the papers' formulas, first and second derivatives against finite
differences (float64; batches of 1, 2 and more)."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.gan.penalties import gradient_penalty
from npgan.nn.utils import functional_call


def minibatch_discrimination_reference(x, T, B, C):
    """o(x_i)_b = sum_j exp(-sum_c |M_i,b,c - M_j,b,c|), written as loops."""
    n = x.shape[0]
    M = (x @ T).reshape(n, B, C)
    o = np.zeros((n, B))
    for i in range(n):
        for j in range(n):
            for b in range(B):
                o[i, b] += np.exp(-np.sum(np.abs(M[i, b] - M[j, b])))
    return np.concatenate([x, o], 1)


def minibatch_stddev_reference(x, group_size, eps=1e-8):
    n = x.shape[0]
    g = group_size or n
    out_extra = np.zeros((n, 1) + x.shape[2:])
    for start in range(0, n, g):
        group = x[start:start + g]
        s = np.sqrt(group.var(axis=0) + eps).mean()
        out_extra[start:start + g] = s
    return np.concatenate([x, out_extra], 1)


def layer(A, B, C, seed=0):
    ng.manual_seed(seed)
    return nn.MinibatchDiscrimination(A, B, C, dtype=np.float64)


@pytest.mark.parametrize("n, A, B, C", [(1, 3, 2, 2), (2, 3, 2, 2), (5, 4, 3, 2), (7, 2, 1, 5)])
def test_minibatch_discrimination_values(n, A, B, C):
    m = layer(A, B, C)
    x = np.random.default_rng(n).standard_normal((n, A))
    out = m(ng.tensor(x))
    assert out.shape == (n, A + B)
    np.testing.assert_allclose(out.data, minibatch_discrimination_reference(x, m.T.data, B, C), rtol=1e-13)


def test_minibatch_discrimination_sees_a_collapsed_batch():
    """Identical samples give o = N for every kernel (each c_b = 1); spread ones give less."""
    m = layer(4, 3, 2)
    same = ng.tensor(np.tile(np.random.default_rng(0).standard_normal((1, 4)), (6, 1)))
    np.testing.assert_allclose(m(same).data[:, 4:], 6.0, rtol=1e-15)
    spread = ng.tensor(5 * np.random.default_rng(1).standard_normal((6, 4)))
    assert (m(spread).data[:, 4:] < 3.0).all()


@pytest.mark.parametrize("n, A, B, C", [(1, 3, 2, 2), (2, 3, 2, 2), (4, 3, 3, 2), (5, 2, 2, 3)])
def test_minibatch_discrimination_gradients(n, A, B, C):
    m = layer(A, B, C)
    x = ng.tensor(np.random.default_rng(n).standard_normal((n, A)), requires_grad=True)
    T = ng.tensor(m.T.data.copy(), requires_grad=True)
    f = lambda x, T: functional_call(m, {"T": T}, (x,))
    ng.gradcheck(f, [x, T])
    ng.gradgradcheck(f, [x, T])


def test_minibatch_discrimination_gradient_on_duplicates_is_the_symmetric_subgradient():
    """Two samples at the same point: in T the gradient is exact (their M's agree for every
    T), in x it is the mean of the two one-sided slopes of exp(-|d|), which for the pair
    term is 0: the same as for an exactly-equal x_j = x_i."""
    m = layer(3, 2, 2)
    row = np.random.default_rng(0).standard_normal((1, 3))
    x = ng.tensor(np.concatenate([row, row, row + 1.0]), requires_grad=True)
    T = ng.tensor(m.T.data.copy(), requires_grad=True)
    ng.gradcheck(lambda T: functional_call(m, {"T": T}, (x,)), [T])
    out = functional_call(m, {"T": T}, (x,))
    g, = ng.grad(out[:, 3:].sum(), [x])
    assert np.isfinite(g.data).all()


@pytest.mark.parametrize("shape, group_size", [((1, 3), None), ((2, 3), None), ((6, 4), 3), ((6, 4), 2),
                                               ((4, 2, 3, 3), None), ((4, 2, 3, 3), 2), ((2, 1, 2, 2), 1)])
def test_minibatch_stddev_values_and_gradients(shape, group_size):
    m = nn.MinibatchStdDev(group_size)
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    out = m(ng.tensor(x))
    assert out.shape == (shape[0], shape[1] + 1) + shape[2:]
    np.testing.assert_allclose(out.data, minibatch_stddev_reference(x, group_size), rtol=1e-13)
    xt = ng.tensor(x, requires_grad=True)
    ng.gradcheck(m, [xt])
    ng.gradgradcheck(m, [xt])


def test_layers_in_a_discriminator_train_with_a_gradient_penalty():
    """WGAN-GP's penalty differentiates D in x and then in the parameters: both layers in D."""
    ng.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.MinibatchDiscrimination(4, 3, 2), nn.MinibatchStdDev(),
                      nn.Linear(4 + 3 + 1, 1)).double()
    real = ng.tensor(np.random.default_rng(0).standard_normal((5, 2)))
    fake = ng.tensor(np.random.default_rng(1).standard_normal((5, 2)))
    names, params = zip(*D.named_parameters())
    inputs = [ng.tensor(p.data.copy(), requires_grad=True) for p in params]
    f = lambda *ps: gradient_penalty(lambda x: functional_call(D, dict(zip(names, ps)), (x,)), real, fake,
                                     lam=1.0, eps=np.full((5, 1), 0.3))
    ng.gradcheck(f, inputs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_kernels"):
        nn.MinibatchDiscrimination(3, 0, 2)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        nn.MinibatchDiscrimination(3, 2, 2)(ng.tensor(np.zeros((4, 5), dtype=np.float32)))
    with pytest.raises(ValueError, match="group_size"):
        nn.MinibatchStdDev(0)
    with pytest.raises(ValueError, match="groups of group_size = 4"):
        nn.MinibatchStdDev(4)(ng.tensor(np.zeros((6, 2))))
