"""Demo 6 — what the discriminator learns, and why unregularized GAN training need not converge.

(a) The optimal discriminator (seed 001, section 3.2.1; seed 003). For a fixed generator,
D minimizes the cross-entropy J(D) = -1/2 E_data log D(x) - 1/2 E_g log(1 - D(x)); pointwise
the minimizer is

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

so a trained D estimates the density ratio p_data / p_g = D / (1 - D) — the one thing the
generator learns from. At D* the value V = -2 J(D) is -log 4 + 2 JS(p_data || p_g)
(seed 003: the maximum is related to the Jensen-Shannon divergence). Here a small MLP is
trained with Adam on p_data = N(2, 0.5^2) against a fixed p_g = N(-1, 1).

(b) The Dirac-GAN (Mescheder, Geiger & Nowozin, 2018): p_data = delta_0, the generator
G = delta_theta (one parameter), the discriminator D(x) = sigmoid(psi x) (one parameter),
the original (minimax) loss. The only equilibrium is (theta, psi) = (0, 0), yet the
gradient field circles it: with V = -1/2 softplus(psi theta) + const,
d/dt (theta^2 + psi^2) = 0 along the continuous flow. Simultaneous gradient steps spiral
outwards, alternating steps keep circling. The R1 penalty gamma/2 E_data ||grad_x D(x)||^2
(here gamma/2 psi^2, computed by double backprop in ``npgan.gan.penalties.r1_penalty``)
damps psi, and the iterates converge to (0, 0).

What to look for: in optimal_discriminator.png the trained D(x) lies on D*(x) wherever
there is data, and crosses 1/2 where the two densities are equal (beyond x = 4.5, D* falls
back to 0 because p_g has the heavier tail, but no sample ever lands there, so the trained
D cannot know and stays at 1); in dirac_gan.png two
paths circle or spiral out and the two with R1 spiral into the origin.

    python demos/06_optimal_discriminator.py [--out DIR] [--quick]
"""
import argparse
import os

import numpy as np

import npgan as ng
import npgan.nn as nn
from npgan import viz
from npgan.gan import objectives
from npgan.gan.penalties import r1_penalty

import _games as games

