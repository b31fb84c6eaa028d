"""Demo 16 — domain-adversarial training (DANN): features a domain classifier cannot tell apart (seed 004; Ganin et al., 2016).

Seed 004's last slides: train a label classifier on a labelled source domain P and
make the features f also fit an unlabelled target domain Q, by a saddle point in which a
domain classifier G_d tells P's features from Q's and the feature extractor G_f fights it,

    theta_f <- theta_f - mu (dL_y/dtheta_f - lambda dL_d/dtheta_f)
    theta_y <- theta_y - mu dL_y/dtheta_y,        theta_d <- theta_d - mu dL_d/dtheta_d.

A gradient reversal layer R_lambda (identity forward, -lambda times the gradient back;
``nn.GradientReversal``) between G_f and G_d gives all three updates from one ordinary
backward pass of L_y + L_d: the demo first prints that check, on one batch, against the
gradients of L_y and L_d taken separately. lambda follows the paper's schedule
lambda_p = 2 / (1 + exp(-10 p)) - 1 over the progress p in [0, 1].

The domains (``npgan.data.domains``, made on the fly): source = npgan's font digits,
white on black; target = the same rendering blended with a random texture b as MNIST-M
is made, |b - ink| (light strokes on dark patches, inverted ones on light patches). The
target's labels are used only to measure. domains.png shows source (top rows) and target.

It then trains the same networks twice (``npgan.gan.dann``; what ``npgan adapt`` runs, G_d
learning at a tenth of G_f's rate, ``domain_lr`` 0.1): source-only (lambda = 0: G_d still
learns, as a probe, but nothing reaches G_f from it) and DANN, and prints the held-out accuracy on the target, on the source, and the domain
classifier's accuracy (50% is chance: features it cannot tell apart). accuracy.png draws
the target accuracy over training. What to look for: DANN above source-only on the
target, with the domain classifier less sure. The measured table over 3 seeds is in
README.md (``npgan adapt``, 2,000 steps); this demo's full run is one seed.

    python demos/16_dann.py [--quick] [--steps N] [--seed S] [--out DIR]
"""
import argparse
import os

import numpy as np

import npgan as ng
from npgan import viz
from npgan.autograd.engine import grad
from npgan.data.domains import get_domains
from npgan.gan.dann import DANN, DANNTrainer, dann_lambda, evaluate


def reversal_check(domains, lambda_=0.7, seed=0):
    """Largest |gradient through R - (dL_y - lambda dL_d)| over G_f's weights, and the size
    of lambda dL_d there (what the reversal subtracts), in float64 on one batch of 8 + 8."""
    ng.manual_seed(seed)
    model = DANN().double()
    trainer = DANNTrainer(model, domains.source, domains.target, steps=1, batch_size=8)
    (xs, ys), xt = domains.source(8, seed), domains.target(8, seed + 1)
    params = list(model.features.parameters())
    model.reversal.lambda_ = lambda_
    combined = grad(sum(trainer.losses(xs, ys, xt)), params)
    model.reversal.lambda_ = -1.0  # the identity: the plain derivatives
    d_label = grad(trainer.losses(xs, ys, xt)[0], params)
    d_domain = grad(trainer.losses(xs, ys, xt)[1], params)
    error = max(float(np.abs(c.data - (y.data - lambda_ * d.data)).max())
                for c, y, d in zip(combined, d_label, d_domain))
    return error, max(float(np.abs(lambda_ * d.data).max()) for d in d_domain)


def train(domains, method, steps, seed, held_out, every):
    ng.manual_seed(seed)
    trainer = DANNTrainer(DANN(), domains.source, domains.target, steps, method, seed=seed)
    curve = []
    for step in range(1, steps + 1):
        trainer.step()
        if step % every == 0 or step == steps:
            curve.append((step, evaluate(trainer.model, *held_out)))
    return curve


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "dann"))
    parser.add_argument("--quick", action="store_true", help="40 steps: a plumbing check, not the measurement")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps, n_eval = (40, 200) if args.quick else (args.steps, 1000)
    if args.quick:
        print(f"--quick: {steps} steps, {n_eval} held-out images per domain: a plumbing check, "
              "far too short to adapt")
    os.makedirs(args.out, exist_ok=True)
    domains = get_domains("digits-textured")
    results = {}

    error, size = reversal_check(domains)
    results["reversal_error"], results["reversal_size"] = error, size
    print(f"one backward through R_0.7: G_f's gradient = dL_y - 0.7 dL_d to {error:.1e} "
          f"(the reversed part is up to {size:.2e})")
    results["lambda"] = {p: dann_lambda(p) for p in (0.0, 0.1, 0.25, 0.5, 1.0)}
    print("lambda_p = 2 / (1 + exp(-10 p)) - 1: " +
          ", ".join(f"p = {p:g}: {v:.4f}" for p, v in results["lambda"].items()))

    source = domains.source(16, np.random.default_rng([args.seed, 9]))
    target = domains.target_labelled(16, np.random.default_rng([args.seed, 9]))
    viz.save_image_grid(np.concatenate([source[0], target[0]]), os.path.join(args.out, "domains.png"), nrow=8)
    results["same_labels"] = bool(np.array_equal(source[1], target[1]))

    held_out = (domains.source(n_eval, np.random.default_rng([args.seed, 3])),
                domains.target_labelled(n_eval, np.random.default_rng([args.seed, 2])))
    every = max(1, steps // 10)
    curves = {}
    for method in ("source-only", "dann"):
        curve = train(domains, method, steps, args.seed, held_out, every)
        curves[method] = curve
        final = curve[-1][1]
        results[method] = final
        print(f"{method:11s} after {steps} steps: target accuracy {final['target_accuracy']:.1%}, "
              f"source {final['source_accuracy']:.1%}, domain classifier {final['domain_accuracy']:.1%} "
              f"(chance 50%)")
    viz.save_curves(np.array([s for s, _ in curves["dann"]]),
                    {m: [scores["target_accuracy"] for _, scores in c] for m, c in curves.items()},
                    os.path.join(args.out, "accuracy.png"), xlabel="step", ylabel="target accuracy",
                    title="held-out target accuracy", ylim=(0, 1))
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
