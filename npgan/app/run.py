"""A training run on disk: ``train(config, out)``, ``load_run(ckpt)`` and ``generate``.

The run directory holds
    config.json        the resolved TrainConfig
    metrics.csv        step, d_loss, g_loss, (wasserstein, gp), steps/s — every ``log_every`` steps
    samples/step_N.png a sample grid (images) or scatter over the real data (2-D) every ``sample_every``
    loss_curve.png     the curves of metrics.csv, redrawn at each sample and at the end
    checkpoint.npz     G, D, both optimizers, the trainer's RNG, npgan's RNG, step, config;
                       written atomically every ``checkpoint_every`` steps and at the end
``resume=True`` reloads checkpoint.npz and continues the exact trajectory: the result
equals an uninterrupted run's, bit for bit on the same backend.
"""
import csv
import json
import os
import time

import numpy as np

from .. import random as ng_random
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..atomic import atomic_write
from ..serialization import load_checkpoint, save_checkpoint
from .. import viz
from ..gan.trainer import GANTrainer
from .presets import PRESETS, TrainConfig, build, schedulers

CHECKPOINT = "checkpoint.npz"
KIND = "npgan-gan-run"


def make_trainer(config):
    """A fresh, seeded trainer for a resolved config (same seed -> same initial weights)."""
    ng_random.manual_seed(config.seed)
    G, D, opt_g, opt_d, game, dataset = build(config)
    num_classes = dataset.num_classes if PRESETS[config.model].conditional else None
    trainer = GANTrainer(G, D, opt_g, opt_d, game, dataset.sample, config.latent_dim, config.batch_size,
                         config.n_critic, config.update, num_classes, seed=config.seed,
                         schedulers=schedulers(config, opt_g, opt_d))
    return trainer, dataset


def checkpoint_state(trainer, config):
    return {"kind": KIND, "config": config.to_json(), "trainer": trainer.state_dict(),
            "npgan_rng": ng_random.get_rng_state()}


def load_run(path):
    """(trainer, dataset, config) restored from a checkpoint file; clear errors otherwise."""
    state = load_checkpoint(path)
    if not isinstance(state, dict) or state.get("kind") != KIND:
        raise ValueError(f"{path}: an npgan checkpoint, but not of a GAN training run")
    config = TrainConfig.from_json(state["config"])
    trainer, dataset = make_trainer(config)
    try:
        trainer.load_state_dict(state["trainer"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: checkpoint does not match its own configuration: {exc}") from None
    ng_random.set_rng_state(state["npgan_rng"])
    return trainer, dataset, config


class _MetricsCSV:
    """Appends rows to metrics.csv; on resume, drops rows past the checkpoint's step (and
    starts a new file when a checkpoint was copied into a directory without one)."""

    COLUMNS = ["step", "d_loss", "g_loss", "wasserstein", "gp", "steps_per_s"]

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


def save_samples(trainer, dataset, path, n=64):
    """A grid of generated images (by class rows for conditional models) or a scatter of
    generated 2-D points over real ones."""
    labels = None
    if trainer.num_classes is not None:
        labels = np.repeat(np.arange(trainer.num_classes), max(1, n // trainer.num_classes))
        n = labels.size
    fake = generate(trainer, n, labels)
    if dataset.kind == "images":
        return viz.save_image_grid(fake, path, nrow=None if labels is None else n // trainer.num_classes)
    real, _ = dataset.sample(n, np.random.default_rng(0))
    return viz.save_scatter_2d(fake, path, real=real, centres=dataset.centres, title=f"step {trainer.step_count}")


def generate(trainer, n, labels=None, rng=None):
    """``n`` samples from G in eval mode (BN uses running statistics), as a NumPy array.
    ``rng`` defaults to a fixed seed so the same checkpoint gives the same samples and
    the trainer's own random stream is left untouched."""
    rng = rng or np.random.default_rng(12345)
    z = Tensor(rng.standard_normal((n, trainer.latent_dim)).astype(trainer.dtype))
    was_training = trainer.G.training
    trainer.G.eval()
    try:
        with no_grad():
            out = trainer.generate(z, labels)
    finally:
        trainer.G.train(was_training)
    return out.data


def train(config, out, resume=False, progress=True, log=print):
    """Train ``config`` into directory ``out``; returns the trainer."""
    config = config.resolved()
    ckpt_path = os.path.join(out, CHECKPOINT)
    if resume:  # load (and so validate) before anything in ``out`` is touched
        trainer, dataset, saved = load_run(ckpt_path)
        if saved.model != config.model or saved.data != config.data:
            raise ValueError(f"--resume: {ckpt_path} is a {saved.model!r} run on {saved.data!r}, "
                             f"not {config.model!r} on {config.data!r}")
        if saved.lr_decay != "none" and saved.steps != config.steps:
            log(f"--resume: the learning rate decays over {config.steps} steps from here on, "
                f"not the {saved.steps} this run started with")
        config = TrainConfig(**{**saved.to_json(), "steps": config.steps})
        metrics_csv = _MetricsCSV(os.path.join(out, "metrics.csv"), resume_step=trainer.step_count)
    else:
        trainer, dataset = make_trainer(config)
        os.makedirs(out, exist_ok=True)
        metrics_csv = _MetricsCSV(os.path.join(out, "metrics.csv"))
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    _write_json(os.path.join(out, "config.json"), config.to_json())

    bar = _progress(progress, trainer.step_count, config.steps)
    start, start_step = time.perf_counter(), trainer.step_count
    while trainer.step_count < config.steps:
        metrics = trainer.step()
        step = trainer.step_count
        rate = (step - start_step) / max(time.perf_counter() - start, 1e-9)
        if step % config.log_every == 0 or step == config.steps:
            metrics_csv.append(step, metrics, rate)
        if bar is not None:
            bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items()}, refresh=False)
            bar.update(1)
        if step % config.sample_every == 0 or step == config.steps:
            save_samples(trainer, dataset, os.path.join(out, "samples", f"step_{step:06d}.png"))
            viz.save_loss_curves(os.path.join(out, "metrics.csv"), os.path.join(out, "loss_curve.png"),
                                 title=f"{config.model} on {config.data}")
        if step % config.checkpoint_every == 0 or step == config.steps:
            save_checkpoint(ckpt_path, checkpoint_state(trainer, config))
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - start
    log(f"{config.model} on {config.data}: {trainer.step_count - start_step} generator steps in {elapsed:.1f} s")
    return trainer


def _progress(enabled, initial, total):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)


def _write_json(path, data):
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=2)
