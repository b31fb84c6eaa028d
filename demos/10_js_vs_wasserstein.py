"""Demo 10 — why the JS divergence fails on disjoint supports, and what the earth mover's distance fixes (seed 003).

Real data and generated samples live on thin manifolds that barely overlap (seed 003,
"What is the problem of JS divergence?"). The tutorial's picture: P_0 is the segment
{(0, z) : z in [0, 1]}, P_theta the same segment moved to x = theta (z ~ U[0, 1] on both).

(a) JS. For theta != 0 the supports are disjoint, so the optimal discriminator
D*(x) = p_0 / (p_0 + p_theta) is 1 on P_0 and 0 on P_theta: it separates them perfectly,
its value is V(D*) = E_0 log 1 + E_theta log 1 = 0 = -log 4 + 2 JS, and so

    JS(P_0, P_theta) = log 2 for every theta != 0,   0 at theta = 0:

flat in theta, d JS / d theta = 0. A generator at theta = 3 and one at theta = 0.1 get the
same loss and no gradient towards 0. (KL is +inf for every theta != 0.)

(b) The earth mover's distance. Every plan moves the earth at least |theta| sideways, and
moving each (theta, z) straight to (0, z) costs exactly that, so W_1(P_0, P_theta) = |theta|:
it shrinks as P_theta moves closer, and its gradient in theta is sign(theta). By
Kantorovich-Rubinstein duality W_1 = max over 1-Lipschitz f of E_0 f - E_theta f, the
WGAN critic's objective. A critic trained with WGAN-GP (Gulrajani et al., 2017:
lambda = 10, Adam with betas (0, 0.9); here lr 1e-3 decaying to 0, the critic alone on fixed
distributions) estimates |theta|, and the generator's gradient d/d theta (-E f(theta))
has the sign of theta: it points towards P_0. The critic sees the x coordinate only, the
1-D point masses delta_0 and delta_theta: the z coordinates have the same law on both
segments, so W_1 is the same, and on the plane the penalty's interpolates (eps (0, z) +
(1 - eps) (theta, z')) thin out towards the segments' ends, where the critic may then
steepen beyond slope 1 almost for free. Even on the line the penalty lets the slope exceed
1 a little: the interpolates are uniform on [0, theta], and maximizing
s |theta| - lambda (s - 1)^2 gives s = 1 + |theta| / (2 lambda), so the best penalized
critic estimates |theta| (1 + |theta| / (2 lambda)), 2.5% high at |theta| = 0.5 (the
thetas below keep |theta| <= 0.5).

(c) Moving plans between two small 1-D histograms (the tutorial's "many possible moving
plans"): ``npgan.gan.transport`` computes the best plan exactly by sorting and cumulative
sums; it is checked here against brute force — with the earth in equal units, an optimal
plan of the linear program can be taken to move whole units (Birkhoff-von Neumann), so the
minimum over every assignment of units is the LP's optimum — and against scipy's LP
solver when scipy is installed.

What to look for: js_vs_emd.png (JS flat at log 2 away from 0, W_1 = |theta| a V, the
critic's estimates on it); moving_plan.png (the plan gamma_ij as an image).

    python demos/10_js_vs_wasserstein.py [--out DIR] [--quick]
"""
import argparse
import itertools
import math
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import npgan as ng
import npgan.nn as nn
from npgan.gan.games import WGANGPGame
from npgan.gan.transport import plan_cost, transport_plan_1d, wasserstein_1d

THETAS = (-0.5, -0.25, 0.25, 0.5)
# tiny histograms in units of earth: P has 1, 2, 1, 3 units at x = 0, 1, 2, 3; Q 2, 1, 4 at x = 1, 2.5, 4
P_HIST = (np.arange(4.0), np.array([1, 2, 1, 3]))
Q_HIST = (np.array([1.0, 2.5, 4.0]), np.array([2, 1, 4]))


