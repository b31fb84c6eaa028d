"""The ``npgan`` command line: ``train``, ``sample``, ``eval``.

``npgan train`` with no arguments is the main job: WGAN-GP on the 8-Gaussian ring, a
quick run that ends by printing where its pictures are.
"""
import argparse
import os
import sys

import numpy as np

from ..atomic import atomic_write


def _train(args):
    from .presets import PRESETS, TrainConfig
    from .run import train

    config = TrainConfig(model=args.model, data=args.data, steps=args.steps, batch_size=args.batch_size,
                         lr=args.lr, n_critic=args.n_critic, seed=args.seed, update=args.update,
                         sample_every=args.sample_every, checkpoint_every=args.checkpoint_every,
                         label_smoothing=args.label_smoothing, activation=args.activation,
                         lr_decay=args.lr_decay, pack=args.pack, unroll=args.unroll)
    out = args.out or os.path.join("runs", args.model)
    print(f"npgan train: {args.model} — {PRESETS[args.model].why}")
    train(config, out, resume=args.resume, progress=not args.no_progress)
    print(f"pictures: {os.path.join(out, 'samples')} (sample grids), {os.path.join(out, 'loss_curve.png')}")
    print(f"checkpoint: {os.path.join(out, 'checkpoint.npz')}  (npgan sample --ckpt ... --out samples.png)")
    return 0


def _sample(args):
    from .run import generate, load_run
    from .. import viz

    trainer, dataset, config = load_run(args.ckpt)
    labels = None
    if trainer.num_classes is not None:
        labels = np.arange(args.n) % trainer.num_classes if args.label is None else np.full(args.n, args.label)
    samples = generate(trainer, args.n, labels, rng=np.random.default_rng(args.seed))
    if args.out.endswith(".npy"):
        with atomic_write(args.out) as f:
            np.save(f, samples)
    elif dataset.kind == "images":
        viz.save_image_grid(samples, args.out)
    else:
        viz.save_scatter_2d(samples, args.out, centres=dataset.centres,
                            title=f"{config.model}, step {trainer.step_count}")
    print(f"wrote {args.n} samples of {config.model} (step {trainer.step_count}) to {args.out}")
    return 0


def build_parser():
    from .presets import ACTIVATIONS, LR_DECAYS, PRESETS
    from ..kernels import BACKENDS

    parser = argparse.ArgumentParser(prog="npgan", description="Train and explain GANs on a CPU with npgan.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a GAN (default: WGAN-GP on ring8, about a minute)",
                           description="Train a GAN; writes config, metrics, sample grids, a loss curve and "
                                       "checkpoints to --out.")
    train.add_argument("--model", default="wgan-gp", choices=list(PRESETS), help="the GAN preset (default wgan-gp)")
    train.add_argument("--data", default=None,
                       help="ring8 | grid25 | swissroll | digits | mnist:PATH (default: the preset's)")
    train.add_argument("--steps", type=int, default=1000, help="generator steps (default 1000)")
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--lr", type=float, default=None, help="learning rate of both players (default: preset)")
    train.add_argument("--n-critic", type=int, default=None, help="D steps per G step (default: preset)")
    train.add_argument("--activation", default=None, choices=ACTIVATIONS,
                       help="hidden activation of the MLP models (default: preset)")
    train.add_argument("--lr-decay", default=None, choices=LR_DECAYS,
                       help="learning-rate schedule: none, or linear decay to zero over --steps (default: preset); "
                            "--resume with a larger --steps spreads the rest of the decay over the new total")
    train.add_argument("--pack", type=int, default=None,
                       help="samples the discriminator judges at once, PacGAN (default: preset; pacgan: 4)")
    # --- unrolled GAN (issue 15, item 3); until config fields become flags by themselves
    train.add_argument("--unroll", type=int, default=None,
                       help="simulated D steps G's cost differentiates through, >= 0 (default: preset; unrolled: 5)")
    # ---
    train.add_argument("--update", default="alternating", choices=["alternating", "simultaneous"])
    train.add_argument("--label-smoothing", type=float, default=0.0, help="one-sided label smoothing alpha")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default=None, help="run directory (default runs/MODEL)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument("--sample-every", type=int, default=250)
    train.add_argument("--checkpoint-every", type=int, default=250)
    train.add_argument("--backend", default=None, choices=("auto",) + BACKENDS)
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    sample = sub.add_parser("sample", help="draw samples from a checkpoint",
                            description="Write N samples of a trained generator as a PNG grid/scatter or .npy.")
    sample.add_argument("--ckpt", required=True, help="a checkpoint.npz written by npgan train")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--out", required=True, help="output .png (picture) or .npy (raw samples)")
    sample.add_argument("--label", type=int, default=None, help="class to draw (conditional models)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--backend", default=None, choices=("auto",) + BACKENDS)
    sample.set_defaults(run=_sample)

    from .evaluate import add_eval_parser
    add_eval_parser(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.backend:
        from .. import set_backend
        set_backend(args.backend)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"npgan {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
