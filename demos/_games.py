"""Two-player games on the plane and the update rules the lecture notes compare.

A game is ``losses(x, y) -> (loss_x, loss_y)`` on scalar Tensors: player x minimizes
loss_x over x, player y minimizes loss_y over y. A zero-sum game min_x max_y f is
``zero_sum(f)``: loss_x = f, loss_y = -f. Its *vector field* is

    F(x, y) = (d loss_x / dx, d loss_y / dy),

computed with npgan's autodiff, and every rule below is built from F alone. A rule is
returned as a function z -> next z (z = np.array([x, y])), so ``trajectory`` runs any of
them and ``trajectories`` compares several. With step size lr (alpha in the notes):

    simultaneous     z+ = z - lr F(z)                                     (seed 004)
    alternating      x+ = x - lr F_x(x, y);  y+ = y - lr F_y(x+, y)       (x moves first)
    multi-ascent     y takes n_dis steps at fixed x, then x one step      (seed 004, N_dis)
    extragradient    z' = z - lr F(z);  z+ = z - lr F(z')                 (Korpelevich, 1976)
    optimistic       z+ = z - 2 lr F(z) + lr F(z-)                        (Daskalakis et al., 2018)
"""
import numpy as np

import npgan as ng


def zero_sum(f):
    """min_x max_y f(x, y) as a game: x minimizes f, y minimizes -f."""
    def losses(x, y):
        value = f(x, y)
        return value, -value
    return losses


def vector_field(losses):
    """F(z) = (d loss_x/dx, d loss_y/dy) at z = (x, y), by reverse-mode autodiff in float64."""
    def field(z):
        x = ng.tensor(z[0], dtype=np.float64, requires_grad=True)
        y = ng.tensor(z[1], dtype=np.float64, requires_grad=True)
        loss_x, loss_y = losses(x, y)
        gx, = ng.grad(loss_x, [x], retain_graph=True)  # loss_y may share loss_x's graph
        gy, = ng.grad(loss_y, [y])
        return np.array([gx.item(), gy.item()])
    return field


def simultaneous(field, lr):
    """Both players step from the same point (simultaneous gradient descent-ascent)."""
    return lambda z: z - lr * field(z)


def alternating(field, lr):
    """x steps first; y then steps from the new x."""
    def step(z):
        x = z[0] - lr * field(z)[0]
        y = z[1] - lr * field(np.array([x, z[1]]))[1]
        return np.array([x, y])
    return step


def multi_ascent(field, lr, n_dis):
    """Seed 004's alternating multi-ascent / single-descent: y (the discriminator) takes
    ``n_dis`` steps with x fixed, then x (the generator) one step against the new y.
    With n_dis = 1 this is alternating GDA with y moving first."""
    def step(z):
        x, y = z
        for _ in range(n_dis):
            y = y - lr * field(np.array([x, y]))[1]
        x = x - lr * field(np.array([x, y]))[0]
        return np.array([x, y])
    return step


def extragradient(field, lr):
    """Look ahead one step, then step from z with the gradient found there."""
    def step(z):
        lookahead = z - lr * field(z)
        return z - lr * field(lookahead)
    return step


def optimistic(field, lr):
    """Optimistic GDA: the gradient plus a correction by how much it just changed,
    z+ = z - lr F(z) - lr (F(z) - F(z-)). The first step is plain simultaneous GDA."""
    previous = None

    def step(z):
        nonlocal previous
        g = field(z)
        z_next = z - lr * (2 * g - (g if previous is None else previous))
        previous = g
        return z_next
    return step


def trajectory(step, start, n_steps):
    """The iterates z_0 = start, z_1, ..., z_n of ``step`` as an (n + 1, 2) array."""
    points = [np.asarray(start, dtype=np.float64)]
    for _ in range(n_steps):
        points.append(step(points[-1]))
    return np.stack(points)


def trajectories(schemes, start, n_steps, saddle):
    """Each rule of ``schemes`` ({name: step}) run from ``start`` for ``n_steps``: its
    iterates (``trajectory``) and their distance to ``saddle`` at every step, as two
    dicts keyed like ``schemes``."""
    paths = {name: trajectory(step, start, n_steps) for name, step in schemes.items()}
    distances = {name: np.linalg.norm(path - np.asarray(saddle), axis=1) for name, path in paths.items()}
    return paths, distances
