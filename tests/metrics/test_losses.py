"""Softmax cross-entropy as a composite: values against NumPy, gradients of two orders."""
import numpy as np
import pytest

import npgan as ng
from npgan.metrics.losses import cross_entropy, log_softmax


def reference_log_softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def test_values_and_reductions(rng):
    x, t = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    per_sample = -reference_log_softmax(x)[np.arange(5), t]
    np.testing.assert_allclose(log_softmax(ng.tensor(x)).data, reference_log_softmax(x), rtol=1e-12)
    np.testing.assert_allclose(cross_entropy(ng.tensor(x), t, reduction="none").data, per_sample, rtol=1e-12)
    assert cross_entropy(ng.tensor(x), t).item() == pytest.approx(per_sample.mean())
    assert cross_entropy(ng.tensor(x), t, reduction="sum").item() == pytest.approx(per_sample.sum())


def test_gradients_first_and_second_order(rng):
    t = np.array([2, 0, 1])
    # a random output weight, so a wrong per-sample gradient cannot hide in a sum
    w = ng.tensor(rng.uniform(0.5, 2, 3))
    x = ng.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert ng.gradcheck(lambda x: cross_entropy(x, t, reduction="none") * w, [x])
    assert ng.gradgradcheck(lambda x: cross_entropy(x, t, reduction="none") * w, [x])
    g, = ng.grad(cross_entropy(x, t), [x])
    softmax = np.exp(reference_log_softmax(x.data))
    np.testing.assert_allclose(g.data, (softmax - np.eye(3)[t]) / 3, rtol=1e-10)


def test_large_logits_stay_finite_and_bad_targets_are_named():
    x = ng.tensor(np.array([[1000.0, -1000.0], [-5e4, 5e4]], np.float32), requires_grad=True)
    loss = cross_entropy(x, np.array([1, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(1000.0) and np.all(np.isfinite(x.grad.data))
    with pytest.raises(ValueError, match=r"cross_entropy: targets must lie in \[0, 2\)"):
        cross_entropy(x, np.array([0, 2]))
    with pytest.raises(ValueError, match="cross_entropy"):
        cross_entropy(x, np.array([0.5, 1.0]))
