"""Demo 5 — mode collapse: the vanilla GAN against LSGAN, WGAN-GP and PacGAN on ring8 and grid25 (seeds 001, 003).

A generator *collapses* when it puts its mass on a few of the data's modes and ignores the
rest: the discriminator's loss only asks that every generated sample look real, not that
every real mode be hit (seed 001, the NIPS 2016 tutorial's "Helvetica scenario"). On 2-D
Gaussian mixtures the collapse can be counted (seed 003, the VEEGAN / PacGAN protocol of
``npgan.metrics.mixture``): draw 2,500 samples from G,

    high quality   a sample within 3 std of its nearest mode's centre;
    modes covered  modes with at least one high-quality sample (of K = 8 or 25);
    reverse KL     KL(q || uniform), q the histogram of high-quality samples over the
                   modes: 0 when every mode gets the same share, log K for one mode.

Three games with the same MLPs, data and seed, each with its preset's optimizer settings
(``npgan.app.presets``): the non-saturating GAN (``nsgan``; ``--gan minimax`` for the
original saturating ``gan``), least squares (``lsgan``; Mao et al., 2017) and WGAN-GP
(``wgan-gp``, n_critic = 5; Gulrajani et al., 2017); and one remedy, PacGAN4 (``pacgan``;
Lin et al., 2018): the non-saturating GAN whose D judges 4 samples at once. Every model
trains for 20,000 generator steps but WGAN-GP for 5,000: it spends five critic steps on
batches of 256 per generator step, and 5,000 of its steps already take twice the others'
wall time (``--steps`` sets one number for all); the table gives steps and wall time.

What to look for: in snapshots_<data>_<model>.png whether a model's samples jump from mode
to mode or pile onto a few of them, or spread over the ring or grid; final_<data>.png puts
the final sample clouds side by side; in the table, the modes covered and the reverse KL.
Measured with the defaults and ``--seeds 3`` (seeds 0-2), mean +- standard error:

    data    model      modes        high quality %   reverse KL      s per run (1 thread)
    ring8   GAN (ns)   7.3+-0.7/8   94.3+-2.3        0.180+-0.162    135
    ring8   LSGAN      7.7+-0.3/8   92.5+-2.0        0.469+-0.270    124
    ring8   WGAN-GP    8.0+-0.0/8   78.0+-1.9        0.002+-0.001    279 (5,000 steps)
    ring8   PacGAN4    8.0+-0.0/8   94.0+-0.5        0.001+-0.000    147
    grid25  GAN (ns)   14.7+-1.7/25 81.7+-1.8        1.320+-0.147    120
    grid25  LSGAN      18.3+-0.3/25 78.2+-3.6        1.188+-0.040    107
    grid25  WGAN-GP    22.7+-0.3/25 10.7+-1.5        0.537+-0.010    270 (5,000 steps)
    grid25  PacGAN4    23.0+-1.0/25  5.6+-0.3        0.335+-0.018    148

The one-sample discriminators (GAN, LSGAN) sharpen their modes but drop some; WGAN-GP and
packing cover every ring mode on every seed and share the mass out evenly, but on grid25
they miss two or three modes and their samples stay spread between the modes (PacGAN's
paper: 7.8/8 at 95.9% and 24.8/25 at 93.6%). Packing two samples and training twice as long
does better than every row above and than the paper (``npgan train --model pacgan --pack 2
--batch-size 128 --steps 40000 --data D --seed S``, then ``npgan eval --seeds 3``; about
260 s per run on one core):

    grid25  PacGAN2, 40,000 steps, seeds 0-2   25/25 every seed   94.2 / 94.8 / 95.0 %   KL 0.005
    ring8   PacGAN2, 40,000 steps, seeds 0-2   8/8 every seed     97.2 / 97.3 / 97.5 %   KL 0.002-0.006

One seed is one run: rerun with ``--seeds``
before trusting a difference of a mode or two; the wall times are only comparable on an
otherwise idle machine.

    python demos/05_mode_collapse.py [--out DIR] [--quick] [--steps N] [--seed S] [--seeds K]
        [--data ring8,grid25] [--models nsgan,lsgan,wgan-gp,pacgan] [--gan nsgan|minimax]
"""
import argparse
import os
import time

import numpy as np

from npgan import viz
from npgan.app.presets import TrainConfig
from npgan.app.run import generate, make_trainer
from npgan.metrics import N_SAMPLES, mode_coverage, summarize

DATASETS = ("ring8", "grid25")
SNAPSHOT_POINTS = 500
N_SNAPSHOTS = 5
STEPS = 20000        # generator steps of every model by default, but WGAN-GP's:
WGAN_GP_STEPS = 5000  # its step is five critic updates on batches of 256, about 2x the others' wall time
QUICK_NOTE = ("--quick: 5 steps of 16x16 nets, which only checks the plumbing: the numbers in the table mean "
              "nothing (a collapsed generator sitting on grid25's centre mode can even score a high quality "
              "share); run without --quick for the measured comparison")


def models(gan="nsgan"):
    """{label: preset name}, in table order."""
    vanilla = {"nsgan": ("GAN (non-saturating)", "nsgan"), "minimax": ("GAN (minimax)", "gan")}[gan]
    return dict([vanilla, ("LSGAN", "lsgan"), ("WGAN-GP", "wgan-gp"), ("PacGAN4", "pacgan")])


def snapshot_steps(steps, n=N_SNAPSHOTS):
    return sorted({int(round(s)) for s in np.linspace(0, steps, n)})


