"""Demo 7 — DCGAN, and WGAN-GP with a conv critic, on digits (seeds 002, 004).

DCGAN (Radford et al., 2016; seed 002): G maps z (100-D) through a linear layer and
transposed convolutions (seed 004: each one the transpose of a strided convolution's matrix,
demo 4) with batch norm and LeakyReLU to a 28x28 tanh image; D is the mirror image, strided
convolutions with LeakyReLU and dropout 0.3, and the non-saturating game with Adam 2e-4,
beta1 0.5 (``npgan.gan.models``, ``npgan.app.presets``).
``dcgan-wgan-gp`` keeps the generator and swaps the game: a BN-free conv critic (the
penalty is per sample, which batch norm would couple), WGAN-GP's loss with lambda = 10,
n_critic = 5 and Adam 1e-4, betas (0, 0.9) (Gulrajani et al., 2017, Algorithm 1).
The data are ``digits``: 28x28 digits drawn from font outlines with random affine and
elastic jitter (``npgan.data.digits``), nothing downloaded.

The scores at the end (``npgan.metrics.images``) read npgan's own small digit classifier,
not Inception-v3, so they are *analogues* of FID and IS and carry the classifier's checksum:

    FD            Frechet distance between Gaussians fitted to the classifier's 128
                  penultimate features of real and generated digits (lower is better);
    IS analogue   exp(E_x KL(p(y|x) || p(y))), between 1 and 10 (higher is better);
    classes       digits that get at least 1% of the samples (10 for full coverage);
    confidence    E_x max_y p(y|x).

The reference row scores real digits against other real digits with the same n: the floor a
generator can reach (the FD of a finite sample is not 0).

What to look for: samples_<model>.png shows one row of the same 8 latent vectors per
snapshot, from noise at step 0 to strokes and then digits; over training the FD should fall
and the IS analogue and class coverage rise towards the reference row. WGAN-GP spends five
critic steps per generator step, so compare the wall times as well as the scores. With
the quick settings (2 steps, batch 2) the samples are still noise and the scores are an
untrained generator's: that run only checks the plumbing.

    python demos/07_dcgan_digits.py [--out DIR] [--quick] [--steps N] [--n N] [--seed S]
"""
import argparse
import os
import time

import numpy as np

from npgan import viz
from npgan.app.presets import TrainConfig
from npgan.app.run import generate, make_trainer
from npgan.metrics import image_scores, load_classifier

MODELS = {"DCGAN": "dcgan", "DCGAN + WGAN-GP": "dcgan-wgan-gp"}
PER_ROW = 8
N_SNAPSHOTS = 6
BATCH = 500  # images generated per pass: bounds the conv layers' memory


def snapshot_steps(steps, n=N_SNAPSHOTS):
    return sorted({int(round(s)) for s in np.linspace(0, steps, n)})


def generate_many(trainer, n, rng):
    return np.concatenate([generate(trainer, min(BATCH, n - i), rng=rng) for i in range(0, n, BATCH)])


def run(preset, steps, batch_size, seed):
    """Train one model; returns (trainer, dataset, snapshot images, snapshot steps, wall time)."""
    config = TrainConfig(model=preset, steps=steps, seed=seed,
                         **({"batch_size": batch_size} if batch_size else {})).resolved()
    trainer, dataset = make_trainer(config)
    wanted = snapshot_steps(steps)
    rows, train_time = [], 0.0
    while True:
        if trainer.step_count in wanted:  # the same PER_ROW latent vectors every time
            rows.append(generate(trainer, PER_ROW, rng=np.random.default_rng([seed, 2])))
        if trainer.step_count >= steps:
            break
        start = time.perf_counter()
        trainer.step()
        train_time += time.perf_counter() - start
    return trainer, dataset, np.concatenate(rows), wanted, train_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "dcgan_digits"))
    parser.add_argument("--quick", action="store_true", help="2 steps of batch 2, scores on 100 images (for the tests)")
    parser.add_argument("--steps", type=int, default=None, help="generator steps per model (default 1000)")
    parser.add_argument("--n", type=int, default=None, help="images per score (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps = args.steps or (2 if args.quick else 1000)
    n = args.n or (100 if args.quick else 2000)
    batch_size = 2 if args.quick else None  # None: the presets' 64
    if args.quick:
        print("--quick: 2 steps of batch 2, which only checks the plumbing: the samples are noise and the scores an "
              "untrained generator's")
    os.makedirs(args.out, exist_ok=True)

    classifier = load_classifier()
    table = []
    for label, preset in MODELS.items():
        trainer, dataset, rows, wanted, seconds = run(preset, steps, batch_size, args.seed)
        viz.save_image_grid(rows, os.path.join(args.out, f"samples_{preset.replace('-', '_')}.png"), nrow=PER_ROW,
                            labels=[f"step {s}" for s in wanted])
        fake = generate_many(trainer, n, np.random.default_rng([args.seed, 3]))
        viz.save_image_grid(fake[:64], os.path.join(args.out, f"final_{preset.replace('-', '_')}.png"), nrow=8)
        real, _ = dataset.sample(n, np.random.default_rng([args.seed, 4]))
        scores = image_scores(classifier, real, fake)
        table.append({"model": label, "preset": preset, "steps": steps, "batch_size": trainer.batch_size,
                      "n_critic": trainer.n_critic, "seconds": seconds, "n": n, **scores})
    real_a, _ = dataset.sample(n, np.random.default_rng([args.seed, 4]))
    real_b, _ = dataset.sample(n, np.random.default_rng([args.seed, 5]))
    viz.save_image_grid(real_b[:64], os.path.join(args.out, "real.png"), nrow=8)
    reference = {"model": "reference: real vs real", "n": n, **image_scores(classifier, real_a, real_b)}

    print(f"digits, {steps} generator steps per model, scores on n = {n} images, "
          f"classifier {classifier.checksum}")
    print(f"{'model':24s} {'batch':>5s} {'n_critic':>8s} {'FD':>9s} {'IS analogue':>11s} {'classes':>7s} "
          f"{'confidence':>10s} {'wall s':>7s}")
    for r in table + [reference]:
        run_info = (f"{r['batch_size']:5d} {r['n_critic']:8d}" if "steps" in r else f"{'-':>5s} {'-':>8s}")
        wall = f"{r['seconds']:7.1f}" if "steps" in r else f"{'-':>7s}"
        print(f"{r['model']:24s} {run_info} {r['frechet_distance']:9.2f} {r['inception_score']:11.3f} "
              f"{r['classes_covered']:5d}/10 {r['confidence']:10.3f} {wall}")
    print(f"pictures in {args.out}/")
    return {"table": table, "reference": reference, "classifier": classifier.checksum}


if __name__ == "__main__":
    main()
