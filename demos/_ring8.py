"""Presets of ``npgan train`` trained side by side on ring8 and scored: the comparison that
ends demos 11 (nsgan, unrolled), 12 (nsgan, minibatch, mbstd), 13 (bn, vbn) and 14 (nsgan,
sngan).

Each preset trains with its own settings for ``steps`` generator steps, one seed; five
snapshots of 500 samples over the run go to snapshots_<preset>.png, and the last G is scored
with ``npgan eval``'s protocol (``npgan.metrics.mode_coverage`` on 2,500 samples: modes
covered, high-quality share, reverse KL). ``quick`` shrinks the nets (16, 16) and the batch
(16): with 3 steps it checks the plumbing only. One seed is one run: the README gives means
over seeds.
"""
import os
import time

import numpy as np

from npgan import viz
from npgan.app.presets import TrainConfig
from npgan.app.run import generate, make_trainer
from npgan.metrics import N_SAMPLES, mode_coverage

QUICK = {"hidden": (16, 16), "batch_size": 16}


def train(preset, steps, quick, seed=0, snapshots=5):
    """Train ``preset`` on ring8: (snapshots [(title, samples)], coverage, seconds of training, dataset)."""
    trainer, dataset = make_trainer(TrainConfig(model=preset, data="ring8", steps=steps, seed=seed,
                                                **(QUICK if quick else {})).resolved())
    wanted = sorted({int(round(s)) for s in np.linspace(0, steps, snapshots)})
    shots, seconds = [], 0.0
    while True:
        if trainer.step_count in wanted:
            shots.append((f"step {trainer.step_count}", generate(trainer, 500, rng=np.random.default_rng([seed, 2]))))
        if trainer.step_count >= steps:
            break
        start = time.perf_counter()
        trainer.step()
        seconds += time.perf_counter() - start
    coverage = mode_coverage(generate(trainer, N_SAMPLES, rng=np.random.default_rng([seed, 1])), dataset.centres,
                             dataset.std)
    return shots, coverage, seconds, dataset


def compare(presets, steps, quick, out, part, seed=0):
    """Train and score each of ``presets``, print a line each under the heading ``part``,
    write their snapshots into ``out``; returns {preset: coverage.as_dict()}."""
    print(f"{part} ring8, {steps} generator steps, seed {seed}:")
    width = max(len(p) for p in presets)
    result = {}
    for preset in presets:
        shots, coverage, seconds, dataset = train(preset, steps, quick, seed)
        real, _ = dataset.sample(500, np.random.default_rng(0))
        viz.save_snapshots(shots, os.path.join(out, f"snapshots_{preset}.png"), real=real, centres=dataset.centres,
                           ncols=len(shots))
        result[preset] = coverage.as_dict()
        print(f"    {preset:{width}s} modes {coverage.modes_covered}/{coverage.num_modes}, high quality "
              f"{100 * coverage.high_quality:.1f}%, reverse KL {coverage.reverse_kl:.3f}, {seconds:.1f} s")
    return result