def segment(theta, n, rng):
    """n samples of P_theta: (theta, z), z ~ U[0, 1]."""
    return np.stack([np.full(n, theta), rng.random(n)], 1)


def js_discrete(p, q):
    """JS(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q)/2, for histograms on one support."""
    m = (p + q) / 2
    term = lambda a: np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(m > 0, m, 1.0)), 0.0))
    return 0.5 * term(p) + 0.5 * term(q)


def js_of_segments(theta, bins=200):
    """JS(P_0, P_theta) from the two densities binned on the plane (x in bins of width
    0.01 around 0 and theta, z in ``bins`` bins): exact for these piecewise-constant densities."""
    xs = sorted({0.0, float(theta)})
    p = np.zeros((len(xs), bins))
    q = np.zeros((len(xs), bins))
    p[xs.index(0.0)] = 1.0 / bins
    q[xs.index(float(theta))] = 1.0 / bins
    return js_discrete(p.ravel(), q.ravel())


def critic_estimate(theta, steps, lam=10.0, batch_size=256, seed=0):
    """Train an MLP critic with WGAN-GP on delta_0 (real) against delta_theta (fake);
    returns (E_0 f - E_theta f = f(0) - f(theta), d/d theta of G's loss -E f(theta))."""
    ng.manual_seed(seed)
    f = nn.Sequential(nn.Linear(1, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2),
                      nn.Linear(64, 1)).double()
    optimizer = ng.optim.Adam(f.parameters(), lr=1e-3, betas=(0.0, 0.9))
    game = WGANGPGame(lam)
    real, fake = ng.tensor(np.zeros((batch_size, 1))), ng.tensor(np.full((batch_size, 1), theta))
    for step in range(steps):
        optimizer.param_groups[0]["lr"] = 1e-3 * (1 - step / steps)  # to 0: the last steps average the noise out
        loss, _ = game.discriminator_loss(f, real, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ng.no_grad():
        estimate = f(ng.tensor(np.zeros((1, 1)))).item() - f(ng.tensor(np.full((1, 1), theta))).item()
    t = ng.tensor(np.array([[theta]]), requires_grad=True)
    g_grad, = ng.grad(game.generator_loss(f, t), [t])
    return float(estimate), float(g_grad.item())


def disjoint_supports(steps, out):
    """Parts (a) and (b): JS and W_1 in theta, and the WGAN-GP critic's estimates."""
    grid = np.linspace(-1.0, 1.0, 201)
    js = np.array([js_of_segments(t) for t in grid])
    emd = np.array([wasserstein_1d([0.0], [t]) for t in grid])   # the z coordinates are matched: 1-D
    h = 1e-3
    print("(a) P_0 = {(0, z)}, P_theta = {(theta, z)}, z ~ U[0, 1]")
    print(f"    JS(P_0, P_theta) for theta != 0: min {js[grid != 0].min():.6f}, max {js[grid != 0].max():.6f} "
          f"(log 2 = {math.log(2):.6f}); at theta = 0: {js_of_segments(0.0):.6f}")
    slope = (js_of_segments(0.3 + h) - js_of_segments(0.3 - h)) / (2 * h)
    print(f"    d JS / d theta at theta = 0.3 (central difference): {slope:.6f}")
    print(f"(b) W_1(P_0, P_theta) = |theta|; a WGAN-GP critic (lambda 10, {steps} Adam steps) estimates it:")
    rows = []
    for theta in THETAS:
        estimate, g_grad = critic_estimate(theta, steps)
        rows.append((theta, abs(theta), estimate, g_grad))
        print(f"    theta {theta:+.2f}: W_1 {abs(theta):.3f}, critic {estimate:.4f} "
              f"({100 * (estimate / abs(theta) - 1):+.1f}%), d(G's loss)/d theta {g_grad:+.3f} "
              f"(sign(theta) = {int(np.sign(theta)):+d})")
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(grid[grid < 0], js[grid < 0], color="C0", label="JS(P_0, P_theta)")
    ax.plot(grid[grid > 0], js[grid > 0], color="C0")
    ax.plot([0.0], [0.0], "o", color="C0")
    ax.plot(grid, emd, color="C1", label="W_1(P_0, P_theta) = |theta|")
    ax.plot([r[0] for r in rows], [r[2] for r in rows], "x", color="k", label="WGAN-GP critic's estimate")
    ax.set(xlabel="theta", title="disjoint supports: JS is flat, the earth mover's distance is not")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    FigureCanvasAgg(fig).print_png(os.path.join(out, "js_vs_emd.png"))
    return {"js": js, "grid": grid, "js_slope": slope, "critic": rows}


def brute_force_plan_cost(x, units_x, y, units_y):
    """The LP's optimum by brute force: the earth in equal units, every assignment of P's
    units to Q's (Birkhoff-von Neumann: an optimal plan moves whole units)."""
    px, py = np.repeat(x, units_x), np.repeat(y, units_y)
    return min(np.abs(px - py[list(p)]).mean() for p in itertools.permutations(range(py.size)))


def moving_plans(out):
    """Part (c): the exact 1-D plan against brute force (and scipy's LP if installed)."""
    (x, ux), (y, uy) = P_HIST, Q_HIST
    plan = transport_plan_1d(x, y, ux, uy)
    exact, cost = wasserstein_1d(x, y, ux, uy), plan_cost(plan, x, y)
    brute = brute_force_plan_cost(x, ux, y, uy)
    print(f"(c) moving plans: P = {ux.tolist()} units at x = {x.tolist()}, Q = {uy.tolist()} at x = {y.tolist()}")
    print(f"    W_1 by cumulative sums {exact:.6f}; cost of the monotone plan {cost:.6f}; "
          f"brute force over {math.factorial(int(uy.sum())):,} unit assignments {brute:.6f}")
    lp = None
    try:
        from scipy.optimize import linprog
    except ImportError:
        print("    (scipy not installed: no LP solver check)")
    else:
        a, b = ux / ux.sum(), uy / uy.sum()
        rows, cols = np.kron(np.eye(x.size), np.ones(y.size)), np.kron(np.ones(x.size), np.eye(y.size))
        lp = linprog(np.abs(x[:, None] - y[None, :]).ravel(), A_eq=np.vstack([rows, cols]),
                     b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs").fun
        print(f"    scipy's LP solver: {lp:.6f}")
    print("    the plan gamma_ij (rows: P's points, columns: Q's), in units of earth:")
    for xi, row in zip(x, plan * ux.sum()):
        print(f"      x = {xi:3.1f}: " + "  ".join(f"{v:4.1f}" for v in row))
    fig = Figure(figsize=(4.5, 4))
    ax = fig.add_subplot()
    image = ax.imshow(plan * ux.sum(), cmap="Greys")
    ax.set(xticks=range(y.size), xticklabels=[f"{v:g}" for v in y], yticks=range(x.size),
           yticklabels=[f"{v:g}" for v in x], xlabel="Q's points (to)", ylabel="P's points (from)",
           title=f"optimal moving plan, W_1 = {exact:.3f}")
    fig.colorbar(image, ax=ax, label="units of earth")
    FigureCanvasAgg(fig).print_png(os.path.join(out, "moving_plan.png"))
    return {"exact": exact, "plan_cost": cost, "brute_force": brute, "lp": lp, "plan": plan}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "js_vs_wasserstein"))
    parser.add_argument("--quick", action="store_true", help="fewer critic steps: only checks the plumbing")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: fewer critic steps; this only checks the plumbing (the tests check the numbers)")
    os.makedirs(args.out, exist_ok=True)
    results = disjoint_supports(300 if args.quick else 1000, args.out)
    results["plans"] = moving_plans(args.out)
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
