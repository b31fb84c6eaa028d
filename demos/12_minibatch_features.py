"""Demo 12 — minibatch features: letting D see that a batch is too alike (seed 001 section 5.1.1; Salimans et al., 2016; Karras et al., 2018).

A discriminator that scores one sample at a time cannot see mode collapse: a batch of
fakes all at one real data point gets, sample by sample, exactly the score that point
gets. Minibatch features give D a view of the whole batch:

    minibatch discrimination   M_i = f(x_i) T  (B kernels of dimension C),
                               o(x_i)_b = sum_j exp(-||M_i,b - M_j,b||_1),  D sees [f(x_i), o(x_i)]
    minibatch std. deviation   s = mean over features of the batch's standard deviation,
                               D sees [f(x_i), s]

(``npgan.nn.MinibatchDiscrimination``, ``npgan.nn.MinibatchStdDev``). For a collapsed
batch of N identical samples every distance is 0, so o(x_i)_b = N for every kernel and
s = sqrt(eps); for N distinct samples o(x_i)_b < N, the smaller the further apart their
M rows are (1 at the least: the j = i term), and s is their features' spread.

(a) Those features on a collapsed batch (64 copies of one real ring8 point) and on 64 real
samples, against their closed forms; a per-sample D gives the collapsed batch exactly
the score of its single point, whichever batch it sits in, while the minibatch D's
score of that point changes with its batch.

(b) ``nsgan``, ``minibatch`` and ``mbstd`` (the same MLPs, data and budget; D's last
hidden features get the minibatch features) on ring8, one seed: snapshots and mode
coverage. One seed is one run.

What to look for: (a)'s printed numbers; snapshots_<preset>.png.

    python demos/12_minibatch_features.py [--out DIR] [--quick] [--steps N]
"""
import argparse
import os

import numpy as np

import npgan as ng
from npgan.app.presets import TrainConfig, build
from npgan.data import get_dataset

import _ring8 as ring8

BATCH = 64


def features(quick):
    """Part (a): the minibatch features and D's scores on a collapsed and on a real batch."""
    ng.manual_seed(0)
    dataset = get_dataset("ring8")
    real, _ = dataset.sample(BATCH, np.random.default_rng(0))
    real = real.astype(np.float32)
    collapsed = np.repeat(real[:1], BATCH, 0)
    hidden = (16, 16) if quick else None
    result = {}
    with ng.no_grad():
        for preset in ("minibatch", "mbstd", "nsgan"):
            _, D, *_ = build(TrainConfig(model=preset, **({"hidden": hidden} if hidden else {})).resolved())
            scores = {name: D(ng.tensor(batch)).numpy().ravel() for name, batch in
                      (("collapsed", collapsed), ("real", real))}
            entry = {"score_collapsed": scores["collapsed"], "score_real": scores["real"]}
            if preset != "nsgan":
                f = D.features(ng.tensor(np.concatenate([collapsed, real])))
                width = f.shape[1]
                extra = {name: D.minibatch(f[i * BATCH:(i + 1) * BATCH]).numpy()[:, width:]
                         for i, name in enumerate(("collapsed", "real"))}
                entry.update(extra=extra, features=f.numpy(), eps=getattr(D.minibatch, "eps", None))
            result[preset] = entry
    md, sd = result["minibatch"]["extra"], result["mbstd"]["extra"]
    print(f"(a) {BATCH} copies of one ring8 point (collapsed) against {BATCH} real samples:")
    print(f"    minibatch discrimination o(x_i)_b: collapsed min {md['collapsed'].min():.4f} max "
          f"{md['collapsed'].max():.4f} (= N = {BATCH}); real mean {md['real'].mean():.3f}")
    print(f"    minibatch stddev s: collapsed {sd['collapsed'][0, 0]:.2e} (= sqrt(eps) = "
          f"{np.sqrt(result['mbstd']['eps']):.2e}); real {sd['real'][0, 0]:.4f}")
    for preset in ("nsgan", "minibatch"):
        r = result[preset]
        print(f"    {preset:9s} D's score of the point: alone in a collapsed batch {r['score_collapsed'][0]:+.5f}, "
              f"among the real batch {r['score_real'][0]:+.5f}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "minibatch_features"))
    parser.add_argument("--quick", action="store_true", help="3 training steps, tiny nets: only checks the plumbing")
    parser.add_argument("--steps", type=int, default=1000, help="generator steps of part (b) (default 1000)")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: tiny nets and 3 training steps; part (b) only checks the plumbing")
    os.makedirs(args.out, exist_ok=True)
    results = {"features": features(args.quick),
               "coverage": ring8.compare(("nsgan", "minibatch", "mbstd"), 3 if args.quick else args.steps, args.quick,
                                         args.out, "(b)")}
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
