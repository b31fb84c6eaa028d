"""A training run on disk: ``train(config, out)``, ``load_run(ckpt)`` and ``generate``.

The run directory holds
    config.json        the resolved TrainConfig
    metrics.csv        step, d_loss, g_loss, (wasserstein, gp), steps/s — every ``log_every`` steps
    samples/step_N.png a sample grid (images; rows by class for conditional models) or a scatter
                       over the real data (2-D) every ``sample_every`` steps and at the end
    loss_curve.png     the curves of metrics.csv with the game's healthy-curve caption, redrawn then
    final.png          2-D: 2,500 samples, their density and the mode coverage, at the end
    training.gif       2-D: the animation of training (samples, D's map, G's gradient field), one frame
                       per sample step, at the end; training.png its last frame; training_frames.npz
                       the frames so far (see ``pictures.py``)
    checkpoint.npz     G, D, both optimizers, the trainer's RNG, npgan's RNG, step, config;
                       written atomically every ``checkpoint_every`` steps and at the end
    .npgan.lock        held while a process trains here (``rundir.locked``)
``resume=True`` reloads checkpoint.npz and continues the exact trajectory: the result
equals an uninterrupted run's, bit for bit on the same backend.

No work is lost: every setting is checked and the models are built before the directory
is touched; a directory holding a run (or other files) is refused without ``overwrite``;
SIGINT/SIGTERM stop at the next step boundary after saving a checkpoint (``Interrupted``);
a run whose losses or weights turn non-finite stops (``Diverged``) and keeps the last
finite checkpoint; a checkpoint with non-finite weights is refused.
"""
import csv
import json
import os
import shlex
import signal
import threading
import time

import numpy as np

from .. import random as ng_random
from ..atomic import atomic_write, remove_stale_temps
from ..serialization import load_checkpoint, save_checkpoint
from ..gan.pix2pix import Pix2PixTrainer
from ..gan.trainer import GANTrainer
from .checks import ConfigError
from .pictures import RunPictures
from .presets import PRESETS, TrainConfig, build, schedulers
from . import rundir
from .rundir import CHECKPOINT, CONFIG
from .sampling import generate, translate  # noqa: F401 (npgan.app.run.generate/translate, as before)

KIND = "npgan-gan-run"


class Interrupted(KeyboardInterrupt):
    """Training stopped on SIGINT/SIGTERM after saving a checkpoint at ``step``."""

    def __init__(self, signum, step, out):
        self.signum, self.step, self.out = signum, step, out
        super().__init__(f"{signal.Signals(signum).name} at step {step}: checkpoint saved in {out}; "
                         f"resume with: npgan train --out {shlex.quote(out)} --resume")


class Diverged(RuntimeError):
    """A loss or a weight became NaN or infinite; the run stopped without saving it."""


def make_trainer(config):
    """A fresh, seeded trainer for a resolved config (same seed -> same initial weights)."""
    ng_random.manual_seed(config.seed)
    G, D, opt_g, opt_d, game, dataset = build(config)
    if dataset.kind == "pairs":
        trainer = Pix2PixTrainer(G, D, opt_g, opt_d, game, dataset.sample, config.l1_lambda, config.batch_size,
                                 config.n_critic, config.update, seed=config.seed,
                                 schedulers=schedulers(config, opt_g, opt_d))
        return trainer, dataset
    num_classes = dataset.num_classes if PRESETS[config.model].conditional else None
    trainer = GANTrainer(G, D, opt_g, opt_d, game, dataset.sample, config.latent_dim, config.batch_size,
                         config.n_critic, config.update, num_classes, seed=config.seed,
                         schedulers=schedulers(config, opt_g, opt_d))
    return trainer, dataset


def checkpoint_state(trainer, config):
    return {"kind": KIND, "config": config.to_json(), "trainer": trainer.state_dict(),
            "npgan_rng": ng_random.get_rng_state()}


