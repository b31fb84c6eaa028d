"""The lock of a run directory: which process (and which npgan command) works in it.

``locked(out, command)`` holds ``out/.npgan.lock`` for the body with ``fcntl.flock``, which
the kernel releases when the process dies, however it dies. The file records the holder as
one line of JSON, ``{"pid": ..., "command": "npgan adapt", "started": "... UTC"}``, so that
a second process is refused with what holds the directory ("in use by another npgan adapt
(pid 4242, started ...)"). The file is emptied when the lock is released cleanly; a file
that still names a holder no process locks was left by a killed process, which the next
holder reports (and takes over).
"""
import contextlib
import dataclasses
import fcntl
import json
import os
import time

LOCK = ".npgan.lock"
RECORD_BYTES = 4096  # a holder's record is one short line
# What a killed holder leaves to continue from, by its command (shown when the lock is taken over).
AFTER_KILL = {"npgan sweep": "rerunning the sweep keeps its finished runs and resumes the others",
              "npgan train": "its last checkpoint is what --resume continues from",
              "npgan adapt": "its last checkpoint is what --resume continues from"}


class RunDirError(ValueError):
    """``--out`` cannot be used as asked (the message says why and what to do)."""


@dataclasses.dataclass(frozen=True)
class Holder:
    """Who holds (or held) a lock: its pid, its command and when it started (None if unknown:
    a lock file written by an older npgan holds only the pid)."""
    pid: int | None
    command: str = "npgan"
    started: str | None = None

    def __str__(self):
        since = f", started {self.started}" if self.started else ""
        return f"{self.command} (pid {self.pid if self.pid is not None else 'unknown'}{since})"


def _read_holder(fd):
    """The Holder recorded in the lock file ``fd``, or None for an empty (released) one."""
    text = os.pread(fd, RECORD_BYTES, 0).decode("utf-8", "replace").strip()
    if not text:
        return None
    if text.isdigit():
        return Holder(int(text))
    try:
        record = json.loads(text)
        return Holder(int(record["pid"]), str(record["command"]), record.get("started"))
    except (ValueError, KeyError, TypeError):
        return Holder(None)


def in_use(out, holder):
    """The refusal of a directory that ``holder`` (a live process) holds."""
    return f"--out {out}: in use by another {holder}; wait for it, stop it, or use another --out"


def lock_holder(out):
    """The Holder of ``out``'s lock when a live process holds it, else None (reads only)."""
    try:
        fd = os.open(os.path.join(out, LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or Holder(None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def refuse_locked(out):
    """Refuse a run directory that another live process holds."""
    holder = lock_holder(out)
    if holder is not None:
        raise RunDirError(in_use(out, holder))


@contextlib.contextmanager
def locked(out, command, log=print):
    """Create ``out`` and hold its lock for the body as ``command`` (e.g. "npgan train");
    refuse if another process holds it; report a holder that was killed."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, LOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirError(in_use(out, _read_holder(fd) or Holder(None))) from None
        killed = _read_holder(fd)
        if killed is not None:
            log(f"note: {path} still names {killed}, which no longer holds it: it was killed without "
                f"releasing it; {AFTER_KILL.get(killed.command, 'what it saved last is kept')}")
        record = {"pid": os.getpid(), "command": command,
                  "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # an empty lock file: released cleanly
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
