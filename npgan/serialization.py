"""Save and load nested checkpoints as one ``.npz`` file: arrays as npz entries, the
rest (numbers, strings, booleans, None, dicts, lists) as JSON stored inside it.

* Nothing a user saved is lost: the file is written with ``atomic.atomic_write``
  (a unique temporary file, fsync, rename), so a crash mid-save leaves the previous
  checkpoint intact.
* Loading never executes code: ``numpy.load(allow_pickle=False)`` and ``json``.
* A corrupt, foreign or hostile file raises one ``ValueError`` naming the file and what is
  wrong, before anything large is allocated (``npz.NpzReader``).
"""
import json
import os

import numpy as np

from .atomic import atomic_write
from .npz import NpzReader

FORMAT = "npgan-checkpoint"
VERSION = 1
_META_KEY = "__npgan_meta__"
MAX_BYTES = 2**31  # arrays read from one checkpoint at most (a DCGAN run's is ~30 MB)
MAX_METADATA_BYTES = 2**24


def _split(tree, arrays, path):
    """Replace every ndarray in ``tree`` by {"__array__": key}, collecting the arrays."""
    if isinstance(tree, np.ndarray):
        key = "/".join(path) or "root"
        arrays[key] = tree
        return {"__array__": key}
    if isinstance(tree, np.generic):
        return tree.item()
    if isinstance(tree, dict):
        if tree and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in tree):
            # integer keys (an optimizer's per-parameter state) survive the JSON round trip
            return {"__int_keys__": {str(k): _split(v, arrays, path + [str(k)]) for k, v in tree.items()}}
        out = {}
        for k, v in tree.items():
            if not isinstance(k, str):
                raise TypeError(f"save_checkpoint: dict keys must be all strings or all integers, "
                                f"got {k!r} at {'/'.join(path) or 'root'}")
            out[k] = _split(v, arrays, path + [k])
        return out
    if isinstance(tree, (list, tuple)):
        return [_split(v, arrays, path + [str(i)]) for i, v in enumerate(tree)]
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    raise TypeError(f"save_checkpoint: cannot store a {type(tree).__name__} at {'/'.join(path) or 'root'}")


def _references(tree, path, found):
    """Collect the array keys the skeleton ``tree`` refers to; ``ValueError`` on a
    malformed skeleton (what a corrupted or hand-made file may hold)."""
    if isinstance(tree, dict):
        if "__array__" in tree:
            if set(tree) != {"__array__"} or not isinstance(tree["__array__"], str):
                raise ValueError(f"load_checkpoint: {path}: malformed array reference {tree!r}")
            found.append(tree["__array__"])
        elif "__int_keys__" in tree:
            ints = tree["__int_keys__"]
            if set(tree) != {"__int_keys__"} or not isinstance(ints, dict) or not all(
                    k.lstrip("-").isdigit() for k in ints):
                raise ValueError(f"load_checkpoint: {path}: malformed integer-keyed dict")
            for v in ints.values():
                _references(v, path, found)
        else:
            for v in tree.values():
                _references(v, path, found)
    elif isinstance(tree, list):
        for v in tree:
            _references(v, path, found)
    elif not (tree is None or isinstance(tree, (bool, int, float, str))):
        raise ValueError(f"load_checkpoint: {path}: malformed metadata value {tree!r}")
    return found


def _join(tree, arrays):
    if isinstance(tree, dict):
        if "__array__" in tree:
            return arrays[tree["__array__"]]
        if "__int_keys__" in tree:
            return {int(k): _join(v, arrays) for k, v in tree["__int_keys__"].items()}
        return {k: _join(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays) for v in tree]
    return tree


def save_checkpoint(path, tree):
    """Write ``tree`` (nested dicts/lists of arrays and JSON scalars) to ``path`` atomically."""
    arrays = {}
    skeleton = _split(tree, arrays, [])
    meta = json.dumps({"format": FORMAT, "version": VERSION, "tree": skeleton}).encode("utf-8")
    arrays[_META_KEY] = np.frombuffer(meta, dtype=np.uint8)
    with atomic_write(path) as f:
        np.savez(f, **arrays)
    return path


def load_checkpoint(path, expect=None, max_bytes=MAX_BYTES, finite=True):
    """Read a tree written by ``save_checkpoint``; one ``ValueError`` saying what is wrong
    if it is not one.

    Bounded: only the members the metadata refers to are read, and only after their
    ``.npy`` headers were checked -- against ``expect`` when given, a function called with
    the tree as it will be loaded but with ``(shape, dtype)`` in place of every array, which
    raises ``ValueError`` for an unexpected one -- and their total size against ``max_bytes``. ``finite=True`` refuses
    a floating-point array holding NaN or inf (the weights of a diverged run)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_checkpoint: no such file: {path}")
    with NpzReader(path, "load_checkpoint") as npz:
        if _META_KEY not in npz.files:
            raise ValueError(f"load_checkpoint: {path} is an .npz file but not an npgan checkpoint (no metadata)")
        shape, dtype = npz.spec(_META_KEY)
        if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_METADATA_BYTES:
            raise ValueError(f"load_checkpoint: {path} has malformed metadata ({dtype} {shape})")
        try:
            meta = json.loads(npz.read(_META_KEY).tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"load_checkpoint: {path} has corrupt metadata ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"load_checkpoint: {path} is not an npgan checkpoint "
                             f"(format {meta.get('format') if isinstance(meta, dict) else None!r})")
        if meta.get("version") != VERSION:
            raise ValueError(f"load_checkpoint: {path} has checkpoint version {meta.get('version')!r}, "
                             f"this npgan reads version {VERSION}")
        keys = _references(meta.get("tree"), path, [])
        specs = {key: npz.spec(key) for key in keys}
        total = sum(int(np.prod(s, dtype=np.int64)) * d.itemsize for s, d in specs.values())
        if total > max_bytes:
            raise ValueError(f"load_checkpoint: {path} declares {total:,} bytes of arrays, more than the "
                             f"limit of {max_bytes:,} (pass max_bytes= to read a larger checkpoint)")
        if expect is not None:
            expect(_join(meta["tree"], specs))
        arrays = {key: npz.read(key) for key in specs}
    if finite:
        for key, a in arrays.items():
            if a.dtype.kind in "fc" and not np.isfinite(a).all():
                raise ValueError(f"load_checkpoint: {path}: array {key!r} holds "
                                 f"{a.size - int(np.isfinite(a).sum())} non-finite values (NaN or inf): "
                                 "the run diverged before this checkpoint; it is refused")
    return _join(meta["tree"], arrays)
