"""Shape ops: reshape, flatten, permute/transpose, broadcast_to / sum_to, indexing,
cat and stack. Each backward is another shape op, so all orders of derivative work.

Broadcasting and its undo (``BroadcastTo``, ``SumTo``, ``sum_to``) live in
``npgan.autograd.broadcast``, because the engine undoes broadcasting with them; they are
imported here, so ``npgan.broadcast_to`` and ``npgan.sum_to`` keep their names. Reshape
and permute return views of their input's array (when NumPy can), which then share its
version counter.
"""
from collections.abc import Sequence

import numpy as np

from ..autograd.broadcast import BroadcastTo, sum_to  # noqa: F401  (re-exported: npgan.sum_to, ops.reductions)
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import check_tensor


class Reshape(Function):
    """y = x viewed with a new shape;  dx = gy reshaped back."""
    output_is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return Reshape(self.inputs[0].shape)(gy)


class Permute(Function):
    """y = x with axes reordered by ``axes``;  dx = gy with the inverse order."""
    output_is_view = True

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, gy):
        inverse = [0] * len(self.axes)
        for i, axis in enumerate(self.axes):
            inverse[axis] = i
        return Permute(tuple(inverse))(gy)


class GetItem(Function):
    """y = x[index];  dx = zeros with gy added at ``index`` (GetItemGrad)."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return np.array(x[self.index])  # a copy, so later in-place kernels never alias x

    def backward(self, gy):
        return GetItemGrad(self.index, self.inputs[0].shape)(gy)


class GetItemGrad(Function):
    """gx = zeros(shape); gx[index] += gy (repeated indices add up);  its backward is gy[index]."""

    def __init__(self, index, shape):
        self.index = index
        self.shape = shape

    def forward(self, gy):
        gx = np.zeros(self.shape, dtype=gy.dtype)
        if _is_basic_index(self.index):
            gx[self.index] = gy
        else:
            np.add.at(gx, self.index, gy)
        return gx

    def backward(self, ggx):
        return GetItem(self.index)(ggx)


class Cat(Function):
    """y = concatenation along ``dim``;  dx_i = the slice of gy that came from x_i."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.dim)

    def backward(self, gy):
        grads, start = [], 0
        for x, need in zip(self.inputs, self.needs_input_grad):
            stop = start + x.shape[self.dim]
            index = (slice(None),) * self.dim + (slice(start, stop),)
            grads.append(GetItem(index)(gy) if need else None)
            start = stop
        return tuple(grads)


class Stack(Function):
    """y = the inputs stacked along a new axis ``dim``;  dx_i = gy taken at i on that axis."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return np.stack(xs, axis=self.dim)

    def backward(self, gy):
        pre = (slice(None),) * self.dim
        return tuple(GetItem(pre + (i,))(gy) if need else None for i, need in enumerate(self.needs_input_grad))


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _plain_index(index, op):
    """Tensors inside an index become arrays; lists become integer/boolean arrays."""
    def conv(i):
        if isinstance(i, Tensor):
            return i.data
        if isinstance(i, list):
            return np.asarray(i)
        return i
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        return tuple(shape[0])
    return tuple(shape)


def reshape(x, *shape):
    """x with a new shape (one entry may be -1), as ``torch.reshape``."""
    check_tensor(x, "reshape")
    shape = _shape_arg(shape)
    try:
        target = np.empty(x.shape, dtype=np.bool_).reshape(shape).shape  # resolves -1, checks the size
    except (ValueError, TypeError):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.numel()} elements) "
                         f"into shape {shape}") from None
    if target == x.shape:
        return x
    return Reshape(target)(x)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim``..``end_dim`` into one, as ``torch.flatten``."""
    check_tensor(x, "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim}) for {x.ndim} dims")
    return reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])


def permute(x, *dims):
    check_tensor(x, "permute")
    dims = _shape_arg(dims)
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    dims = tuple(d % x.ndim for d in dims)
    if dims == tuple(range(x.ndim)):
        return x
    return Permute(dims)(x)


def transpose(x, dim0, dim1):
    """x with axes ``dim0`` and ``dim1`` swapped, as ``torch.transpose``."""
    check_tensor(x, "transpose")
    if not (-x.ndim <= dim0 < x.ndim and -x.ndim <= dim1 < x.ndim):
        raise ValueError(f"transpose: dims ({dim0}, {dim1}) out of range for shape {x.shape}")
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, axes)


def unsqueeze(x, dim):
    check_tensor(x, "unsqueeze")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None):
    check_tensor(x, "squeeze")
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dim = dim % x.ndim
    if x.shape[dim] != 1:
        return x
    return reshape(x, x.shape[:dim] + x.shape[dim + 1:])


def broadcast_to(x, shape):
    check_tensor(x, "broadcast_to")
    shape = tuple(shape)
    if shape == x.shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
        if len(shape) < x.ndim:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return BroadcastTo(shape)(x)


def getitem(x, index):
    """x[index] with NumPy's basic and advanced indexing; the gradient scatters back."""
    check_tensor(x, "getitem")
    index = _plain_index(index, "getitem")
    try:
        np.empty(x.shape, dtype=np.bool_)[index]
    except IndexError as exc:
        raise IndexError(f"getitem: index {index!r} is invalid for shape {x.shape}: {exc}") from None
    return GetItem(index)(x)


def _check_same(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        check_tensor(t, op, f"tensors[{i}]")
        if t.dtype != tensors[0].dtype:
            raise TypeError(f"{op}: tensors[{i}] has dtype {t.dtype} but tensors[0] has {tensors[0].dtype}")
    return tensors


def cat(tensors, dim=0):
    """Concatenate along an existing axis, as ``torch.cat``."""
    tensors = _check_same(tensors, "cat")
    nd = tensors[0].ndim
    if not -nd <= dim < nd:
        raise ValueError(f"cat: dim {dim} out of range for {nd}-D tensors")
    dim %= nd
    for i, t in enumerate(tensors):
        if t.ndim != nd or t.shape[:dim] + t.shape[dim + 1:] != tensors[0].shape[:dim] + tensors[0].shape[dim + 1:]:
            raise ValueError(f"cat: tensors[{i}] has shape {t.shape}, which does not match tensors[0] "
                             f"shape {tensors[0].shape} outside dim {dim}")
    return Cat(dim)(*tensors)


def stack(tensors, dim=0):
    """Stack along a new axis, as ``torch.stack``."""
    tensors = _check_same(tensors, "stack")
    nd = tensors[0].ndim + 1
    if not -nd <= dim < nd:
        raise ValueError(f"stack: dim {dim} out of range for {nd - 1}-D tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensors[{i}] has shape {t.shape} but tensors[0] has {tensors[0].shape}")
    return Stack(dim % nd)(*tensors)
