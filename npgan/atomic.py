"""Writing a file so that no reader, crash or planted symlink ever sees half of one.

``atomic_write(path)`` is the one way npgan writes a file (checkpoints, configs, metrics,
pictures, samples). It writes to a fresh temporary file in the destination directory and
then renames it over the destination:

1. the temporary name is unique and created with ``O_CREAT | O_EXCL`` (``tempfile.mkstemp``),
   so a file or symlink planted under a predictable name is never opened or followed;
2. the data is flushed and ``fsync``-ed before the rename, and the directory is ``fsync``-ed
   after it, so after a crash the destination holds either the old file or the whole new one;
3. ``os.replace`` is atomic on one file system and replaces a symlink at ``path`` itself
   rather than writing through it;
4. the new file gets the permissions a plain ``open`` would give it (``0o666`` minus the
   umask), not ``mkstemp``'s private ``0o600``.

A process killed between steps 1 and 3 leaves a temporary file behind; its name starts with
``TEMP_PREFIX``, and ``remove_stale_temps(directory)`` deletes such files (run directories
call it when a run starts).
"""
import contextlib
import os
import tempfile

TEMP_PREFIX = ".npgan-tmp-"


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path`` (``mode`` ``"wb"`` or ``"w"``); on success it
    replaces ``path``, on any error it is removed and ``path`` is untouched. The parent
    directory is created if missing."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.path.basename(path)}.", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"newline": "", "encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_directory(directory)


def remove_stale_temps(directory):
    """Delete the temporary files a killed ``atomic_write`` left in ``directory``; returns
    their names."""
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for name in sorted(os.listdir(directory)):
            full = os.path.join(directory, name)
            if name.startswith(TEMP_PREFIX) and os.path.isfile(full) and not os.path.islink(full):
                os.remove(full)
                removed.append(name)
    return removed


def _umask():
    """The process's umask, read without changing it where /proc allows (``os.umask`` can
    only be read by setting it, which would race with other threads creating files)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory):
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
