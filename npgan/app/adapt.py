"""``npgan adapt``: domain adaptation of a digit classifier (DANN, or source-only training
as its baseline) as a run directory, with the safety of ``npgan train``.

    npgan adapt                                     # DANN, font digits -> textured digits: runs/adapt-dann/
    npgan adapt --model source-only                 # the same networks, lambda = 0: runs/adapt-source-only/
    npgan adapt --out runs/adapt-dann --resume      # after Ctrl-C or a crash: the identical trajectory

The run directory is kept by ``rundir`` exactly as a GAN run's (refusing to replace a run
or other files, ``--overwrite``, the lock naming ``npgan adapt``, atomic writes, Ctrl-C
saving a checkpoint, stopping on non-finite losses with the last good checkpoint kept):
    config.json      the resolved AdaptConfig
    metrics.csv      step, label_loss, domain_loss, lambda, lr, steps_per_s every ``log_every``
                     steps; every ``eval_every`` steps also source_accuracy, target_accuracy and
                     domain_accuracy on held-out images (``eval_size`` per domain, from streams
                     training never draws from; target labels are used there and nowhere else)
    loss_curve.png   label and domain losses
    checkpoint.npz   the networks, the optimizer's state, the data stream's state, step, config
"""
import dataclasses
import os
from dataclasses import asdict, dataclass, fields

import numpy as np

from .. import random as ng_random
from .. import viz
from ..data.domains import DOMAINS, get_domains
from ..gan.dann import DANN, DOMAIN_LR, METHODS, OPTIMIZERS, DANNTrainer, evaluate
from ..serialization import load_checkpoint, save_checkpoint
from . import rundir
from .checks import ConfigError, check_choice, check_float, check_int
from .presets import MAX_BATCH, MAX_STEPS, option
from .rundir import CHECKPOINT, CONFIG
from .run import checkpoint_path

KIND = "npgan-adapt-run"
COMMAND = "npgan adapt"
COLUMNS = ["step", "label_loss", "domain_loss", "lambda", "lr", "source_accuracy", "target_accuracy",
           "domain_accuracy", "steps_per_s"]  # of metrics.csv
EVAL_STREAMS = {"source": 3, "target": 2}  # held-out sets: rng [seed, k], never the training stream


@dataclass
class AdaptConfig:
    """Everything that defines an adaptation run (config.json and every checkpoint)."""
    model: str = option("dann", "dann, or source-only (the same networks with lambda = 0)", choices=METHODS)
    data: str = option("digits-textured", "the source/target domain pair", choices=tuple(DOMAINS))
    steps: int = option(2000, "optimizer steps of the run (with --resume: the new total)")
    batch_size: int = option(64, "images per domain per step (a source batch and a target batch)")
    optimizer: str = option("adam", "adam, or sgd (the paper's, with --lr 0.01)", choices=OPTIMIZERS)
    lr: float = option(1e-3, "mu_0 of the annealed learning rate mu_0 / (1 + 10 p)^0.75")
    domain_lr: float = option(DOMAIN_LR, "the domain classifier's learning rate as a fraction of --lr (annealed "
                                         "alike)")
    momentum: float = option(0.9, "SGD's momentum (--optimizer sgd only)")
    gamma: float = option(10.0, "lambda schedule: lambda_p = 2 / (1 + exp(-gamma p)) - 1")
    seed: int = option(0, "seed of the weights and of every random draw")
    eval_every: int = option(500, "measure the held-out accuracies every N steps")
    eval_size: int = option(1000, "held-out images per domain")
    checkpoint_every: int = option(250, "write checkpoint.npz every N steps")
    log_every: int = option(10, "append to metrics.csv every N steps")

    def resolved(self):
        """A checked copy; ``ConfigError`` naming the field for any bad value."""
        check_choice("model", self.model, METHODS)
        check_choice("data", self.data, tuple(DOMAINS))
        check_int("steps", self.steps, 1, MAX_STEPS)
        check_int("batch_size", self.batch_size, 1, MAX_BATCH)
        check_float("lr", self.lr, 0.0, None, low_open=True)
        check_float("domain_lr", self.domain_lr, 0.0, None, low_open=True)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float("momentum", self.momentum, 0.0, 1.0, high_open=True)
        if self.optimizer != "sgd" and self.momentum != AdaptConfig.momentum:
            raise ConfigError("momentum", f"{self.momentum}: --optimizer {self.optimizer} has no momentum setting")
        check_float("gamma", self.gamma, 0.0, None)
        check_int("seed", self.seed, 0, 2 ** 63 - 1)
        check_int("eval_size", self.eval_size, 1, 20_000)
        for name in ("eval_every", "checkpoint_every", "log_every"):
            check_int(name, getattr(self, name), 1, MAX_STEPS)
        return dataclasses.replace(self)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        if not isinstance(data, dict) or set(data) - {f.name for f in fields(cls)}:
            raise ConfigError("config", f"not an adaptation config: {data!r:.200}")
        # a config written before --domain-lr existed: its run trained G_d at the full rate
        return cls(**{"domain_lr": 1.0, **data})