def run(preset, data, steps, seed, quick):
    """Train one model; returns its snapshots [(title, samples)], final coverage and wall time."""
    overrides = {"hidden": (16, 16), "batch_size": 16} if quick else {}
    config = TrainConfig(model=preset, data=data, steps=steps, seed=seed, **overrides).resolved()
    trainer, dataset = make_trainer(config)
    rng = np.random.default_rng([seed, 1])
    z_rng = lambda: np.random.default_rng([seed, 2])  # the same latent points at every snapshot
    wanted = snapshot_steps(steps)
    snapshots, train_time = [], 0.0
    while True:
        if trainer.step_count in wanted:
            snapshots.append((f"step {trainer.step_count}", generate(trainer, SNAPSHOT_POINTS, rng=z_rng())))
        if trainer.step_count >= steps:
            break
        start = time.perf_counter()
        trainer.step()
        train_time += time.perf_counter() - start
    coverage = mode_coverage(generate(trainer, N_SAMPLES, rng=rng), dataset.centres, dataset.std)
    return snapshots, coverage, train_time, trainer.n_critic, dataset


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "mode_collapse"))
    parser.add_argument("--quick", action="store_true", help="5 steps, tiny nets: only checks the plumbing")
    parser.add_argument("--steps", type=int, default=None,
                        help=f"generator steps per model (default {STEPS}, WGAN-GP {WGAN_GP_STEPS})")
    parser.add_argument("--seed", type=int, default=0, help="the first training seed")
    parser.add_argument("--seeds", type=int, default=1, help="train each model with this many seeds and report "
                                                             "the mean and standard error (default 1)")
    parser.add_argument("--data", default=",".join(DATASETS), help="comma-separated data sets (default: both)")
    parser.add_argument("--gan", choices=("nsgan", "minimax"), default="nsgan",
                        help="the vanilla GAN's generator cost")
    parser.add_argument("--models", default=None,
                        help="comma-separated presets to train (default: all four), e.g. wgan-gp")
    args = parser.parse_args(argv)
    def steps_of(preset):
        if args.steps or args.quick:
            return args.steps or 5
        return WGAN_GP_STEPS if preset == "wgan-gp" else STEPS
    datasets = args.data.split(",")
    unknown = set(datasets) - set(DATASETS)
    if unknown:
        parser.error(f"--data: unknown data sets {sorted(unknown)}; choose from {DATASETS}")
    chosen = models(args.gan)
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - set(chosen.values())
        if unknown:
            parser.error(f"--models: unknown presets {sorted(unknown)}; choose from {list(chosen.values())}")
        chosen = {label: preset for label, preset in chosen.items() if preset in wanted}
    seeds = range(args.seed, args.seed + args.seeds)
    os.makedirs(args.out, exist_ok=True)
    if args.quick:
        print(QUICK_NOTE)

    runs, table = [], []
    for data in datasets:
        finals = []
        for label, preset in chosen.items():
            rows, coverages, steps = [], [], steps_of(preset)
            for seed in seeds:
                snapshots, coverage, seconds, n_critic, dataset = run(preset, data, steps, seed, args.quick)
                coverages.append(coverage)
                rows.append({"data": data, "model": label, "preset": preset, "seed": seed, "steps": steps,
                             "n_critic": n_critic, "seconds": seconds, **coverage.as_dict()})
                if seed == args.seed:  # the pictures show the first seed's run
                    real, _ = dataset.sample(SNAPSHOT_POINTS, np.random.default_rng(0))
                    name = f"snapshots_{data}_{preset.replace('-', '')}.png"
                    viz.save_snapshots(snapshots, os.path.join(args.out, name), real=real, centres=dataset.centres,
                                       ncols=len(snapshots))
                    finals.append((f"{label}, step {steps}", snapshots[-1][1]))
            runs += rows
            table.append({**{k: rows[0][k] for k in ("data", "model", "preset", "steps", "n_critic")},
                          "seeds": len(rows), "num_modes": rows[0]["num_modes"],
                          "seconds": float(np.mean([r["seconds"] for r in rows])),
                          **summarize(coverages)})
        viz.save_snapshots(finals, os.path.join(args.out, f"final_{data}.png"), real=real,
                           centres=dataset.centres, ncols=len(finals))

    print(f"mode coverage, {N_SAMPLES} samples per run, "
          f"seeds {seeds.start}..{seeds.stop - 1} (mean +- standard error)")
    print(f"{'data':7s} {'model':22s} {'steps':>6s} {'n_critic':>8s} {'modes':>13s} {'high quality %':>15s} "
          f"{'reverse KL':>15s} {'wall s':>7s}")
    for r in table:
        (m, m_se), (hq, hq_se), (kl, kl_se) = r["modes_covered"], r["high_quality"], r["reverse_kl"]
        modes = f"{m:.1f}+-{m_se:.1f}/{r['num_modes']}"
        quality = f"{100 * hq:.1f}+-{100 * hq_se:.1f}"
        divergence = f"{kl:.3f}+-{kl_se:.3f}"
        print(f"{r['data']:7s} {r['model']:22s} {r['steps']:6d} {r['n_critic']:8d} {modes:>13s} {quality:>15s} "
              f"{divergence:>15s} {r['seconds']:7.1f}")
    if args.quick:
        print(QUICK_NOTE)
    print(f"pictures in {args.out}/")
    return {"runs": runs, "table": table}


if __name__ == "__main__":
    main()
