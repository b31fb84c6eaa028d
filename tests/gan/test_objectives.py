"""Each GAN objective's value and gradient against hand computation on tiny inputs,
and the penalties against finite differences of themselves."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F
from npgan import gan

LR = np.array([2.0, -0.5, 0.3])   # real logits
LF = np.array([-1.0, 0.7])        # fake logits


def sig(x):
    return 1 / (1 + np.exp(-x))


def t(a):
    return ng.tensor(a, dtype=np.float64, requires_grad=True)


def value_and_grads(fn, *arrays):
    xs = [t(a) for a in arrays]
    out = fn(*xs)
    grads = ng.grad(out, xs, allow_unused=True)
    return out.item(), [None if g is None else g.data for g in grads]


def test_discriminator_loss_and_label_smoothing():
    for alpha in (0.0, 0.1):
        v, (gr, gf) = value_and_grads(lambda r, f: gan.discriminator_loss(r, f, label_smoothing=alpha), LR, LF)
        tr = 1 - alpha
        want = (-0.5 * np.mean(tr * np.log(sig(LR)) + (1 - tr) * np.log(1 - sig(LR)))
                - 0.5 * np.mean(np.log(1 - sig(LF))))
        assert v == pytest.approx(want, rel=1e-12)
        np.testing.assert_allclose(gr, 0.5 * (sig(LR) - tr) / LR.size, rtol=1e-12)
        np.testing.assert_allclose(gf, 0.5 * sig(LF) / LF.size, rtol=1e-12)
    with pytest.raises(ValueError, match="label_smoothing"):
        gan.discriminator_loss(t(LR), t(LF), label_smoothing=1.0)


def test_generator_costs():
    d = sig(LF)
    v, (g,) = value_and_grads(gan.minimax_generator_loss, LF)
    assert v == pytest.approx(0.5 * np.mean(np.log(1 - d)), rel=1e-12)
    np.testing.assert_allclose(g, -0.5 * d / LF.size, rtol=1e-12)  # d/dl log(1-s) = -s
    v, (g,) = value_and_grads(gan.non_saturating_generator_loss, LF)
    assert v == pytest.approx(-0.5 * np.mean(np.log(d)), rel=1e-12)
    np.testing.assert_allclose(g, -0.5 * (1 - d) / LF.size, rtol=1e-12)
    v, (g,) = value_and_grads(gan.maximum_likelihood_generator_loss, LF)
    assert v == pytest.approx(-0.5 * np.mean(d / (1 - d)), rel=1e-12)  # exp(logit(D)) = D/(1-D)
    np.testing.assert_allclose(g, -0.5 * np.exp(LF) / LF.size, rtol=1e-12)


def test_minimax_is_minus_discriminator_cost_up_to_the_real_term():
    full = -gan.discriminator_loss(t(LR), t(LF)).item()
    real_term = 0.5 * np.mean(np.log(sig(LR)))
    assert gan.minimax_generator_loss(t(LF)).item() == pytest.approx(full - real_term, rel=1e-12)


def test_lsgan_wgan_hinge():
    v, (gr, gf) = value_and_grads(lambda r, f: gan.lsgan_discriminator_loss(r, f, a=-1.0, b=1.0), LR, LF)
    assert v == pytest.approx(0.5 * np.mean((LR - 1) ** 2) + 0.5 * np.mean((LF + 1) ** 2))
    np.testing.assert_allclose(gr, (LR - 1) / LR.size)
    v, (g,) = value_and_grads(lambda f: gan.lsgan_generator_loss(f, c=0.0), LF)
    assert v == pytest.approx(0.5 * np.mean(LF ** 2))
    v, (gr, gf) = value_and_grads(gan.wasserstein_critic_loss, LR, LF)
    assert v == pytest.approx(LF.mean() - LR.mean())
    np.testing.assert_allclose(gr, -np.ones(3) / 3)
    v, (g,) = value_and_grads(gan.wasserstein_generator_loss, LF)
    assert v == pytest.approx(-LF.mean())
    v, (gr, gf) = value_and_grads(gan.hinge_discriminator_loss, LR, LF)
    assert v == pytest.approx(np.mean(np.maximum(0, 1 - LR)) + np.mean(np.maximum(0, 1 + LF)))
    np.testing.assert_allclose(gf, (1 + LF > 0) / LF.size)


def test_objectives_finite_at_huge_logits():
    big = t([1000.0, -1000.0])
    for fn in (gan.non_saturating_generator_loss, gan.minimax_generator_loss,
               lambda f: gan.discriminator_loss(f, f, label_smoothing=0.1)):
        out = fn(big)
        g, = ng.grad(out, [big])
        assert np.isfinite(out.item()) and np.all(np.isfinite(g.data))


def mlp_critic(params):
    w1, b1, w2 = params
    return lambda x: F.linear(ng.tanh(F.linear(x.flatten(1), w1, b1)), w2)


def test_gradient_penalty_value_and_its_gradient_by_finite_differences():
    """The penalty's value against a NumPy formula, and d(penalty)/d(params) — the double
    backprop through a tanh MLP — against central differences of the penalty itself."""
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((4, 1, 2, 3)), rng.standard_normal((4, 1, 2, 3))
    eps = rng.random((4, 1, 1, 1))
    params = [t(rng.standard_normal((5, 6))), t(rng.standard_normal(5)), t(rng.standard_normal((1, 5)))]
    w1, b1, w2 = [p.data for p in params]
    x_hat = (eps * real + (1 - eps) * fake).reshape(4, 6)
    h = np.tanh(x_hat @ w1.T + b1)
    grad_x = ((1 - h ** 2) * w2) @ w1  # d/dx of w2 . tanh(W1 x + b1), per sample
    want = 10.0 * np.mean((np.linalg.norm(grad_x, axis=1) - 1) ** 2)
    gp = gan.gradient_penalty(mlp_critic(params), ng.tensor(real, dtype=np.float64),
                              ng.tensor(fake, dtype=np.float64), lam=10.0, eps=eps)
    assert gp.item() == pytest.approx(want, rel=1e-9)
    ng.gradcheck(lambda *ps: gan.gradient_penalty(mlp_critic(ps), ng.tensor(real, dtype=np.float64),
                                                  ng.tensor(fake, dtype=np.float64), eps=eps), params)


def test_penalty_norm_is_over_all_non_batch_axes():
    g = ng.tensor(np.arange(24.0).reshape(2, 3, 2, 2), dtype=np.float64)
    np.testing.assert_allclose(gan.per_sample_grad_norm(g).data,
                               np.linalg.norm(g.data.reshape(2, -1), axis=1), rtol=1e-12)


def test_r1_penalty_and_weight_clipping():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2))
    w = t([[2.0, -1.0]])
    r1 = gan.r1_penalty(lambda v: F.linear(v, w), ng.tensor(x, dtype=np.float64), gamma=4.0)
    assert r1.item() == pytest.approx(0.5 * 4.0 * 5.0)  # ||w||^2 = 5 for every sample
    p = ng.tensor([[-0.5, 0.003, 0.2]], requires_grad=True)
    gan.clip_weights([p], 0.01)
    np.testing.assert_allclose(p.data, [[-0.01, 0.003, 0.01]])


def test_weight_clipping_counts_as_an_in_place_write():
    """A graph recorded before the clipping refuses to backward through the old weights."""
    p = ng.tensor([[-0.5, 0.003, 0.2]], dtype=np.float64, requires_grad=True)
    loss = (p * p).sum()
    gan.clip_weights([p], 0.01)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()