def make_trainer(config):
    """(trainer, held-out (source, target) sets) for a resolved config; seeded weights."""
    domains = get_domains(config.data)
    ng_random.manual_seed(config.seed)
    model = DANN(domains.shape[0], domains.num_classes)
    trainer = DANNTrainer(model, domains.source, domains.target, config.steps, config.model, config.batch_size,
                          config.optimizer, config.lr, config.momentum, config.gamma, config.seed, config.domain_lr)
    held_out = (domains.source(config.eval_size, np.random.default_rng([config.seed, EVAL_STREAMS["source"]])),
                domains.target_labelled(config.eval_size,
                                        np.random.default_rng([config.seed, EVAL_STREAMS["target"]])))
    return trainer, held_out


def load_adapt_run(path):
    """(trainer, held-out sets, config) from a checkpoint of ``npgan adapt`` (or its run
    directory); a ``ValueError`` for another file, a bad config, or arrays whose declared
    shapes do not fit that config's networks (checked before any array is read)."""
    path = checkpoint_path(path)
    built = {}

    def expect(tree):
        if not isinstance(tree, dict) or tree.get("kind") != KIND or not isinstance(tree.get("trainer"), dict):
            raise ValueError(f"{path}: an npgan checkpoint, but not of an npgan adapt run")
        try:
            config = AdaptConfig.from_json(tree.get("config")).resolved()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: its configuration is invalid: {exc}") from None
        trainer, held_out = make_trainer(config)
        fresh = {k: (a.shape, a.dtype) for k, a in trainer.model.state_dict().items()}
        if tree["trainer"].get("model") != fresh:
            raise ValueError(f"{path}: the saved networks do not have the keys and shapes of its config's")
        built.update(trainer=trainer, held_out=held_out, config=config)

    state = load_checkpoint(path, expect=expect)
    try:
        built["trainer"].load_state_dict(state["trainer"])
        ng_random.set_rng_state(state["npgan_rng"])
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: checkpoint does not match its own configuration: {exc}") from None
    return built["trainer"], built["held_out"], built["config"]


def adapt(config, out, resume=False, overwrite=False, progress=True, log=print):
    """Train ``config`` (an AdaptConfig; with ``resume``, None or a dict of the settings
    given) into ``out``; returns (trainer, the last held-out accuracies)."""
    out = os.fspath(out)
    if not resume:
        config = config.resolved()
    rundir.check_run_dir(out, resume, overwrite)
    if resume:
        trainer, held_out, config = _resume(config or {}, out, log)
        if rundir.report_complete(out, trainer.step_count, config.steps, log):
            return trainer, evaluate(trainer.model, *held_out)
    else:
        trainer, held_out = make_trainer(config)  # data and networks: errors before the disk
    with rundir.open_run(out, COMMAND, resume, overwrite, log) as stop:
        metrics_csv = rundir.MetricsCSV(os.path.join(out, "metrics.csv"), COLUMNS,
                                        trainer.step_count if resume else None)
        rundir.write_json(os.path.join(out, CONFIG), config.to_json())
        ckpt_path = os.path.join(out, CHECKPOINT)
        checkpoints = rundir.Checkpoints(
            ckpt_path, lambda: {"kind": KIND, "config": config.to_json(), "trainer": trainer.state_dict(),
                                "npgan_rng": ng_random.get_rng_state()},
            lambda: dict(trainer.model.state_dict()), config.checkpoint_every,
            trainer.step_count if os.path.exists(ckpt_path) else None)
        scores = {}

        def after_step(step, metrics, rate):
            last = step == config.steps
            evaluated = step % config.eval_every == 0 or last
            if evaluated:
                scores.update(evaluate(trainer.model, *held_out))
                metrics.update(scores)
            if step % config.log_every == 0 or evaluated:
                metrics_csv.append(step, metrics, rate)
            if evaluated:
                _save_curves(out, config)
            return {k: v for k, v in {**metrics, **scores}.items() if k != "lr"}

        taken, elapsed = rundir.run_steps(trainer, config.steps, out, COMMAND, checkpoints, after_step, stop,
                                          progress)
    log(f"{config.model} on {config.data}: {taken} steps in {elapsed:.1f} s")
    return trainer, scores


