"""Demo 9 — f-GAN: one game for every f-divergence (seed 003, "Can we use other divergence?"; seed 001 section 3.2.5).

Nowozin, Cseke & Tomioka (2016): for a convex f with f(1) = 0 and its convex conjugate
f*(t) = sup_u {t u - f(u)}, every critic T bounds the f-divergence from below,

    D_f(P || Q) = E_Q f(p / q)  >=  E_P T(x) - E_Q f*(T(x)),   tight at T* = f'(p / q),

so a discriminator that maximizes the right-hand side *estimates* D_f, and a generator
that minimizes it minimizes D_f. ``npgan.gan.divergences`` holds the seven rows of the
paper's Tables 1-2 (f, f*, the output activation g_f with T = g_f(V)); ``FGANGame`` plays
the game; ``npgan train --model fgan --divergence NAME`` trains it on the 2-D mixtures.

(a) Each conjugate against its definition: sup_u {t u - f(u)} on a grid of u, at several
t in dom f* (this is how the seed's typo in Neyman chi^2's conjugate is caught: the
paper's 2 - 2 sqrt(1 - t) is right, see the docstring of ``npgan.gan.divergences``).

(b) A critic (an MLP, Adam) maximizing the bound on samples of P = N(0, 1) and Q = N(1, 1)
reaches the divergence: KL = 1/2 both ways, Pearson = Neyman = e - 1, squared Hellinger
2 (1 - e^(-1/8)); JS and the GAN row by numerical integration.

(c) Which divergence G minimizes matters: a Gaussian generator x = mu + sigma z fitted to a
two-mode mixture by the f-GAN game spreads over both modes under KL(P || Q) (P the data:
a model missing data mass pays infinitely) and settles on one mode under the reverse
KL(Q || P) (a model putting mass where there is no data pays infinitely) — the paper's
Figure 2. The best Gaussians are computed directly for comparison: under KL the moment
match (mean and standard deviation of the mixture), under reverse KL a numerical minimum
(either mode). G starts narrow and off-centre (mu 1, sigma 0.5): reverse KL is not convex
in (mu, sigma), and from a wide start between the modes the game can stall there, wide.

What to look for: the printed table of (b) (estimate <= true, close to it), and in
fitted_gaussians.png the two fits against the data's density.

    python demos/09_fgan.py [--out DIR] [--quick]
"""
import argparse
import math
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import npgan as ng
import npgan.nn as nn
from npgan.gan.divergences import DIVERGENCES
from npgan.gan.fgan import FGANGame

P, Q = (0.0, 1.0), (1.0, 1.0)   # (mean, std) of part (b)
X = np.linspace(-10.0, 10.0, 4001)
MIXTURE = ((-2.0, 0.5), (2.0, 0.5))   # part (c): equal weights
START = (1.0, 0.5)                     # G's (mu, sigma) at the start of part (c)
CLOSED_FORMS = {"kl": 0.5, "reverse_kl": 0.5, "pearson": math.e - 1, "neyman": math.e - 1,
                "squared_hellinger": 2 * (1 - math.exp(-1 / 8))}


def log_normal(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))


def mixture_pdf(x):
    return sum(0.5 * np.exp(log_normal(x, m, s)) for m, s in MIXTURE)


def conjugates():
    """Part (a): max over t of |f*(t) - sup_u {t u - f(u)}| for each divergence."""
    u = np.exp(np.linspace(-12.0, 8.0, 200001))   # u > 0, dense on a log scale
    gaps = {}
    for name, d in DIVERGENCES.items():
        f_u = d.f(ng.tensor(u)).numpy()
        lo, hi = d.conjugate_domain
        ts = np.linspace(max(lo, -2.0), min(hi, 3.0), 9)[1:-1]
        gaps[name] = max(abs(d.conjugate(ng.tensor(np.array(t))).item() - np.max(t * u - f_u)) for t in ts)
    print("(a) |f*(t) - sup_u {t u - f(u)}| (grid of u), worst over 7 values of t in dom f*:")
    print("    " + ", ".join(f"{name} {gap:.1e}" for name, gap in gaps.items()))
    return gaps


def bound_on_grid(d, v):
    """E_P g_f(V) - E_Q f*(g_f(V)) by the trapezoid rule on X, for outputs V on X."""
    g = d.activation(ng.tensor(v)).numpy()
    conj = d.conjugate_of_activation(ng.tensor(v)).numpy()
    return float(np.trapezoid(np.exp(log_normal(X, *P)) * g - np.exp(log_normal(X, *Q)) * conj, X))


