"""Adversarially fair representations: the synthetic data's correlations, and the
encoder/adversary wiring (the adversary's gradient reaches the encoder reversed)."""
import numpy as np
import pytest

import npgan as ng
from npgan.autograd.engine import grad
from npgan.data.sensitive import sensitive_tabular
from npgan.gan.fair import FairModel, probe_accuracy


def test_data_has_the_stated_correlations():
    x, y, a = sensitive_tabular(40_000, 0, correlation=0.7, mu_y=0.6, mu_a=1.0)
    assert x.shape == (40_000, 12) and x.dtype == np.float32 and y.dtype == a.dtype == np.int64
    assert np.mean(y == a) == pytest.approx(0.7, abs=0.01)
    assert a.mean() == pytest.approx(0.5, abs=0.01)
    shift = lambda cols, labels: x[labels == 1][:, cols].mean(0) - x[labels == 0][:, cols].mean(0)  # noqa: E731
    np.testing.assert_allclose(shift(slice(4, 8), a), 2.0, atol=0.05)    # proxies: 2 mu_a apart by a
    np.testing.assert_allclose(shift(slice(0, 4), y), 1.2, atol=0.05)    # task columns: 2 mu_y apart by y
    np.testing.assert_allclose(shift(slice(8, 12), a), 0.0, atol=0.05)   # noise
    np.testing.assert_allclose(x[:, 8:].std(0), 1.0, atol=0.02)


def test_data_is_reproducible_and_checks_its_arguments():
    first, again = sensitive_tabular(10, 3), sensitive_tabular(10, 3)
    for u, v in zip(first, again):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="sensitive_tabular: correlation"):
        sensitive_tabular(10, 0, correlation=0.2)
    with pytest.raises(ValueError, match="sensitive_tabular: n must be"):
        sensitive_tabular(0, 0)


def test_the_adversary_gradient_reaches_the_encoder_reversed():
    """d(L_y + L_a)/d theta_f through R_1 equals dL_y/d theta_f - dL_a/d theta_f."""
    ng.manual_seed(0)
    model = FairModel(12).double()
    x, y, a = sensitive_tabular(16, 1, dtype=np.float64)
    params = list(model.encoder.parameters())

    def losses():
        y_logit, a_logit = model(ng.tensor(x))
        bce = ng.nn.functional.binary_cross_entropy_with_logits
        return bce(y_logit, y[:, None].astype(np.float64)), bce(a_logit, a[:, None].astype(np.float64))

    task, adversarial = losses()
    combined = grad(task + adversarial, params)
    model.reversal.lambda_ = -1.0  # plain derivatives for the reference
    task, _ = losses()
    d_task = grad(task, params)
    _, adversarial = losses()
    d_adv = grad(adversarial, params)
    for c, t, v in zip(combined, d_task, d_adv):
        np.testing.assert_allclose(c.data, t.data - v.data, rtol=1e-10, atol=1e-14)


def test_a_fresh_probe_reads_an_attribute_that_is_in_z_and_not_one_that_is_not():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2, 800)
    z = rng.standard_normal((800, 4)).astype(np.float32)
    leaky = z.copy()
    leaky[:, 0] += 3 * (2 * a - 1)
    assert probe_accuracy(leaky[:400], a[:400], leaky[400:], a[400:], steps=300) > 0.95
    assert probe_accuracy(z[:400], a[:400], z[400:], a[400:], steps=300) < 0.6
