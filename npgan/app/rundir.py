"""A run directory's safety: what ``--out`` holds, refusing to destroy work, and a lock.

* ``check_out(out)`` reads, never writes: ``--out`` must not be the file-system root or a
  file, and must be creatable/writable.
* ``inspect(out)`` says what is there: nothing, an npgan run (at which step), or other files.
  ``refuse_existing`` turns that into the refusal a fresh ``npgan train`` gives (with the
  three ways out: ``--resume``, ``--overwrite``, another ``--out``).
* ``clear_run(out)`` (``--overwrite``) deletes only the files a run writes (``RUN_FILES``);
  a directory that is not a run is written into but never emptied, and a file there under
  one of npgan's names is never replaced.
* ``locked(out)`` holds ``.npgan.lock`` for the run: ``fcntl.flock`` (released by the kernel
  when the process dies, however it dies) on a file holding the owner's pid. A second
  process is refused with that pid; a lock file still holding a pid that no process locks
  is a run that was killed, which is reported.
"""
import contextlib
import fcntl
import glob
import json
import os

from ..atomic import TEMP_PREFIX

LOCK = ".npgan.lock"
CHECKPOINT = "checkpoint.npz"
CONFIG = "config.json"
# Every file a run writes, as glob patterns relative to the run directory. A new output
# of ``train`` belongs here, so that --overwrite replaces it and nothing else.
RUN_FILES = (CONFIG, "metrics.csv", CHECKPOINT, "loss_curve.png", "samples/step_*.png", "final.png",
             "training.gif", "training.png", "training_frames.npz",
             TEMP_PREFIX + "*", "samples/" + TEMP_PREFIX + "*")


class RunDirError(ValueError):
    """``--out`` cannot be used as asked (the message says why and what to do)."""


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


def is_run_config(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("model"), str) and "steps" in data


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
    from ..serialization import load_checkpoint
    config, step = {}, None
    if is_run_config(os.path.join(out, CONFIG)):
        with open(os.path.join(out, CONFIG), encoding="utf-8") as f:
            config = json.load(f)
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


def _read_pid(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else (text or None)


def refuse_locked(out):
    """Refuse a run directory that another live process holds."""
    holder = lock_holder(out)
    if holder is not None:
        raise RunDirError(in_use(out, holder))


def in_use(out, pid):
    return f"--out {out}: in use by another npgan train (pid {pid}); wait for it, stop it, or train into another --out"


def lock_holder(out):
    """The pid of a live process holding ``out``'s lock, else None (reads only)."""
    try:
        fd = os.open(os.path.join(out, LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        return holder if holder is not None else "unknown"
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    return None


@contextlib.contextmanager
def locked(out, log=print):
    """Create ``out`` and hold its lock for the body; refuse if another process holds it."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, LOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirError(in_use(out, _read_pid(fd))) from None
        stale = _read_pid(fd)
        if stale is not None:
            log(f"note: {path} still names pid {stale}, which no longer holds it: that run was killed "
                f"without saving; its last checkpoint is what --resume continues from")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # an empty lock file: released cleanly
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
