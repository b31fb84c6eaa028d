"""Demo 3 — the generator's cost as a function of D(G(z)): the cost-response curves of the
NIPS 2016 GAN tutorial (seed 001, section 3.2 and its Figure 16).

All three games train D the same way; they differ in the generator's cost J(G), which
depends on a sample only through D = D(G(z)) (l = sigma^-1(D) = log(D / (1 - D)) is D's logit):

    minimax              J(G) =  1/2 log(1 - D)           (= -J(D): the zero-sum game)
    non-saturating       J(G) = -1/2 log D                (flip the target, not the sign)
    maximum likelihood   J(G) = -1/2 exp(sigma^-1(D))     (= -1/2 D / (1 - D))

Every value and slope here comes from the objectives the trainer uses
(``npgan.gan.objectives``, which take logits) and npgan's autodiff through
l = log D - log(1 - D). The slope that reaches the generator's weights is
dJ/dl * dl/dtheta, so dJ/dl is what decides whether G can learn:

    minimax              dJ/dl = -D / 2            -> 0 as D -> 0
    non-saturating       dJ/dl = -(1 - D) / 2      -> -1/2 as D -> 0
    maximum likelihood   dJ/dl = -D / (2 (1 - D))  -> 0 as D -> 0, -> -inf as D -> 1

(In D itself the minimax slope tends to -1/2, not 0; it is the non-saturating slope
-1/(2D) that grows without bound. Either way the minimax signal is (1 - D)/D times weaker.)

What to look for: early in training D rejects the fakes (D(G(z)) near 0, the left edge of
the pictures). There the minimax cost is flat — its gradient vanishes, it *saturates* —
while the non-saturating cost is steep and G still gets a signal. The maximum-likelihood
cost is flat on the left too, and puts nearly all its slope on the few samples D already
believes (the right edge), which is why its gradient estimates have a high variance.

    python demos/03_generator_costs.py [--out DIR] [--quick]
"""
import argparse
import os

import numpy as np

import npgan as ng
from npgan import viz
from npgan.gan import objectives

COSTS = {
    "minimax": objectives.minimax_generator_loss,
    "non-saturating": objectives.non_saturating_generator_loss,
    "maximum likelihood": objectives.maximum_likelihood_generator_loss,
}
PROBE = np.array([0.5, 0.1, 1e-2, 1e-3, 1e-4])  # values of D(G(z)) for the printed slopes


def cost_response(cost, d_values):
    """J(G) per sample at each D(G(z)) in ``d_values``, and its slopes dJ/dD and dJ/dl.

    The objectives average over the batch, so each sample's slope is N times the
    gradient of the batch mean."""
    d = ng.tensor(d_values, dtype=np.float64, requires_grad=True)
    logits = ng.log(d) - ng.log(1 - d)
    n = len(d_values)
    per_sample = [cost(logits[i:i + 1]).item() for i in range(n)]
    dj_dd, dj_dl = ng.grad(cost(logits), [d, logits])
    return np.array(per_sample), n * dj_dd.numpy(), n * dj_dl.numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "generator_costs"))
    parser.add_argument("--quick", action="store_true", help="a coarser grid (for the tests)")
    args = parser.parse_args(argv)

    print("slopes of the generator's cost where D rejects the fakes (D(G(z)) -> 0):")
    print(f"  {'D(G(z))':>8s}" + "".join(f" | {name:>28s}" for name in COSTS))
    print(f"  {'':8s}" + " | {:>12s}  {:>14s}".format("dJ/dD", "dJ/dlogit") * len(COSTS))
    slopes = {name: cost_response(cost, PROBE)[1:] for name, cost in COSTS.items()}
    for i, d in enumerate(PROBE):
        print(f"  {d:8.0e}" + "".join(f" | {dj_dd[i]:12.4g}  {dj_dl[i]:14.4g}" for dj_dd, dj_dl in slopes.values()))
    mm, ns = slopes["minimax"][1][-1], slopes["non-saturating"][1][-1]
    print(f"at D(G(z)) = {PROBE[-1]:g}: the minimax slope dJ/dlogit is {mm:.3g} (saturated), "
          f"the non-saturating one {ns:.3g}: {ns / mm:.0f} times larger")

    d_grid = np.linspace(1e-3, 1 - 1e-3, 101 if args.quick else 999)
    curves = {name: cost_response(cost, d_grid) for name, cost in COSTS.items()}
    pictures = [("costs.png", 0, "J(G)", "the generator's cost", (-10, 5)),
                ("slope_wrt_D.png", 1, "dJ(G) / dD(G(z))", "its slope in D", (-10, 1)),
                ("slope_wrt_logit.png", 2, "dJ(G) / d logit", "its slope in D's logit (what reaches G)", (-2, 0.1))]
    for filename, column, ylabel, title, ylim in pictures:
        viz.save_curves(d_grid, {name: c[column] for name, c in curves.items()}, os.path.join(args.out, filename),
                        xlabel="D(G(z))", ylabel=ylabel, title=title, ylim=ylim)
    print(f"pictures in {args.out}/")
    return {"probe": PROBE, "dj_dd": {name: s[0] for name, s in slopes.items()},
            "dj_dlogit": {name: s[1] for name, s in slopes.items()}}


if __name__ == "__main__":
    main()
