"""The part of a training loop that keeps its run directory: what ``npgan train`` and
``npgan adapt`` share.

    with open_run(out, "npgan adapt", resume, overwrite, log) as stop:
        metrics = MetricsCSV(os.path.join(out, "metrics.csv"), COLUMNS, resume_step)
        checkpoints = Checkpoints(os.path.join(out, CHECKPOINT), state, weights, every, trainer.step_count)
        run_steps(trainer, steps, out, "npgan adapt", checkpoints, after_step, stop, progress)

* ``open_run`` holds the lock, repeats a fresh run's checks under it, clears an old run
  (``--overwrite``), removes the temp files of a killed save, and records SIGINT/SIGTERM
  (``StopOnSignals``) for the loop.
* ``run_steps`` steps the trainer: losses that are not finite stop the run (``Diverged``)
  keeping the last good checkpoint; a checkpoint every ``every`` steps and at the end, never
  of non-finite weights; a recorded signal saves one at the next step boundary and stops
  (``Interrupted``: exit 128 + signal, with the exact command that resumes).
* ``MetricsCSV`` appends rows; on resume it drops the rows past the checkpoint's step.
"""
import contextlib
import csv
import os
import shlex
import signal
import threading
import time

import numpy as np

from ...atomic import atomic_write, remove_stale_temps
from ...serialization import save_checkpoint
from .directory import clear_run, refuse_existing
from .lock import locked


class Interrupted(KeyboardInterrupt):
    """Training stopped on SIGINT/SIGTERM after saving a checkpoint at ``step``."""

    def __init__(self, signum, step, out, command="npgan train"):
        self.signum, self.step, self.out, self.command = signum, step, out, command
        super().__init__(f"{signal.Signals(signum).name} at step {step}: checkpoint saved in {out}; "
                         f"resume with: {resume_command(command, out)}")


class Diverged(RuntimeError):
    """A loss or a weight became NaN or infinite; the run stopped without saving it."""


def resume_command(command, out):
    """The exact command line that continues the run in ``out``."""
    return f"{command} --out {shlex.quote(out)} --resume"


@contextlib.contextmanager
def open_run(out, command, resume, overwrite, log=print):
    """Hold ``out`` for a run of ``command`` (the body): the lock; for a fresh run the check of
    ``refuse_existing`` again (no other process can start here now) and the old run's files
    removed; the temp files of a killed save removed. Yields the run's ``StopOnSignals``."""
    with locked(out, command, log):
        if not resume:
            refuse_existing(out, overwrite, check_lock=False)
            clear_run(out)
        for directory in (out, os.path.join(out, "samples")):
            remove_stale_temps(directory)
        with StopOnSignals() as stop:
            yield stop


class StopOnSignals:
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


class MetricsCSV:
    """Appends rows of ``columns`` to metrics.csv; on resume (``resume_step``), drops rows
    past the checkpoint's step (and starts a new file when a checkpoint was copied into a
    directory without one). Metrics not among the columns are left out."""

    def __init__(self, path, columns, resume_step=None):
        self.path, self.columns = path, list(columns)
        if resume_step is not None and os.path.exists(path):
            with open(path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]
            self._write(rows)
        else:
            self._write([])

    def _write(self, rows):
        with atomic_write(self.path, "w") as f:
            writer = csv.DictWriter(f, self.columns)
            writer.writeheader()
            writer.writerows(rows)

    def append(self, step, metrics, rate):
        row = {"step": step, "steps_per_s": f"{rate:.2f}"}
        row.update({k: f"{v:.6g}" for k, v in metrics.items() if k in self.columns})
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, self.columns).writerow(row)


def non_finite(tree, where=""):
    """The first (name, count) of a float array with NaN or inf values in a nested state."""
    if isinstance(tree, np.ndarray):
        if tree.dtype.kind in "fc":
            bad = int(tree.size - np.count_nonzero(np.isfinite(tree)))
            if bad:
                return where, bad
        return None
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        found = non_finite(value, f"{where}/{key}" if where else str(key))
        if found:
            return found
    return None


class Checkpoints:
    """A run's checkpoint.npz at ``path``: ``state()`` is what is saved, ``weights()`` the
    arrays that must be finite for it to be saved; ``saved_step`` is the step of the last good
    checkpoint (None: none yet), named when the run stops on a non-finite value."""

    def __init__(self, path, state, weights, every, saved_step=None):
        self.path, self.state, self.weights, self.every, self.saved_step = path, state, weights, every, saved_step

    def last_good(self):
        if self.saved_step is None:
            return "No checkpoint was saved."
        return f"The last finite checkpoint, {self.path} at step {self.saved_step}, is kept."

    def check_losses(self, step, metrics):
        bad = [f"{k} = {v}" for k, v in metrics.items() if not np.isfinite(v)]
        if bad:
            raise Diverged(f"step {step}: {', '.join(bad)}: the losses are no longer finite; stopped "
                           f"(a smaller --lr may help). {self.last_good()}")

    def save(self, step):
        found = non_finite(self.weights())
        if found:
            raise Diverged(f"step {step}: the weights {found[0]} became NaN or infinite; "
                           f"stopped. {self.last_good()}")
        save_checkpoint(self.path, self.state())
        self.saved_step = step


def progress_bar(enabled, initial, total):
    """A tqdm bar of steps, or None."""
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)


def run_steps(trainer, steps, out, command, checkpoints, after_step, stop, progress=True):
    """Step ``trainer`` until its ``step_count`` is ``steps``; returns (steps taken, seconds).

    After each step: the losses are checked (``Diverged``), ``after_step(step, metrics,
    steps_per_s)`` logs and draws and returns what the progress bar shows, a checkpoint is
    saved every ``checkpoints.every`` steps and at the last, and a signal ``stop`` recorded
    saves one (unless this step's was just saved) and stops (``Interrupted``)."""
    bar = progress_bar(progress, trainer.step_count, steps)
    start, start_step = time.perf_counter(), trainer.step_count
    try:
        while trainer.step_count < steps:
            metrics = trainer.step()
            step = trainer.step_count
            checkpoints.check_losses(step, metrics)
            shown = after_step(step, metrics, (step - start_step) / max(time.perf_counter() - start, 1e-9))
            if bar is not None:
                bar.set_postfix({k: f"{v:.3f}" for k, v in shown.items()}, refresh=False)
                bar.update(1)
            if step % checkpoints.every == 0 or step == steps:
                checkpoints.save(step)
            if stop.signum is not None:
                if checkpoints.saved_step != step:
                    checkpoints.save(step)
                raise Interrupted(stop.signum, step, out, command)
    finally:
        if bar is not None:
            bar.close()
    return trainer.step_count - start_step, time.perf_counter() - start