def train_critic(name, steps, batch_size=512, lr=1e-2, seed=0):
    """An MLP V maximizing the f-GAN bound on samples of P and Q; its outputs on X."""
    ng.manual_seed(seed)
    rng = np.random.default_rng(seed)
    V = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    optimizer = ng.optim.Adam(V.parameters(), lr=lr, betas=(0.5, 0.999))
    game = FGANGame(name)
    for step in range(steps):
        optimizer.param_groups[0]["lr"] = lr * (1 - step / steps)
        real, fake = ng.tensor(rng.normal(*P, size=(batch_size, 1))), ng.tensor(rng.normal(*Q, size=(batch_size, 1)))
        loss, _ = game.discriminator_loss(V, real, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ng.no_grad():
        return V(ng.tensor(X[:, None])).numpy().ravel()


def estimates(steps):
    """Part (b): {name: (true divergence, the trained critic's bound)}."""
    rows = {}
    print(f"(b) D_f(P || Q), P = N{P}, Q = N{Q} (mean, std); critic trained {steps} Adam steps:")
    for name, d in DIVERGENCES.items():
        true = bound_on_grid(d, d.optimal_output(ng.tensor(log_normal(X, *P) - log_normal(X, *Q))).numpy())
        estimate = bound_on_grid(d, train_critic(name, steps))
        rows[name] = (true, estimate)
        closed = f"(closed form {CLOSED_FORMS[name]:.6f})" if name in CLOSED_FORMS else "(integrated)"
        print(f"    {name:18s} {d.divergence:42s} true {true:+.6f} {closed:24s} critic {estimate:+.6f}")
    return rows


def fit_gaussian(name, steps, batch_size=256, seed=0):
    """Part (c): G(z) = mu + sigma z against an MLP critic, the f-GAN game with alternating
    Adam steps; returns the final (mu, sigma)."""
    ng.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mu = ng.tensor(np.array([START[0]]), requires_grad=True)
    log_sigma = ng.tensor(np.array([math.log(START[1])]), requires_grad=True)
    V = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1)).double()
    opt_d = ng.optim.Adam(V.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_g = ng.optim.Adam([mu, log_sigma], lr=1e-2, betas=(0.5, 0.999))
    game = FGANGame(name)
    for step in range(steps):
        which = rng.integers(0, 2, batch_size)
        means, stds = np.array([m for m, _ in MIXTURE]), np.array([s for _, s in MIXTURE])
        real = ng.tensor(rng.normal(means[which], stds[which])[:, None])
        z = ng.tensor(rng.standard_normal((batch_size, 1)))
        fake = mu + ng.exp(log_sigma) * z
        loss, _ = game.discriminator_loss(V, real, fake.detach())
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        g_loss = game.generator_loss(V, mu + ng.exp(log_sigma) * z)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    return float(mu.item()), float(np.exp(log_sigma.item()))


def best_gaussians():
    """The Gaussians closest to the mixture: KL(P || Q) by moment matching, KL(Q || P) by a
    grid search over (mu, sigma) of the integral on X (mu >= 0: the two modes tie by symmetry)."""
    p = mixture_pdf(X)
    mean = np.trapezoid(X * p, X)
    kl_fit = (mean, math.sqrt(np.trapezoid((X - mean) ** 2 * p, X)))
    log_p = np.log(np.maximum(p, 1e-300))
    best = None
    for m in np.linspace(0.0, 3.0, 61):
        for s in np.linspace(0.2, 3.0, 57):
            q = np.exp(log_normal(X, m, s))
            value = np.trapezoid(q * (log_normal(X, m, s) - log_p), X)
            if best is None or value < best[0]:
                best = (value, m, s)
    return {"kl": kl_fit, "reverse_kl": (best[1], best[2])}


def fits(steps, out):
    best = best_gaussians()
    result = {}
    print(f"(c) a Gaussian fitted to 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2) by the f-GAN game ({steps} steps):")
    for name in ("kl", "reverse_kl"):
        result[name] = fit_gaussian(name, steps)
        print(f"    {DIVERGENCES[name].divergence:10s}: mu {result[name][0]:+.3f}, sigma {result[name][1]:.3f}   "
              f"(best Gaussian: mu {best[name][0]:+.3f}, sigma {best[name][1]:.3f})")
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(X, mixture_pdf(X), color="k", label="data")
    for name, colour in (("kl", "C0"), ("reverse_kl", "C1")):
        ax.plot(X, np.exp(log_normal(X, *result[name])), color=colour, label=f"f-GAN fit, {name}")
        ax.plot(X, np.exp(log_normal(X, *best[name])), color=colour, linestyle=":", label=f"best Gaussian, {name}")
    ax.set(xlim=(-5, 5), xlabel="x", title="KL covers the modes, reverse KL picks one")
    ax.legend(fontsize=8)
    FigureCanvasAgg(fig).print_png(os.path.join(out, "fitted_gaussians.png"))
    return {"fits": result, "best": best}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "fgan"))
    parser.add_argument("--quick", action="store_true", help="fewer steps: only checks the plumbing")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: fewer steps; this only checks the plumbing (the tests check the numbers)")
    os.makedirs(args.out, exist_ok=True)
    results = {"conjugate_gaps": conjugates(), "estimates": estimates(400)}
    results.update(fits(500 if args.quick else 3000, args.out))
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
