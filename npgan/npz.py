"""Reading ``.npz`` files that may be hostile: look before you decompress.

``numpy.load`` on an ``.npz`` trusts the file: ``archive[key]`` allocates whatever shape the
member's header declares (a 1 KB file can ask for a petabyte, a MemoryError), and a
checkpoint reader that loops over ``archive.files`` decompresses members nobody asked for
(a few MB of deflate can hold gigabytes of zeros). ``NpzReader`` reads the zip directory
and each member's ``.npy`` header first -- shape, dtype, byte count -- so a caller checks
them against what it expects, and only then reads the members it wants, each bounded:

    with NpzReader(path, "load_checkpoint") as npz:
        spec = npz.spec("G/0.weight")      # (shape, dtype) from the header only
        ...check spec...
        w = npz.read("G/0.weight")         # exactly spec's bytes are decompressed

Every problem (not a zip, a corrupt or unsupported compression, a bad CRC, a truncated
member, an object/pickled dtype, a header that declares more data than the member holds)
is one ``ValueError`` naming the file, the member and what is wrong. Nothing is unpickled.
"""
import zipfile
import zlib

import numpy as np

_READ_ERRORS = (OSError, EOFError, ValueError, zlib.error, zipfile.BadZipFile, NotImplementedError,
                KeyError, RuntimeError)


class NpzReader:
    """An ``.npz`` opened for bounded reads; ``where`` prefixes every error message."""

    def __init__(self, path, where):
        self.path, self.where = str(path), where
        try:
            self._zip = zipfile.ZipFile(self.path)
        except _READ_ERRORS as exc:
            raise ValueError(f"{where}: {self.path} is not a readable .npz file ({exc})") from None
        self._members = {info.filename[:-4]: info for info in self._zip.infolist()
                         if info.filename.endswith(".npy")}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._zip.close()

    @property
    def files(self):
        """The array names in the file (members ``NAME.npy``)."""
        return list(self._members)

    def spec(self, key):
        """``(shape, dtype)`` of member ``key``, read from its ``.npy`` header only."""
        return self._header(key)[:2]

    def read(self, key):
        """The array ``key``: its declared size is checked against the member's size in the
        zip directory before anything is allocated, and exactly that much is decompressed."""
        shape, dtype, fortran = self._header(key)
        try:
            with self._zip.open(self._members[key]) as f:
                _read_header(f)
                data = f.read(_nbytes(shape, dtype) + 1)
        except _READ_ERRORS as exc:
            raise ValueError(f"{self.where}: {self.path}: member {key!r} is corrupt ({exc})") from None
        if len(data) != _nbytes(shape, dtype):
            raise ValueError(f"{self.where}: {self.path}: member {key!r} holds {len(data)} bytes of data "
                             f"{'or more ' if len(data) > _nbytes(shape, dtype) else ''}but its header "
                             f"declares shape {shape} of {dtype} ({_nbytes(shape, dtype)} bytes)")
        order = "F" if fortran else "C"
        return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy(order="K")

    def _header(self, key):
        info = self._members.get(key)
        if info is None:
            raise ValueError(f"{self.where}: {self.path} has no array {key!r}")
        try:
            with self._zip.open(info) as f:
                shape, fortran, dtype, header_size = _read_header(f)
        except _READ_ERRORS as exc:
            raise ValueError(f"{self.where}: {self.path}: member {key!r} is corrupt ({exc})") from None
        if dtype.hasobject or dtype.kind not in "biufc":
            raise ValueError(f"{self.where}: {self.path}: member {key!r} has dtype {dtype}; only numeric arrays "
                             "are read (object arrays would need pickle, which npgan never loads)")
        if _nbytes(shape, dtype) > info.file_size - header_size:
            raise ValueError(f"{self.where}: {self.path}: member {key!r} declares shape {shape} of {dtype} "
                             f"({_nbytes(shape, dtype)} bytes) but holds only {info.file_size - header_size}")
        return shape, dtype, fortran


def _read_header(f):
    """(shape, fortran_order, dtype, header bytes) of the ``.npy`` stream ``f``."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    return tuple(int(s) for s in shape), bool(fortran), np.dtype(dtype), f.tell()


def _nbytes(shape, dtype):
    size = 1
    for s in shape:
        size *= s
    return size * dtype.itemsize
