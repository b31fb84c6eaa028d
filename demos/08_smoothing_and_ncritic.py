"""Demo 8 — two knobs of GAN training: one-sided label smoothing, and n_critic (seeds 000, 001).

(a) One-sided label smoothing (Salimans et al., 2016; the NIPS 2016 tutorial, seed 001).
The discriminator's real target becomes 1 - alpha while the fake target stays 0:

    J(D) = 1/2 E_data BCE(logit D(x), 1 - alpha) + 1/2 E_z BCE(logit D(G(z)), 0).

For a fixed G the optimum is then D*(x) = (1 - alpha) p_data / (p_data + p_g), so D's output
on real data is capped at 1 - alpha: D is kept from ever-larger real logits (overconfidence),
which would feed G vanishing or extreme gradients. Only the real side is smoothed:
smoothing the fakes' target to beta would give D* = ((1 - alpha) p_data + beta p_g) /
(p_data + p_g), which rewards G for staying where p_g already is. Here: the non-saturating
GAN (``nsgan``) on ring8 with alpha = 0 and alpha = 0.1, the same seed (so the same initial
weights and the same batches), and D's mean output sigmoid(logit) on 2,500 real points.

(b) n_critic (seed 000's N_dis: several ascent steps for the maximizing player per descent
step of the minimizing one). WGAN-GP's generator is trained on the critic's estimate of the
Wasserstein distance, E f(x) - E f(G(z)); that estimate, and so G's gradient, is only good if
the critic is close to optimal, hence n_critic = 5 critic steps per generator step
(Gulrajani et al., 2017). Here ``wgan-gp`` on ring8 with n_critic = 1 and 5, the same seed
and the same number of generator steps; the critic's estimate is measured on 2,500 real and
2,500 generated points.

What to look for: with alpha = 0.1, D's mean output on real data (d_on_real.png, the table's
D(real)) should stay below 1 - alpha = 0.9 and the share of real points where D is over
0.95 ("confident") should drop towards 0, while mode coverage (smoothing_samples.png) stays
about the same: smoothing is a regularizer, not a cure for collapse. With n_critic = 5 the
critic's estimate (wasserstein_estimate.png) should be larger and steadier and the ring
covered in fewer generator steps, at about five times the wall time per generator step.
Each comparison is one seed: rerun with ``--seed`` before trusting a small difference.
The quick run (5 steps, tiny nets) only checks the plumbing.

    python demos/08_smoothing_and_ncritic.py [--out DIR] [--quick] [--steps N] [--seed S]
"""
import argparse
import os
import time

import numpy as np

from npgan import viz
from npgan.autograd.grad_mode import no_grad
from npgan.autograd.tensor import Tensor
from npgan.app.presets import TrainConfig
from npgan.app.run import generate, make_trainer
from npgan.metrics import N_SAMPLES, mode_coverage

DATA = "ring8"
ALPHAS = (0.0, 0.1)
N_CRITICS = (1, 5)
CONFIDENT = 0.95


def critic_outputs(trainer, x):
    """D's raw outputs (logits, or the WGAN critic's values) on the points ``x``, without gradients."""
    with no_grad():
        return trainer.D(Tensor(np.asarray(x, dtype=trainer.dtype))).data.reshape(-1).astype(np.float64)


def sigmoid(logits):
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # overflow-free


