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
    .npgan.lock        held while a process trains here, naming it (``rundir.lock``)
``resume=True`` reloads checkpoint.npz and continues the exact trajectory: the result
equals an uninterrupted run's, bit for bit on the same backend.

No work is lost (the directory is kept by ``rundir``, as ``npgan adapt``'s is): every
setting is checked and the models are built before the directory is touched; a directory
holding a run (or other files) is refused without ``overwrite``; SIGINT/SIGTERM stop at the
next step boundary after saving a checkpoint (``rundir.Interrupted``); a run whose losses or
weights turn non-finite stops (``rundir.Diverged``) and keeps the last finite checkpoint; a
checkpoint with non-finite weights is refused.
"""
import os

from .. import random as ng_random
from ..serialization import load_checkpoint
from ..gan.pix2pix import Pix2PixTrainer
from ..gan.trainer import GANTrainer
from .pictures import RunPictures
from .presets import PRESETS, TrainConfig, build, schedulers
from . import rundir
from .rundir import CHECKPOINT, CONFIG
from .sampling import generate, translate  # noqa: F401 (npgan.app.run.generate/translate, as before)

KIND = "npgan-gan-run"


def make_trainer(config):
    """A fresh, seeded trainer for a resolved config (same seed -> same initial weights)."""
    ng_random.manual_seed(config.seed)
    G, D, opt_g, opt_d, game, dataset = build(config)
    if dataset.kind == "pairs":
        trainer = Pix2PixTrainer(G, D, opt_g, opt_d, game, dataset.sample, config.l1_lambda, config.batch_size,
                                 config.n_critic, config.update, seed=config.seed,
                                 schedulers=schedulers(config, opt_g, opt_d), compile=config.compile)
        return trainer, dataset
    num_classes = dataset.num_classes if PRESETS[config.model].conditional else None
    trainer = GANTrainer(G, D, opt_g, opt_d, game, dataset.sample, config.latent_dim, config.batch_size,
                         config.n_critic, config.update, num_classes, seed=config.seed,
                         schedulers=schedulers(config, opt_g, opt_d), compile=config.compile)
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


def load_run(path, compile=None):
    """(trainer, dataset, config) restored from a checkpoint file (or a run directory),
    its trainer captured or eager as ``compile`` says (None: as the run's config says);
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
            if compile is not None:
                config = TrainConfig(**{**config.to_json(), "compile": compile}).resolved()
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


COLUMNS = ["step", "d_loss", "g_loss", "wasserstein", "gp", "l1", "steps_per_s"]  # of metrics.csv
COMMAND = "npgan train"


def train(config, out, resume=False, overwrite=False, progress=True, log=print, command=COMMAND):
    """Train ``config`` into directory ``out``; returns the trainer.

    A fresh run refuses an ``out`` that holds a run or other files (``overwrite`` replaces
    a run's files and writes beside other files, deleting nothing npgan did not write).
    ``resume`` continues the run in ``out`` with its own config; ``config`` is then None or
    the settings given (a dict of fields, or a TrainConfig): only ``steps`` may differ from
    the run's, any other difference is a ``ConfigError`` naming it. ``command`` is what the
    lock names as the holder and what the resume command says (``npgan sweep`` runs tasks)."""
    out = os.fspath(out)
    if not resume:
        config = config.resolved()
    rundir.check_run_dir(out, resume, overwrite)
    if resume:
        trainer, dataset, config = _resume(config, out, log)
        if rundir.report_complete(out, trainer.step_count, config.steps, log):
            return trainer
    else:
        trainer, dataset = make_trainer(config)  # data and models: errors before the disk
    resume_step = trainer.step_count if resume else None
    with rundir.open_run(out, command, resume, overwrite, log) as stop:
        metrics_csv = rundir.MetricsCSV(os.path.join(out, "metrics.csv"), COLUMNS, resume_step)
        os.makedirs(os.path.join(out, "samples"), exist_ok=True)
        rundir.write_json(os.path.join(out, CONFIG), config.to_json())
        pictures = RunPictures(trainer, dataset, config, out, resume_step)
        ckpt_path = os.path.join(out, CHECKPOINT)
        checkpoints = rundir.Checkpoints(
            ckpt_path, lambda: checkpoint_state(trainer, config),
            lambda: {"G": dict(trainer.G.state_dict()), "D": dict(trainer.D.state_dict())},
            config.checkpoint_every, trainer.step_count if os.path.exists(ckpt_path) else None)

        def after_step(step, metrics, rate):
            if step % config.log_every == 0 or step == config.steps:
                metrics_csv.append(step, metrics, rate)
            if step % config.sample_every == 0 or step == config.steps:
                pictures.at_sample_step()
            return metrics

        taken, elapsed = rundir.run_steps(trainer, config.steps, out, command, checkpoints, after_step, stop, progress)
        log(f"{config.model} on {config.data}: {taken} generator steps in {elapsed:.1f} s")
        pictures.at_end(log)
    return trainer


def _resume(given, out, log):
    """(trainer, dataset, config) of the run in ``out``, with ``steps`` and ``compile`` from
    ``given`` (captured or eager, the trajectory is the same, so a resumed run may change it)."""
    if given is None:
        given = {}
    elif isinstance(given, TrainConfig):
        given = given.resolved().to_json()
    trainer, dataset, saved = load_run(rundir.require_checkpoint(out), given.get("compile"))
    config = rundir.resumed_config(out, given, saved.to_json(), trainer.step_count,
                                   lambda values: TrainConfig(**values).resolved(), "TrainConfig")
    if config.steps != saved.steps and saved.lr_decay != "none" and trainer.step_count < config.steps:
        t = trainer.step_count
        lr_old, lr_new = (saved.lr * max(0.0, 1 - t / n) for n in (saved.steps, config.steps))
        log(f"--resume --steps {config.steps}: the learning rate decays linearly to zero over {config.steps} "
            f"steps instead of {saved.steps}, so at step {t} it goes from {lr_old:.3g} to {lr_new:.3g} "
            f"(lr * (1 - step / {config.steps}))")
    return trainer, dataset, config
