"""Exact optimal transport on the line: the earth mover's distance W_1 and an optimal
"moving plan" between two discrete distributions (seed 003, "Wasserstein distance").

The earth mover's distance between P and Q is the cost of the cheapest plan gamma (a joint
distribution with marginals P and Q) that moves P's earth onto Q's:

    W_1(P, Q) = min_{gamma in Pi(P, Q)}  sum_ij gamma_ij |x_i - y_j|.

In general that is a linear program. On the line it is not: with F and G the two
cumulative distribution functions,

    W_1(P, Q) = integral |F(t) - G(t)| dt,

a sum over the sorted union of the support points, and the *monotone* plan (the i-th unit
of P's earth, in sorted order, goes to the i-th unit of Q's: the north-west corner rule on
the sorted supports) is optimal for every convex cost of x - y. Both come from sorting and
cumulative sums alone. The tests check them against a brute-force linear program.

Numbers here are NumPy arrays: transport is a reference computation (a demo's and a
test's), not part of any graph.
"""
import numpy as np


def _distribution(points, weights, name):
    """(points, weights) as float64 1-D arrays, weights normalized to sum 1."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 1 or points.size == 0:
        raise ValueError(f"transport: {name} points must be a non-empty 1-D array, got shape {points.shape}")
    if weights is None:
        weights = np.full(points.size, 1.0 / points.size)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != points.shape:
        raise ValueError(f"transport: {name} has {points.size} points but weights of shape {weights.shape}")
    if not np.all(np.isfinite(points)) or not np.all(np.isfinite(weights)) or np.any(weights < 0) \
            or weights.sum() <= 0:
        raise ValueError(f"transport: {name} needs finite points and finite, non-negative weights with a "
                         f"positive sum, got weights {weights}")
    return points, weights / weights.sum()


def wasserstein_1d(x, y, x_weights=None, y_weights=None):
    """W_1 between sum_i a_i delta(x_i) and sum_j b_j delta(y_j) (uniform weights by
    default; weights are normalized): integral |F - G| over the sorted union of points."""
    x, a = _distribution(x, x_weights, "x")
    y, b = _distribution(y, y_weights, "y")
    points = np.concatenate([x, y])
    order = np.argsort(points, kind="stable")
    mass = np.concatenate([a, -b])[order]          # F - G jumps by +a_i at x_i, by -b_j at y_j
    gaps = np.diff(points[order])                  # F - G is constant between neighbours
    return float(np.sum(np.abs(np.cumsum(mass)[:-1]) * gaps))


def transport_plan_1d(x, y, x_weights=None, y_weights=None):
    """The monotone optimal plan gamma (len(x), len(y)) from P = (x, a) to Q = (y, b), in
    the input order of x and y: gamma[i, j] = earth moved from x_i to y_j. Walks both
    sorted supports at once, moving min(what x_i has left, what y_j still needs) each
    time: at most len(x) + len(y) - 1 entries are non-zero."""
    x, a = _distribution(x, x_weights, "x")
    y, b = _distribution(y, y_weights, "y")
    plan = np.zeros((x.size, y.size))
    ix, iy = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    left, need = a[ix].copy(), b[iy].copy()
    i = j = 0
    while i < x.size and j < y.size:
        moved = min(left[i], need[j])
        plan[ix[i], iy[j]] += moved
        left[i] -= moved
        need[j] -= moved
        if left[i] <= need[j]:  # x_i is empty (ties: advance x first, y's turn comes next)
            i += 1
        else:
            j += 1
    return plan


def plan_cost(plan, x, y):
    """sum_ij gamma_ij |x_i - y_j|: the average distance the earth travels under ``plan``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.sum(plan * np.abs(x[:, None] - y[None, :])))
