"""Synthetic tabular data with a sensitive attribute correlated with the label, for the
adversarially fair representations of seed 004.

    a ~ Bernoulli(1/2)                       the sensitive attribute
    y = a with probability ``correlation``   the label (else 1 - a)
    x = [ (2y - 1) mu_y + noise  (``task`` columns),
          (2a - 1) mu_a + noise  (``proxy`` columns: a stands out in them),
          noise                  (``noise`` columns) ],   noise ~ N(0, 1)

A classifier of y gains from the proxy columns (through the correlation) and so learns a
representation that gives a away; one that discards them still reads y from the task
columns. Since y itself tells a with accuracy ``correlation``, no representation that
predicts y well can hide a below that: it is the floor an adversary's accuracy falls to.
"""
import numpy as np


def sensitive_tabular(n, rng, correlation=0.7, task=4, proxy=4, noise=4, mu_y=0.6, mu_a=1.0, dtype=np.float32):
    """(x (n, task + proxy + noise), y (n,) int64, a (n,) int64), drawn as above."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"sensitive_tabular: n must be a positive integer, got {n!r}")
    if not 0.5 <= correlation <= 1:
        raise ValueError(f"sensitive_tabular: correlation = P(y = a) must be in [0.5, 1], got {correlation}")
    rng = np.random.default_rng(rng)
    a = rng.integers(0, 2, n)
    y = np.where(rng.uniform(size=n) < correlation, a, 1 - a)
    x = rng.standard_normal((n, task + proxy + noise))
    x[:, :task] += (2 * y - 1)[:, None] * mu_y
    x[:, task:task + proxy] += (2 * a - 1)[:, None] * mu_a
    return x.astype(dtype), y.astype(np.int64), a.astype(np.int64)