def train(config, steps, every, probe):
    """Train ``config`` for ``steps`` generator steps, calling ``probe(trainer)`` every
    ``every`` steps (and at step 0); returns (trainer, dataset, probe steps, probe values,
    training wall time without the probes)."""
    trainer, dataset = make_trainer(config)
    at, values, seconds = [], [], 0.0
    while True:
        if trainer.step_count % every == 0 or trainer.step_count == steps:
            at.append(trainer.step_count)
            values.append(probe(trainer))
        if trainer.step_count >= steps:
            break
        start = time.perf_counter()
        trainer.step()
        seconds += time.perf_counter() - start
    return trainer, dataset, np.array(at), np.array(values), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "smoothing_and_ncritic"))
    parser.add_argument("--quick", action="store_true", help="5 steps, tiny nets (for the tests)")
    parser.add_argument("--steps", type=int, default=None, help="generator steps per run (default 1500)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps = args.steps or (5 if args.quick else 1500)
    every = max(1, steps // 30)
    small = {"hidden": (16, 16), "batch_size": 16} if args.quick else {}
    if args.quick:
        print("--quick: 5 steps of tiny nets, which only checks the plumbing: the curves and numbers mean nothing yet")
    os.makedirs(args.out, exist_ok=True)

    probe_real = None

    # (a) one-sided label smoothing on the non-saturating GAN
    smoothing, curves, finals = [], {}, []
    for alpha in ALPHAS:
        config = TrainConfig(model="nsgan", data=DATA, steps=steps, seed=args.seed, label_smoothing=alpha,
                             **small).resolved()
        if probe_real is None:
            probe_real = make_trainer(config)[1].sample(N_SAMPLES, np.random.default_rng([args.seed, 2]))[0]
        trainer, dataset, at, d_real, seconds = train(
            config, steps, every, lambda t: sigmoid(critic_outputs(t, probe_real)).mean())
        fake = generate(trainer, N_SAMPLES, rng=np.random.default_rng([args.seed, 3]))
        logits_real = critic_outputs(trainer, probe_real)
        coverage = mode_coverage(fake, dataset.centres, dataset.std)
        smoothing.append({"alpha": alpha, "steps": steps, "seconds": seconds,
                          "d_real": float(sigmoid(logits_real).mean()),
                          "d_fake": float(sigmoid(critic_outputs(trainer, fake)).mean()),
                          "confident_share": float((sigmoid(logits_real) > CONFIDENT).mean()),
                          "logit_real": float(logits_real.mean()), **coverage.as_dict()})
        curves[f"alpha = {alpha:g}"] = d_real
        finals.append((f"alpha = {alpha:g}, step {steps}", fake[:500]))
    real_points = probe_real[:500]
    viz.save_curves(at, curves, os.path.join(args.out, "d_on_real.png"), xlabel="generator step",
                    ylabel="mean D(x) on real points", title="one-sided label smoothing caps D(real) at 1 - alpha",
                    ylim=(0.0, 1.05))
    viz.save_snapshots(finals, os.path.join(args.out, "smoothing_samples.png"), real=real_points,
                       centres=dataset.centres, ncols=len(finals))

    # (b) n_critic on WGAN-GP
    ncritic, curves, finals = [], {}, []
    probe_z = lambda: np.random.default_rng([args.seed, 4])
    for n_critic in N_CRITICS:
        config = TrainConfig(model="wgan-gp", data=DATA, steps=steps, seed=args.seed, n_critic=n_critic,
                             **small).resolved()

        def estimate(t):
            return critic_outputs(t, probe_real).mean() - critic_outputs(t, generate(t, N_SAMPLES, rng=probe_z())).mean()
        trainer, dataset, at, w, seconds = train(config, steps, every, estimate)
        fake = generate(trainer, N_SAMPLES, rng=np.random.default_rng([args.seed, 3]))
        coverage = mode_coverage(fake, dataset.centres, dataset.std)
        ncritic.append({"n_critic": n_critic, "steps": steps, "critic_steps": steps * n_critic, "seconds": seconds,
                        "wasserstein_estimate": float(w[-1]), **coverage.as_dict()})
        curves[f"n_critic = {n_critic}"] = w
        finals.append((f"n_critic = {n_critic}, step {steps}", fake[:500]))
    viz.save_curves(at, curves, os.path.join(args.out, "wasserstein_estimate.png"), xlabel="generator step",
                    ylabel="E f(x) - E f(G(z)), 2,500 points each", title="WGAN-GP critic's estimate")
    viz.save_snapshots(finals, os.path.join(args.out, "ncritic_samples.png"), real=real_points,
                       centres=dataset.centres, ncols=len(finals))

    print(f"(a) one-sided label smoothing: nsgan on {DATA}, {steps} steps, seed {args.seed}, "
          f"D on {N_SAMPLES} real points")
    print(f"{'alpha':>5s} {'D(real)':>8s} {f'share > {CONFIDENT}':>12s} {'logit real':>10s} {'D(fake)':>8s} "
          f"{'modes':>6s} {'high quality':>12s} {'reverse KL':>10s} {'wall s':>7s}")
    for r in smoothing:
        print(f"{r['alpha']:5.2f} {r['d_real']:8.3f} {r['confident_share']:12.3f} {r['logit_real']:10.3f} "
              f"{r['d_fake']:8.3f} {r['modes_covered']:4d}/{r['num_modes']} {r['high_quality']:12.3f} "
              f"{r['reverse_kl']:10.3f} {r['seconds']:7.1f}")
    print(f"(b) n_critic: wgan-gp on {DATA}, {steps} generator steps, seed {args.seed}")
    print(f"{'n_critic':>8s} {'critic steps':>12s} {'W estimate':>10s} {'modes':>6s} {'high quality':>12s} "
          f"{'reverse KL':>10s} {'wall s':>7s}")
    for r in ncritic:
        print(f"{r['n_critic']:8d} {r['critic_steps']:12d} {r['wasserstein_estimate']:10.4f} "
              f"{r['modes_covered']:4d}/{r['num_modes']} {r['high_quality']:12.3f} {r['reverse_kl']:10.3f} "
              f"{r['seconds']:7.1f}")
    print(f"pictures in {args.out}/")
    return {"smoothing": smoothing, "n_critic": ncritic}


if __name__ == "__main__":
    main()
