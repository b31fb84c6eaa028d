"""What ``--out`` holds, and refusing to destroy work there.

* ``check_out(out)`` reads, never writes: ``--out`` must not be the file-system root, the
  home directory or a file, and must be creatable/writable.
* ``inspect(out)`` says what is there: nothing, an npgan run (at which step), or other files.
  ``refuse_existing`` turns that into the refusal a fresh run gives (with the three ways
  out: ``--resume``, ``--overwrite``, another ``--out``); ``require_checkpoint`` is the
  refusal of ``--resume`` with nothing to resume.
* ``check_run_dir(out, resume, overwrite)`` is all of these checks a run makes before any
  work (then again under the lock, ``loop.open_run``).
* ``clear_run(out)`` (``--overwrite``) deletes only the files a run writes (``RUN_FILES``);
  a directory that is not a run is written into but never emptied, and a file there under
  one of npgan's names is never replaced.
* ``read_config`` / ``write_json``: a run's config.json.
"""
import contextlib
import glob
import json
import os

from ...atomic import TEMP_PREFIX, atomic_write
from ..checks import ConfigError
from .lock import LOCK, RunDirError, refuse_locked

CHECKPOINT = "checkpoint.npz"
CONFIG = "config.json"
# Every file a run writes, as glob patterns relative to the run directory. A new output
# of a run belongs here, so that --overwrite replaces it and nothing else.
RUN_FILES = (CONFIG, "metrics.csv", CHECKPOINT, "loss_curve.png", "samples/step_*.png", "final.png",
             "training.gif", "training.png", "training_frames.npz",
             TEMP_PREFIX + "*", "samples/" + TEMP_PREFIX + "*")


def check_out(out):
    """Refuse a root, a file, or a place that cannot be written, without touching the disk."""
    real = os.path.realpath(out)
    if real == os.path.realpath(os.sep) or real == os.path.realpath(os.path.expanduser("~")):
        raise RunDirError(f"--out {out}: that is {'the file-system root' if real == os.sep else 'your home'}; "
                          f"give a directory for the run, e.g. --out runs/NAME")
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f"--out {out}: is a file, not a directory")
    existing = real
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise RunDirError(f"--out {out}: {existing} is a file, so no directory can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RunDirError(f"--out {out}: {existing} is not writable (permission denied)")


def read_config(path):
    """The dict in a run's config.json at ``path`` (with a "model" name and "steps"), else None."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("model"), str) and "steps" in data else None


def is_run_config(path):
    return read_config(path) is not None


def write_json(path, data):
    """``data`` as indented JSON at ``path``, atomically."""
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=2)


def inspect(out):
    """("absent" | "empty" | "run" | "other", description). A run is a directory with
    npgan's checkpoint.npz or config.json; its description says which model at which step."""
    if not os.path.isdir(out):
        return "absent", ""
    entries = [e for e in os.listdir(out) if e != LOCK]
    if not entries:
        return "empty", ""
    ckpt, config = os.path.join(out, CHECKPOINT), os.path.join(out, CONFIG)
    if os.path.isfile(ckpt) or is_run_config(config):
        return "run", describe_run(out)
    shown = ", ".join(repr(e) for e in sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
    return "other", f"{len(entries)} entries ({shown}) and no npgan run"


def describe_run(out):
    """'a wgan-gp run on ring8 at step 250 of 1000' from the checkpoint (or config.json)."""
    from ...serialization import load_checkpoint
    config, step = read_config(os.path.join(out, CONFIG)) or {}, None
    try:
        state = load_checkpoint(os.path.join(out, CHECKPOINT))
        config, step = state["config"], int(state["trainer"]["step"])
    except FileNotFoundError:
        step = 0
    except (ValueError, KeyError, TypeError):
        pass
    where = "with an unreadable checkpoint" if step is None else f"at step {step} of {config.get('steps', '?')}"
    return f"a {config.get('model', '?')} run on {config.get('data', '?')} {where}"


def refuse_existing(out, overwrite, check_lock=True):
    """The check before a fresh run: an existing run needs --overwrite (or --resume); a
    directory with other files needs --overwrite and must not hold files under npgan's names.
    ``check_lock=False`` when this process already holds the lock."""
    if check_lock:
        refuse_locked(out)
    state, description = inspect(out)
    if state == "run" and not overwrite:
        raise RunDirError(f"--out {out} already holds {description}: continue it with --resume, "
                          f"replace it with --overwrite, or train into another --out")
    if state == "other":
        if not overwrite:
            raise RunDirError(f"--out {out} is not empty: {description}. Use a new or empty directory, or "
                              f"--overwrite to write the run beside them (npgan deletes nothing it did not write)")
        clash = sorted(p for pattern in RUN_FILES for p in glob.glob(os.path.join(glob.escape(out), pattern)))
        if clash:
            raise RunDirError(f"--out {out}: {clash[0]} is not npgan's (the directory holds no run); "
                              f"--overwrite never replaces files npgan did not write: use another --out")


def require_checkpoint(out):
    """The path of the checkpoint ``--resume`` continues from; a RunDirError when there is none."""
    ckpt = os.path.join(out, CHECKPOINT)
    if not os.path.isfile(ckpt):
        state, description = inspect(out)
        what = "does not exist" if state == "absent" else f"holds {description or 'nothing'}, but no {CHECKPOINT}"
        raise RunDirError(f"--resume: {out} {what}; nothing to resume (start a run without --resume)")
    return ckpt


def check_run_dir(out, resume, overwrite):
    """Everything about ``out`` that refuses a run, checked before any work: --resume with
    --overwrite, a root/file/unwritable --out, a directory another process holds, and then
    nothing to resume (``resume``) or work that a fresh run would destroy."""
    if resume and overwrite:
        raise ConfigError("overwrite", "--resume continues the run in --out, --overwrite replaces it: choose one")
    check_out(out)
    refuse_locked(out)
    if resume:
        require_checkpoint(out)
    else:
        refuse_existing(out, overwrite, check_lock=False)


def clear_run(out):
    """Delete the files of the run in ``out`` (``RUN_FILES`` only); returns how many."""
    removed = 0
    for pattern in RUN_FILES:
        for path in glob.glob(os.path.join(glob.escape(out), pattern)):
            if os.path.isfile(path) or os.path.islink(path):
                os.remove(path)
                removed += 1
    with contextlib.suppress(OSError):
        os.rmdir(os.path.join(out, "samples"))  # only if now empty
    return removed
