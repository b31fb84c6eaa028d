"""``load_mnist``: the real MNIST from local files, nothing downloaded.

Two layouts are read:

* a directory of the four IDX files LeCun distributes, gzipped or not
  (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``, ``t10k-...``; the
  ``train-images.idx3-ubyte`` spelling of some mirrors is accepted too);
* an ``.npz`` with keys ``x_train, y_train, x_test, y_test``, as in keras' ``mnist.npz``,
  loaded with ``allow_pickle=False`` so a file can never run code.

The IDX format: a big-endian 32-bit magic number whose third byte is the element type
(0x08 = unsigned byte) and whose fourth is the number of dimensions, then one big-endian
32-bit size per dimension, then the elements in C order. Images are 0x00000803
(count, rows, columns), labels 0x00000801 (count). Anything else -- a missing file, a
wrong magic number, too few or too many bytes, image and label counts that differ,
labels outside 0-9, sizes beyond ``MAX_BYTES`` -- is a ``FileNotFoundError`` or ``ValueError``
naming the file, raised before the data it describes is read.
"""
import gzip
import math
import os
import zlib

import numpy as np

from ..npz import NpzReader

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_PREFIX = {"train": "train", "test": "t10k"}
MAX_BYTES = 2**31  # pixels read at most (MNIST's training images are 47 MB)


def _find(directory, prefix, kind):
    """The path of ``{prefix}-{kind}`` in ``directory``, plain or gzipped, in either spelling."""
    stem, ndim = {"images": ("images", 3), "labels": ("labels", 1)}[kind]
    names = [f"{prefix}-{stem}-idx{ndim}-ubyte", f"{prefix}-{stem}.idx{ndim}-ubyte"]
    for name in names:
        for candidate in (name, name + ".gz"):
            if os.path.isfile(os.path.join(directory, candidate)):
                return os.path.join(directory, candidate)
    raise FileNotFoundError(
        f"load_mnist: no {prefix} {kind} file in {directory}: expected {names[0]} or {names[0]}.gz")


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def read_idx(path, magic):
    """The uint8 array stored in IDX file ``path``, whose magic number must be ``magic``.

    Streamed: the header is read and checked first, then exactly the bytes it declares
    (at most ``MAX_BYTES``), then one more to detect trailing data -- so a small .gz that
    inflates to gigabytes after a valid header costs no more memory than the header says."""
    ndim = magic & 0xFF
    header = 4 * (1 + ndim)
    try:
        with _open(path) as f:
            head = f.read(header)
            if len(head) < 4:
                raise ValueError(f"load_mnist: {path} is truncated: {len(head)} bytes, not even a magic number")
            found = int.from_bytes(head[:4], "big")
            if found != magic:
                raise ValueError(f"load_mnist: {path} has magic number 0x{found:08X}, expected "
                                 f"0x{magic:08X} (unsigned bytes, {ndim}-D); it is not an MNIST "
                                 f"{'images' if magic == IMAGES_MAGIC else 'labels'} file")
            if len(head) < header:
                raise ValueError(f"load_mnist: {path} is truncated inside its header ({len(head)} of {header} bytes)")
            shape = tuple(int(d) for d in np.frombuffer(head, dtype=">u4", count=ndim, offset=4))
            size = math.prod(shape)  # exact: a corrupt header may hold huge sizes
            if size > MAX_BYTES:
                raise ValueError(f"load_mnist: {path}: its header gives shape {shape} ({size:,} bytes), "
                                 f"more than the {MAX_BYTES:,} npgan reads")
            data = f.read(size)
            trailing = f.read(1)
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"load_mnist: cannot read {path}: {error}") from error
    if len(data) < size or trailing:
        problem = "is truncated" if len(data) < size else "has trailing bytes"
        held = f"{header + len(data)} bytes" if len(data) < size else "more"
        raise ValueError(f"load_mnist: {path} {problem}: its header gives shape {shape}, so "
                         f"{header + size} bytes, but the file holds {held}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _read_npz(path, split):
    """``x_{split}``, ``y_{split}`` of an .npz, their headers checked before any data is read
    (``npgan.npz``); pickled (object) arrays are refused, not run."""
    keys = (f"x_{split}", f"y_{split}")
    with open(path, "rb") as f:
        if f.read(6) == b"\x93NUMPY":
            raise ValueError(f"load_mnist: {path} holds a single array (.npy), not an .npz with {keys[0]}, {keys[1]}")
    with NpzReader(path, "load_mnist") as npz:
        missing = [k for k in keys if k not in npz.files]
        if missing:
            raise ValueError(f"load_mnist: {path} has no {' or '.join(missing)}; "
                             f"its keys are {sorted(npz.files)}")
        (x_shape, x_dtype), (y_shape, y_dtype) = npz.spec(keys[0]), npz.spec(keys[1])
        _check_specs(x_shape, x_dtype, y_shape, y_dtype, f"{path} ({split})")
        return npz.read(keys[0]), npz.read(keys[1])


def _check_specs(x_shape, x_dtype, y_shape, y_dtype, where):
    """The shapes and dtypes of images and labels, before their data is read."""
    if len(x_shape) != 3 or x_dtype != np.uint8:
        raise ValueError(f"load_mnist: {where}: images must be uint8 (count, rows, columns), "
                         f"got {x_dtype} {x_shape}")
    if math.prod(x_shape) > MAX_BYTES:
        raise ValueError(f"load_mnist: {where}: images of shape {x_shape} are more than the "
                         f"{MAX_BYTES:,} bytes npgan reads")
    if len(y_shape) != 1 or y_dtype.kind not in "iu":
        raise ValueError(f"load_mnist: {where}: labels must be integers (count,), got {y_dtype} {y_shape}")
    if x_shape[0] != y_shape[0]:
        raise ValueError(f"load_mnist: {where}: {x_shape[0]} images but {y_shape[0]} labels")


def _check(images, labels, where):
    _check_specs(images.shape, images.dtype, labels.shape, labels.dtype, where)
    if len(labels) and not 0 <= labels.min() <= labels.max() <= 9:
        raise ValueError(f"load_mnist: {where}: labels must be digits 0-9, "
                         f"found {labels.min()}..{labels.max()}")


def load_mnist(path, split="train", *, value_range=(-1.0, 1.0), dtype=np.float32):
    """MNIST's ``split`` ("train" or "test") from ``path`` (a directory of IDX files or an .npz).

    Returns ``(images (N, 1, 28, 28), labels (N,) int64)`` in the convention of ``digits``:
    pixels scaled from 0..255 to ``value_range`` ((-1, 1) for a tanh generator, or (0, 1)).
    """
    if split not in _PREFIX:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"load_mnist: dtype must be float32 or float64, got {dtype}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_mnist: {path} does not exist "
                                "(give a directory of MNIST IDX files or an .npz)")
    if os.path.isdir(path):
        images_path = _find(path, _PREFIX[split], "images")
        labels_path = _find(path, _PREFIX[split], "labels")
        images, labels = read_idx(images_path, IMAGES_MAGIC), read_idx(labels_path, LABELS_MAGIC)
        where = f"{images_path} and {labels_path}"
    else:
        images, labels = _read_npz(path, split)
        where = f"{path} ({split})"
    _check(images, labels, where)
    low, high = value_range
    scaled = images[:, None].astype(dtype) * dtype.type((high - low) / 255) + dtype.type(low)
    return scaled, labels.astype(np.int64)
