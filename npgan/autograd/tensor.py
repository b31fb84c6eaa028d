"""``Tensor``: a NumPy array, an optional gradient, and a link to the op that made it.

A tensor made by an op while gradients are recorded keeps ``creator`` (the
``Function`` instance) and ``output_index``; leaves have ``creator is None``. The
arithmetic operators and methods (``+``, ``@``, ``.sum()``, ...) are attached by
``npgan.ops.tensor_methods`` so this file only holds the data structure.
"""
import numpy as np

from . import dtypes


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "generation", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad=False, creator=None, output_index=0):
        """Low-level constructor: ``data`` must already be an ndarray of the wanted dtype.
        Users call ``npgan.tensor(...)``, which converts and checks."""
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.creator = creator
        self.output_index = output_index
        self.generation = 0 if creator is None else creator.generation + 1

    # --- array-like facts -------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    @property
    def is_leaf(self):
        return self.creator is None

    def numpy(self):
        """The underlying array (shared, not copied), as ``torch.Tensor.numpy``."""
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """The same data, cut from the graph (shares memory, as in PyTorch)."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"requires_grad_: only floating-point tensors can require gradients, got {self.dtype}")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: a non-leaf tensor always requires grad; use .detach()")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``npgan.autograd.engine``)."""
        from .engine import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.dtype != dtypes.get_default_dtype():
            extras.append(f"dtype={self.dtype}")
        if self.creator is not None:
            extras.append(f"grad_fn=<{type(self.creator).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __hash__(self):
        return id(self)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())


def as_array(value, dtype=None):
    """``value`` (Tensor, ndarray, number, nested list) as an ndarray of a float dtype.

    Floating arrays keep their dtype (float32 stays float32, float64 stays float64);
    Python numbers and lists take ``dtype`` or the default; integers and booleans keep
    theirs unless ``dtype`` is given (for labels and masks).
    """
    if isinstance(value, Tensor):
        value = value.data
    if dtype is not None:
        return np.asarray(value, dtype=dtypes.check_dtype(dtype))
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype == np.float16:
            raise TypeError("tensor: float16 is not supported; use float32 or float64")
        return arr
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return arr.astype(dtypes.get_default_dtype(), copy=False)
    return arr


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (as ``torch.tensor``)."""
    arr = np.array(as_array(data, dtype), copy=True)
    if requires_grad and arr.dtype.kind != "f":
        raise TypeError(f"tensor: only floating-point tensors can require gradients, got dtype {arr.dtype}")
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(array):
    """A leaf tensor sharing memory with ``array`` (as ``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)
