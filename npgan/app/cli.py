"""The ``npgan`` command line: ``train``, ``sample``, ``eval``, ``sweep``, ``export``, ``adapt``.

``npgan train`` with no arguments is the main job: WGAN-GP on the 8-Gaussian ring, a
quick run that ends by printing where its pictures are. Its hyper-parameter flags are made
from ``TrainConfig``'s fields (name, help text, argparse settings), so a new field is a new
flag; a flag not given takes the preset's value.

Exit codes: 0 done; 1 the run diverged (NaN/inf); 2 a user mistake (a bad flag, a bad
file, a run that would be destroyed: one line on stderr, nothing written); 128 + the signal
(130 for Ctrl-C, 143 for SIGTERM) when interrupted after saving a checkpoint.
"""
import argparse
import dataclasses
import os
import signal
import sys
import typing

import numpy as np

from ..atomic import atomic_write
from .checks import ConfigError, check_int

SAMPLE_FORMATS = (".png", ".npy", ".npz")


class UsageError(Exception):
    """A command line argparse rejects (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def flag(field):
    return "--" + field.replace("_", "-")


def _field_argument(f):
    """(flag, argparse keywords) of a TrainConfig field: type from its annotation unless
    its metadata says otherwise; the default is "not given" (the preset's value)."""
    meta = dict(f.metadata)
    text = meta.pop("help", "")
    kind = meta.pop("type", None)
    base = next((a for a in typing.get_args(f.type) if a is not type(None)), f.type)
    default = f.default if f.default is not None else "the preset's"
    kw = dict(default=argparse.SUPPRESS, help=f"{text} (default: {_show(default)})".strip(), **meta)
    if base is bool:
        kw["action"] = argparse.BooleanOptionalAction
    else:
        kw["type"] = kind or (base if base in (int, float, str) else str)
        if base is tuple:
            kw.setdefault("nargs", "+")
    return flag(f.name), kw


def _show(value):
    return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def add_config_arguments(parser):
    """One flag per TrainConfig field (``npgan train``'s, and what ``npgan sweep --set`` parses)."""
    from .presets import TrainConfig

    for f in dataclasses.fields(TrainConfig):
        name, kw = _field_argument(f)
        parser.add_argument(name, **kw)


def _train(args):
    from .presets import PRESETS, TrainConfig
    from .run import train

    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    for name in ("betas", "hidden", "lsgan_abc"):
        if name in given:
            given[name] = tuple(given[name])
    model = given.get("model", TrainConfig.model)
    out = args.out or os.path.join("runs", model)
    if args.resume:
        config = given
        print(f"npgan train --resume: continuing the run in {out}")
    else:
        config = TrainConfig(**given).resolved()  # a bad setting: one line on stderr, before the banner
        print(f"npgan train: {model} — {PRESETS[model].why}")
    train(config, out, resume=args.resume, overwrite=args.overwrite, progress=not args.no_progress)
    print(f"pictures: {os.path.join(out, 'samples')} (sample grids), {os.path.join(out, 'loss_curve.png')}")
    print(f"checkpoint: {os.path.join(out, 'checkpoint.npz')}  (npgan sample --ckpt ... --out samples.png)")
    return 0


def _sample(args):
    from .run import generate, load_run
    from .. import viz

    check_int("n", args.n, 1, 100_000)
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in SAMPLE_FORMATS:
        raise ConfigError("out", f"{args.out}: write a picture (.png) or the samples (.npy, .npz); "
                                 f"{ext or 'no extension'} is neither")
    if os.path.isdir(args.out):
        raise ConfigError("out", f"{args.out} is a directory")
    trainer, dataset, config = load_run(args.ckpt)
    if dataset.kind == "pairs":
        return _translate_held_out(args, ext, trainer, dataset, config)
    labels = None
    if trainer.num_classes is None:
        if args.label is not None:
            raise ConfigError("label", f"model {config.model!r} is not conditional: it draws no class")
    else:
        if args.label is not None:
            check_int("label", args.label, 0, trainer.num_classes - 1)
        labels = np.arange(args.n) % trainer.num_classes if args.label is None else np.full(args.n, args.label)
    samples = generate(trainer, args.n, labels, rng=np.random.default_rng(args.seed))
    if ext == ".npy":
        with atomic_write(args.out) as f:
            np.save(f, samples)
    elif ext == ".npz":
        with atomic_write(args.out) as f:
            np.savez(f, samples=samples, **({} if labels is None else {"labels": labels}))
    elif dataset.kind == "images":
        viz.save_image_grid(samples, args.out)
    else:
        viz.save_scatter_2d(samples, args.out, centres=dataset.centres,
                            title=f"{config.model}, step {trainer.step_count}")
    print(f"wrote {args.n} samples of {config.model} (step {trainer.step_count}) to {args.out}")
    return 0


def _translate_held_out(args, ext, trainer, dataset, config):
    """``npgan sample`` of a pix2pix run: G(x) of ``--n`` held-out inputs (with the inputs and
    targets beside them in a PNG or an .npz)."""
    from .pictures import save_triplets
    from .sampling import translate

    if args.label is not None:
        raise ConfigError("label", f"model {config.model!r} translates image pairs: it draws no class")
    if ext == ".png":
        save_triplets(trainer, dataset, args.out, args.n, args.seed)
    else:
        inputs, targets, _ = dataset.held_out(args.n)
        outputs = translate(trainer, inputs, args.seed)
        with atomic_write(args.out) as f:
            if ext == ".npy":
                np.save(f, outputs)
            else:
                np.savez(f, samples=outputs, inputs=inputs, targets=targets)
    print(f"wrote G(x) of {args.n} held-out {config.data} pairs (step {trainer.step_count}) to {args.out}")
    return 0


def build_parser():
    from ..kernels import BACKENDS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", default=None, choices=("auto",) + BACKENDS,
                        help="kernel backend (default: NPGAN_BACKEND or auto)")
    parser = _Parser(prog="npgan", description="Train and explain GANs on a CPU with npgan.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = sub.add_parser("train", parents=[common], help="train a GAN (default: WGAN-GP on ring8, 1,000 steps)",
                           description="Train a GAN; writes config, metrics, sample grids, a loss curve and "
                                       "checkpoints to --out. Ctrl-C saves a checkpoint and prints the command "
                                       "that resumes.")
    add_config_arguments(train)
    train.add_argument("--out", default=None, help="run directory (default runs/MODEL)")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --out with its own settings (--steps N may extend it)")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run in --out (or write beside other files; never deletes them)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    sample = sub.add_parser("sample", parents=[common], help="draw samples from a checkpoint",
                            description="Write N samples of a trained generator as a PNG grid/scatter, "
                                        ".npy or .npz (by the extension of --out).")
    sample.add_argument("--ckpt", required=True, help="a checkpoint.npz written by npgan train (or its run directory)")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--out", required=True, help="output .png (picture), .npy or .npz (raw samples)")
    sample.add_argument("--label", type=int, default=None, help="class to draw (conditional models)")
    sample.add_argument("--seed", type=int, default=0)
    sample.set_defaults(run=_sample)

    from .adapt import add_adapt_parser
    from .evaluate import add_eval_parser
    from .export import add_export_parser
    from .sweep import add_sweep_parser
    add_eval_parser(sub, [common])
    add_sweep_parser(sub, [common])
    add_export_parser(sub, [common])
    add_adapt_parser(sub, [common])
    return parser


def main(argv=None):
    """The ``npgan`` command; returns the exit code (see the module docstring)."""
    from .rundir import Diverged, Interrupted, ResumeConflict, resume_command

    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code or 0
    prog = f"npgan {args.command}"
    from ..kernels import prefer_passive_waiting, reuse_large_allocations
    prefer_passive_waiting()  # process settings (the user's own win): the command's to make, not the import's
    reuse_large_allocations()
    try:
        if args.backend:
            from ..kernels import set_backend
            set_backend(args.backend)
        return args.run(args)
    except ResumeConflict as exc:
        print(f"{prog}: error: {exc.describe(flag)}", file=sys.stderr)
    except ConfigError as exc:
        print(f"{prog}: error: {flag(exc.field)}: {exc.reason}", file=sys.stderr)
    except Interrupted as exc:
        print(f"{prog}: stopped by {signal.Signals(exc.signum).name} at step {exc.step}; checkpoint saved.\n"
              f"resume with: {resume_command(prog, exc.out)}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing new was saved", file=sys.stderr)
        return 128 + signal.SIGINT
    except Diverged as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError) as exc:  # npgan's errors on bad input, and the file system's
        print(f"{prog}: error: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