def checkpoint_path(path):
    """``path`` itself, or the checkpoint.npz inside it when it is a (run) directory."""
    if os.path.isdir(path):
        inner = os.path.join(path, CHECKPOINT)
        if not os.path.isfile(inner):
            raise FileNotFoundError(f"{path} is a directory without a {CHECKPOINT}")
        return inner
    return path


def load_run(path):
    """(trainer, dataset, config) restored from a checkpoint file (or a run directory);
    a ``ValueError`` saying what is wrong otherwise: a foreign file, a config out of bounds,
    arrays whose declared shapes do not fit that config (both checked before any array is
    read or any model larger than the config's bounds is built), weights that are not
    finite (``load_checkpoint`` refuses them)."""
    path = checkpoint_path(path)
    built = {}

    def expect(tree):
        if not isinstance(tree, dict) or tree.get("kind") != KIND or not isinstance(tree.get("trainer"), dict):
            raise ValueError(f"{path}: an npgan checkpoint, but not of a GAN training run")
        try:
            config = TrainConfig.from_json(tree.get("config")).resolved()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: its configuration is invalid: {exc}") from None
        trainer, dataset = make_trainer(config)
        _check_declared_shapes(trainer, tree["trainer"], path)
        built.update(trainer=trainer, dataset=dataset, config=config)

    state = load_checkpoint(path, expect=expect)
    trainer = built["trainer"]
    try:
        trainer.load_state_dict(state["trainer"])
        ng_random.set_rng_state(state["npgan_rng"])
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: checkpoint does not match its own configuration: {exc}") from None
    return trainer, built["dataset"], built["config"]


def _check_declared_shapes(trainer, declared, path):
    """Every saved weight and optimizer array of ``declared`` (a tree with ``(shape, dtype)``
    in place of arrays) has the shape and dtype of the fresh ``trainer``'s."""
    for net, module, opt in (("G", trainer.G, trainer.opt_g), ("D", trainer.D, trainer.opt_d)):
        fresh = module.state_dict()
        saved = declared.get(net)
        if not isinstance(saved, dict) or set(saved) != set(fresh):
            raise ValueError(f"{path}: the saved {net} does not have the keys of its config's model")
        for key, array in fresh.items():
            if saved[key] != (array.shape, array.dtype):
                raise ValueError(f"{path}: {net}.{key} is declared as {_spec(saved[key])}, its config's model "
                                 f"has {array.shape} {array.dtype}")
        shapes = [p.shape for p in module.parameters()]
        opt_declared = declared.get("opt_" + net.lower())
        opt_state = opt_declared.get("state") if isinstance(opt_declared, dict) else None
        for position, entries in (opt_state.items() if isinstance(opt_state, dict) else ()):
            for name, spec in (entries.items() if isinstance(entries, dict) else ()):
                if isinstance(spec, tuple) and not (0 <= position < len(shapes) and spec[0] in (shapes[position], ())):
                    raise ValueError(f"{path}: optimizer state {net}[{position}].{name} is declared as "
                                     f"{_spec(spec)}, which fits no parameter of its config's model")


def _spec(spec):
    return f"{spec[0]} {spec[1]}" if isinstance(spec, tuple) and len(spec) == 2 else repr(spec)


def _non_finite(tree, where=""):
    """The first (name, count) of a float array with NaN or inf values in a nested state."""
    if isinstance(tree, np.ndarray):
        if tree.dtype.kind in "fc":
            bad = int(tree.size - np.count_nonzero(np.isfinite(tree)))
            if bad:
                return where, bad
        return None
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        found = _non_finite(value, f"{where}/{key}" if where else str(key))
        if found:
            return found
    return None