def _save_curves(out, config):
    history = viz.load_loss_history(os.path.join(out, "metrics.csv"))
    viz.save_loss_curves({k: history[k] for k in ("label_loss", "domain_loss")},
                         os.path.join(out, "loss_curve.png"), title=f"{config.model} on {config.data}")


def _resume(given, out, log):
    """(trainer, held-out sets, config) of the run in ``out``, with ``steps`` from ``given``."""
    trainer, held_out, saved = load_adapt_run(rundir.require_checkpoint(out))
    config = rundir.resumed_config(out, given, saved.to_json(), trainer.step_count,
                                   lambda values: AdaptConfig(**values).resolved(), "AdaptConfig")
    if config.steps != saved.steps:
        log(f"--resume --steps {config.steps}: lambda and the learning rate now follow the progress "
            f"p = step / {config.steps} instead of step / {saved.steps}")
    trainer.steps = config.steps
    return trainer, held_out, config


def run(args):
    """``npgan adapt`` from parsed arguments."""
    given = {f.name: getattr(args, f.name) for f in fields(AdaptConfig) if hasattr(args, f.name)}
    model = given.get("model", AdaptConfig.model)
    out = args.out or os.path.join("runs", f"adapt-{model}")
    if args.resume:
        print(f"npgan adapt --resume: continuing the run in {out}")
        config = given
    else:
        config = AdaptConfig(**given).resolved()  # a bad flag is an error before the banner
        print(f"npgan adapt: {model} on {config.data} "
              f"({'gradient reversal, lambda on 2 / (1 + exp(-10 p)) - 1' if model == 'dann' else 'lambda = 0'}; "
              f"domain classifier at {config.domain_lr:g} x the learning rate)")
    _, scores = adapt(config, out, resume=args.resume, overwrite=args.overwrite, progress=not args.no_progress)
    if scores:
        print(f"held-out accuracy: target {scores['target_accuracy']:.1%}, source {scores['source_accuracy']:.1%}; "
              f"domain classifier {scores['domain_accuracy']:.1%} (chance 50%)")
    print(f"metrics: {os.path.join(out, 'metrics.csv')}, {os.path.join(out, 'loss_curve.png')}; "
          f"checkpoint: {os.path.join(out, CHECKPOINT)}")
    return 0


def add_adapt_parser(subparsers, parents=()):
    """Define ``npgan adapt`` on the main parser's ``subparsers``."""
    from .cli import _field_argument
    parser = subparsers.add_parser(
        "adapt", parents=list(parents), help="domain adaptation: DANN vs source-only on digits -> textured digits",
        description="Train a digit classifier on labelled source digits and unlabelled target digits (DANN: "
                    "through a gradient reversal layer; source-only: lambda = 0), measuring held-out target "
                    "accuracy. Writes config, metrics and checkpoints to --out; Ctrl-C saves a checkpoint.")
    for f in fields(AdaptConfig):
        name, kw = _field_argument(f)
        parser.add_argument(name, **kw)
    parser.add_argument("--out", default=None, help="run directory (default runs/adapt-MODEL)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out with its own settings (--steps N may extend it)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run in --out (or write beside other files; never deletes them)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)
    return parser
