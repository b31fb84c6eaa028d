"""``Tensor``: a NumPy array, an optional gradient, and a link to the op that made it.

A tensor made by an op while gradients are recorded keeps ``creator`` (the ``Function``
instance) and ``output_index``; leaves have ``creator is None``. ``_version`` counts the
in-place writes into its array made through npgan's API (``npgan.autograd.inplace``);
tensors sharing one array (``detach()``, the views reshape, permute and expand make)
share the counter.

The operators and methods (``+``, ``@``, ``.sum()``, ``.mul_()``, ...) are not written
here: ``npgan.ops.tensor_methods`` attaches them when npgan is imported, from one table
naming the op each one calls. The ops sit a layer above and are written with Tensor, so
Tensor cannot import them; this file stays the data structure. ``__hash__`` is by
identity, so tensors key dicts and sets although ``==`` compares elementwise.
"""
import numpy as np

from . import capture, dtypes


class Tensor:
    """``data`` is the NumPy array. Writing into it by hand (``x.data[...] = v``, or
    replacing it, ``x.data = a``) is the user's business, as with PyTorch's ``.data``:
    the version counter does not see it, so a backward that kept ``x`` would use the new
    values without an error. Write through the in-place methods (``copy_``, ``mul_``, ...),
    or call ``npgan.autograd.inplace.increment_version(x)`` after the write."""
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "generation", "_version_counter",
                 "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad=False, creator=None, output_index=0):
        """Low-level constructor: ``data`` must already be an ndarray of the wanted dtype
        (a leaf that requires grad is checked: float32 or float64). Users call
        ``npgan.tensor(...)``, which converts and checks."""
        if requires_grad and creator is None:
            if not isinstance(data, np.ndarray):
                raise TypeError(f"Tensor: data must be a numpy.ndarray, got {type(data).__name__} "
                                "(npgan.tensor converts)")
            dtypes.check_requires_grad(data.dtype, "Tensor")
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.creator = creator
        self.output_index = output_index
        self.generation = 0 if creator is None else creator.generation + 1
        self._version_counter = [0]  # a list, so tensors sharing the array can share it

    @property
    def _version(self):
        """How many in-place writes through npgan's API this tensor's array has had."""
        return self._version_counter[0]

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
        if capture.recorder is not None:
            capture.recorder.refuse("Tensor.item() (or float() or int() of a tensor)")
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        if capture.recorder is not None:
            capture.recorder.refuse("Tensor.tolist()")
        return self.data.tolist()

    def detach(self):
        """The same data and version counter, cut from the graph (as in PyTorch)."""
        t = Tensor(self.data)
        t._version_counter = self._version_counter
        return t

    def requires_grad_(self, requires_grad=True):
        if requires_grad:
            dtypes.check_requires_grad(self.dtype, "requires_grad_")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: a non-leaf tensor always requires grad; use .detach()")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``npgan.autograd.engine``)."""
        from .engine import backward  # imported here: the engine imports Tensor
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
        if capture.recorder is not None:
            capture.recorder.refuse("bool(Tensor) (an if or while on a tensor)")
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __hash__(self):  # by identity; ``==`` (attached with the ops) compares elementwise
        return id(self)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())