DATA, GENERATOR = (2.0, 0.5), (-1.0, 1.0)  # (mean, standard deviation) of p_data and p_g
GRID = np.linspace(-6.0, 6.0, 481)  # wide enough that both densities integrate to 1 on it
DENSITY_FLOOR = 0.01  # compare D with D* only where p_data + p_g exceeds this (x in about [-3.7, 3.5])


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def train_discriminator(n_steps, batch_size=256, seed=0):
    """An MLP D (logits out) trained on the discriminator's loss against the fixed p_g;
    returns its logits on GRID. The step size decays linearly to 0, so the last steps
    average out the minibatch noise instead of jittering the decision boundary."""
    ng.manual_seed(seed)
    rng = np.random.default_rng(seed)
    D = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    optimizer = ng.optim.Adam(D.parameters(), lr=1e-2, betas=(0.5, 0.999))
    for step in range(n_steps):
        optimizer.param_groups[0]["lr"] = 1e-2 * (1 - step / n_steps)
        real = ng.tensor(rng.normal(*DATA, size=(batch_size, 1)))
        fake = ng.tensor(rng.normal(*GENERATOR, size=(batch_size, 1)))
        loss = objectives.discriminator_loss(D(real), D(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ng.no_grad():
        return D(ng.tensor(GRID[:, None])).numpy().ravel()


def value(logits, p_data, p_g):
    """V(D) = E_data log D + E_g log(1 - D), integrated on GRID (trapezoid rule), from D's
    logits l: log D = -softplus(-l), log(1 - D) = -softplus(l) (finite even where D = 1)."""
    return -np.trapezoid(p_data * np.logaddexp(0, -logits) + p_g * np.logaddexp(0, logits), GRID)


def dirac_gan(gamma):
    """The Dirac-GAN as a game (theta, psi) -> (G's loss, D's loss), from npgan's objectives."""
    real = ng.tensor(np.zeros((1, 1)))

    def losses(theta, psi):
        def discriminator(x):  # D's logit psi * x
            return x * psi
        fake_logits = discriminator(ng.reshape(theta, (1, 1)))
        d_loss = objectives.discriminator_loss(discriminator(real), fake_logits)
        if gamma:
            d_loss = d_loss + r1_penalty(discriminator, real, gamma)
        return objectives.minimax_generator_loss(fake_logits), d_loss
    return losses


def optimal_discriminator(n_steps, out):
    """Part (a): train D, compare it with D* on GRID, print and plot; returns max and mean
    |D - D*|, and V(D*), JS(p_data || p_g) and V(trained D)."""
    p_data, p_g = normal_pdf(GRID, *DATA), normal_pdf(GRID, *GENERATOR)
    d_star = p_data / (p_data + p_g)
    logits = train_discriminator(n_steps)
    d = 1 / (1 + np.exp(-logits))
    where = p_data + p_g > DENSITY_FLOOR
    error = np.abs(d - d_star)[where]
    print(f"(a) MLP D trained {n_steps} Adam steps, p_data = N{DATA}, p_g = N{GENERATOR} (mean, std)")
    print(f"    |D - D*| where p_data + p_g > {DENSITY_FLOOR}: max {error.max():.3f} "
          f"(at x = {GRID[where][error.argmax()]:.2f}), mean {error.mean():.4f}")
    m = (p_data + p_g) / 2
    js = np.trapezoid(0.5 * p_data * np.log(p_data / m) + 0.5 * p_g * np.log(p_g / m), GRID)
    v_star, v_trained = value(np.log(p_data / p_g), p_data, p_g), value(logits, p_data, p_g)
    print(f"    V(D*) = {v_star:.4f}, -log 4 + 2 JS(p_data || p_g) = {-np.log(4) + 2 * js:.4f}, "
          f"V(trained D) = {v_trained:.4f} (<= V(D*): D* maximizes V)")
    viz.save_curves(GRID, {"trained D(x)": d, "D*(x) = p_data / (p_data + p_g)": d_star, "p_data(x)": p_data,
                           "p_g(x)": p_g}, os.path.join(out, "optimal_discriminator.png"), xlabel="x",
                    title="a trained discriminator against the optimal one")
    return error.max(), error.mean(), v_star, js, v_trained


def dirac(n_steps, out, lr=0.5, gamma=0.3):
    """Part (b): the Dirac-GAN with and without R1, simultaneous and alternating steps;
    returns the final distance to the equilibrium (0, 0) of each run."""
    start = np.array([1.0, 1.0])
    runs = {"simultaneous": (games.simultaneous, 0.0), "alternating": (games.alternating, 0.0),
            f"simultaneous + R1 (gamma {gamma})": (games.simultaneous, gamma),
            f"alternating + R1 (gamma {gamma})": (games.alternating, gamma)}
    paths = {name: games.trajectory(rule(games.vector_field(dirac_gan(g)), lr), start, n_steps)
             for name, (rule, g) in runs.items()}
    distances = {name: np.linalg.norm(path[-1]) for name, path in paths.items()}
    print(f"(b) Dirac-GAN from (theta, psi) = (1, 1), step {lr}, {n_steps} steps; distance to (0, 0), "
          f"start {np.linalg.norm(start):.3f}:")
    for name, path in paths.items():
        radius = np.linalg.norm(path, axis=1)
        print(f"    {name:32s} end {distances[name]:.2e}   (closest over the run {radius.min():.3g})")
    viz.save_trajectories(paths, os.path.join(out, "dirac_gan.png"), saddle=(0.0, 0.0), xlabel="theta (G)",
                          ylabel="psi (D)", title="Dirac-GAN: unregularized vs R1")
    return distances


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "optimal_discriminator"))
    parser.add_argument("--quick", action="store_true", help="fewer steps (for the tests)")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: fewer steps; this only checks the plumbing (the tests check the numbers)")
    max_error, mean_error, v_star, js, v_trained = optimal_discriminator(300 if args.quick else 1000, args.out)
    distances = dirac(100 if args.quick else 200, args.out)
    print(f"pictures in {args.out}/")
    return {"max_error": max_error, "mean_error": mean_error, "v_star": v_star, "js": js, "v_trained": v_trained,
            "dirac_distance": distances}


if __name__ == "__main__":
    main()
