"""1-D optimal transport by sorting: the plan's marginals, its cost against the CDF formula,
against a brute force over permutations (uniform weights, where the optimal plans include
a permutation: Birkhoff) and against a linear program (scipy, when installed)."""
import itertools

import numpy as np
import pytest

from npgan.gan.transport import plan_cost, transport_plan_1d, wasserstein_1d


def random_histograms(rng, n, m):
    x, y = rng.normal(size=n), rng.normal(0.5, 1.5, size=m)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    return x, y, a / a.sum(), b / b.sum()


def test_point_masses_are_their_distance():
    assert wasserstein_1d([0.0], [2.5]) == pytest.approx(2.5)
    assert wasserstein_1d([1.0], [-0.75]) == pytest.approx(1.75)
    np.testing.assert_allclose(transport_plan_1d([0.0], [2.5]), [[1.0]])


def test_shift_of_an_empirical_distribution_costs_the_shift():
    x = np.random.default_rng(0).normal(size=50)
    assert wasserstein_1d(x, x + 0.3) == pytest.approx(0.3, rel=1e-12)
    assert wasserstein_1d(x, x) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("n, m", [(1, 4), (3, 3), (5, 2), (7, 6)])
def test_plan_has_the_marginals_and_the_cdf_cost(n, m):
    rng = np.random.default_rng(n * 10 + m)
    x, y, a, b = random_histograms(rng, n, m)
    plan = transport_plan_1d(x, y, a, b)
    assert np.all(plan >= 0)
    np.testing.assert_allclose(plan.sum(1), a, atol=1e-15)
    np.testing.assert_allclose(plan.sum(0), b, atol=1e-15)
    assert np.count_nonzero(plan) <= n + m - 1
    assert plan_cost(plan, x, y) == pytest.approx(wasserstein_1d(x, y, a, b), rel=1e-12)


def test_tutorial_histograms_by_hand():
    """Earth at 1, 2, 3 with 1/2, 1/4, 1/4 onto 2, 4 with 1/2, 1/2: the monotone plan moves
    1/2 from 1 to 2, 1/4 from 2 to 4 and 1/4 from 3 to 4: cost 1/2 + 1/2 + 1/4 = 5/4."""
    plan = transport_plan_1d([1.0, 2.0, 3.0], [2.0, 4.0], [0.5, 0.25, 0.25], [0.5, 0.5])
    np.testing.assert_allclose(plan, [[0.5, 0.0], [0.0, 0.25], [0.0, 0.25]])
    assert wasserstein_1d([1.0, 2.0, 3.0], [2.0, 4.0], [0.5, 0.25, 0.25], [0.5, 0.5]) == pytest.approx(1.25)


@pytest.mark.parametrize("n", [2, 3, 5, 6])
def test_uniform_weights_against_every_permutation(n):
    rng = np.random.default_rng(n)
    x, y = rng.normal(size=n), rng.normal(1.0, 2.0, size=n)
    cost = np.abs(x[:, None] - y[None, :])
    best = min(cost[np.arange(n), list(p)].mean() for p in itertools.permutations(range(n)))
    assert wasserstein_1d(x, y) == pytest.approx(best, rel=1e-12)
    assert plan_cost(transport_plan_1d(x, y), x, y) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("n, m", [(2, 3), (4, 4), (6, 3), (5, 7)])
def test_against_a_linear_program(n, m):
    linprog = pytest.importorskip("scipy.optimize").linprog
    rng = np.random.default_rng(100 + n * m)
    x, y, a, b = random_histograms(rng, n, m)
    cost = np.abs(x[:, None] - y[None, :]).ravel()
    rows = np.kron(np.eye(n), np.ones(m))     # sum_j gamma_ij = a_i
    cols = np.kron(np.ones(n), np.eye(m))     # sum_i gamma_ij = b_j
    lp = linprog(cost, A_eq=np.vstack([rows, cols]), b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert lp.status == 0
    assert plan_cost(transport_plan_1d(x, y, a, b), x, y) == pytest.approx(lp.fun, rel=1e-9, abs=1e-12)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        wasserstein_1d([], [1.0])
    with pytest.raises(ValueError, match="weights of shape"):
        transport_plan_1d([0.0, 1.0], [1.0], [1.0], None)
    with pytest.raises(ValueError, match="non-negative"):
        wasserstein_1d([0.0, 1.0], [1.0], [1.0, -0.5])