class _MetricsCSV:
    """Appends rows to metrics.csv; on resume, drops rows past the checkpoint's step (and
    starts a new file when a checkpoint was copied into a directory without one)."""

    COLUMNS = ["step", "d_loss", "g_loss", "wasserstein", "gp", "l1", "steps_per_s"]

    def __init__(self, path, resume_step=None):
        self.path = path
        if resume_step is not None and os.path.exists(path):
            with open(path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]
            self._write(rows)
        else:
            self._write([])

    def _write(self, rows):
        with atomic_write(self.path, "w") as f:
            writer = csv.DictWriter(f, self.COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    def append(self, step, metrics, rate):
        row = {"step": step, "steps_per_s": f"{rate:.2f}"}
        row.update({k: f"{v:.6g}" for k, v in metrics.items() if k in self.COLUMNS})
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, self.COLUMNS).writerow(row)


def train(config, out, resume=False, overwrite=False, progress=True, log=print):
    """Train ``config`` into directory ``out``; returns the trainer.

    A fresh run refuses an ``out`` that holds a run or other files (``overwrite`` replaces
    a run's files and writes beside other files, deleting nothing npgan did not write).
    ``resume`` continues the run in ``out`` with its own config; ``config`` is then None or
    the settings given (a dict of fields, or a TrainConfig): only ``steps`` may differ from
    the run's, any other difference is a ``ConfigError`` naming it."""
    out = os.fspath(out)
    if resume and overwrite:
        raise ConfigError("overwrite", "--resume continues the run in --out, --overwrite replaces it: choose one")
    rundir.check_out(out)
    if resume:
        trainer, dataset, config = _resume(config, out, log)
        if trainer.step_count >= config.steps:
            log(f"{out}: the run is complete at step {trainer.step_count} of {config.steps}; "
                f"give --steps N (N > {trainer.step_count}) to train on")
            return trainer
    else:
        config = config.resolved()
        rundir.refuse_existing(out, overwrite)
        trainer, dataset = make_trainer(config)  # data and models: errors before the disk
    with rundir.locked(out, log):
        if not resume:
            rundir.refuse_existing(out, overwrite, check_lock=False)  # again, now that no other process can start here
            rundir.clear_run(out)
        for directory in (out, os.path.join(out, "samples")):
            remove_stale_temps(directory)
        metrics_csv = _MetricsCSV(os.path.join(out, "metrics.csv"), trainer.step_count if resume else None)
        os.makedirs(os.path.join(out, "samples"), exist_ok=True)
        _write_json(os.path.join(out, CONFIG), config.to_json())
        pictures = RunPictures(trainer, dataset, config, out, trainer.step_count if resume else None)
        with _StopOnSignals() as stop:
            _loop(trainer, config, out, metrics_csv, pictures, stop, progress, log)
    return trainer


def _loop(trainer, config, out, metrics_csv, pictures, stop, progress, log):
    ckpt_path = os.path.join(out, CHECKPOINT)
    saved_step = trainer.step_count if os.path.exists(ckpt_path) else None

    def save():
        nonlocal saved_step
        found = _non_finite({"G": dict(trainer.G.state_dict()), "D": dict(trainer.D.state_dict())})
        if found:
            raise Diverged(f"step {trainer.step_count}: the weights {found[0]} became NaN or infinite; "
                           f"stopped. {_last_checkpoint(saved_step, ckpt_path)}")
        save_checkpoint(ckpt_path, checkpoint_state(trainer, config))
        saved_step = trainer.step_count

    bar = _progress(progress, trainer.step_count, config.steps)
    start, start_step = time.perf_counter(), trainer.step_count
    try:
        while trainer.step_count < config.steps:
            metrics = trainer.step()
            step = trainer.step_count
            bad = [f"{k} = {v}" for k, v in metrics.items() if not np.isfinite(v)]
            if bad:
                raise Diverged(f"step {step}: {', '.join(bad)}: the losses are no longer finite; stopped "
                               f"(a smaller --lr may help). {_last_checkpoint(saved_step, ckpt_path)}")
            rate = (step - start_step) / max(time.perf_counter() - start, 1e-9)
            if step % config.log_every == 0 or step == config.steps:
                metrics_csv.append(step, metrics, rate)
            if bar is not None:
                bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items()}, refresh=False)
                bar.update(1)
            if step % config.sample_every == 0 or step == config.steps:
                pictures.at_sample_step()
            if step % config.checkpoint_every == 0 or step == config.steps:
                save()
            if stop.signum is not None:
                if saved_step != step:
                    save()
                raise Interrupted(stop.signum, step, out)
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - start
    log(f"{config.model} on {config.data}: {trainer.step_count - start_step} generator steps in {elapsed:.1f} s")
    pictures.at_end(log)


