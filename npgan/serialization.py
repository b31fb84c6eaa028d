"""Save and load nested checkpoints as one ``.npz`` file: arrays as npz entries, the
rest (numbers, strings, booleans, None, dicts, lists) as JSON stored inside it.

* Nothing a user saved is lost: the file is written with ``atomic.atomic_write``
  (a unique temporary file, fsync, rename), so a crash mid-save leaves the previous
  checkpoint intact.
* Loading never executes code: ``numpy.load(allow_pickle=False)`` and ``json``.
* A corrupt or foreign file raises ``ValueError`` naming the file and what is wrong.
"""
import json
import os
import zipfile

import numpy as np

from .atomic import atomic_write

FORMAT = "npgan-checkpoint"
VERSION = 1
_META_KEY = "__npgan_meta__"


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


def _join(tree, arrays, path):
    if isinstance(tree, dict):
        if set(tree) == {"__array__"}:
            key = tree["__array__"]
            if key not in arrays:
                raise ValueError(f"load_checkpoint: {path}: array {key!r} is missing from the file")
            return arrays[key]
        if set(tree) == {"__int_keys__"}:
            return {int(k): _join(v, arrays, path) for k, v in tree["__int_keys__"].items()}
        return {k: _join(v, arrays, path) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays, path) for v in tree]
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


def load_checkpoint(path):
    """Read a tree written by ``save_checkpoint``; ``ValueError`` if it is not one."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_checkpoint: no such file: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"load_checkpoint: {path} is not a readable .npz file ({exc})") from None
    if _META_KEY not in arrays:
        raise ValueError(f"load_checkpoint: {path} is an .npz file but not an npgan checkpoint (no metadata)")
    try:
        meta = json.loads(arrays.pop(_META_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"load_checkpoint: {path} has corrupt metadata ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} is not an npgan checkpoint (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise ValueError(f"load_checkpoint: {path} has checkpoint version {meta.get('version')}, "
                         f"this npgan reads version {VERSION}")
    return _join(meta["tree"], arrays, path)