def _last_checkpoint(step, path):
    if step is None:
        return "No checkpoint was saved."
    return f"The last finite checkpoint, {path} at step {step}, is kept."


def _resume(given, out, log):
    """(trainer, dataset, config) of the run in ``out``, with ``steps`` from ``given``."""
    ckpt = os.path.join(out, CHECKPOINT)
    rundir.refuse_locked(out)
    if not os.path.isfile(ckpt):
        state, description = rundir.inspect(out)
        what = "does not exist" if state == "absent" else f"holds {description or 'nothing'}, but no {CHECKPOINT}"
        raise rundir.RunDirError(f"--resume: {out} {what}; nothing to resume (start a run without --resume)")
    trainer, dataset, saved = load_run(ckpt)
    if given is None:
        given = {}
    elif isinstance(given, TrainConfig):
        given = given.resolved().to_json()
    saved_values = saved.to_json()
    unknown = set(given) - set(saved_values)
    if unknown:
        raise ConfigError(sorted(unknown)[0], "not a TrainConfig field")
    conflicts = [k for k in given if k != "steps" and _as_json(given[k]) != _as_json(saved_values[k])]
    if conflicts:
        raise ResumeConflict(out, [(k, given[k], saved_values[k]) for k in conflicts])
    config = TrainConfig(**{**saved_values, "steps": given.get("steps", saved.steps)}).resolved()
    if config.steps < trainer.step_count:
        raise ConfigError("steps", f"{config.steps}: the run in {out} is already at step {trainer.step_count}")
    if config.steps != saved.steps and saved.lr_decay != "none" and trainer.step_count < config.steps:
        t = trainer.step_count
        lr_old, lr_new = (saved.lr * max(0.0, 1 - t / n) for n in (saved.steps, config.steps))
        log(f"--resume --steps {config.steps}: the learning rate decays linearly to zero over {config.steps} "
            f"steps instead of {saved.steps}, so at step {t} it goes from {lr_old:.3g} to {lr_new:.3g} "
            f"(lr * (1 - step / {config.steps}))")
    return trainer, dataset, config


def _as_json(value):
    return list(value) if isinstance(value, tuple) else value


class ResumeConflict(ConfigError):
    """Settings given with --resume that differ from the run's own."""

    def __init__(self, out, conflicts):
        self.out, self.conflicts = out, conflicts
        super().__init__(conflicts[0][0], "; ".join(f"{k} {g!r} (the run has {s!r})" for k, g, s in conflicts))
        self.args = (self.describe(str),)

    def __str__(self):
        return self.args[0]

    def describe(self, name):
        """The message, with each field shown as ``name(field)`` (the CLI's flags)."""
        given = "; ".join(f"{name(k)} {_show(g)} (the run has {_show(s)})" for k, g, s in self.conflicts)
        return (f"--resume: {given}. A resumed run keeps its own settings (only --steps may change); "
                f"start a new run with another --out to change them")


def _show(value):
    return " ".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


class _StopOnSignals:
    """Record the first SIGINT/SIGTERM for the training loop to act on at the next step
    boundary; a second one stops at once (KeyboardInterrupt). Only the main thread can
    install handlers; elsewhere signals keep their usual meaning."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.signum, self._previous = None, {}

    def _handle(self, signum, frame):
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        print(f"\n{signal.Signals(signum).name}: saving a checkpoint at the end of this step "
              f"(again to stop without saving)", flush=True)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        return False


def _progress(enabled, initial, total):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)


def _write_json(path, data):
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=2)
