"""What reaches the kernels from the public ops (issue 14): arrays one byte off their
alignment are copied before a C or Numba loop sees them, and an empty batch with a bias goes
forward and backward. The loops' guard refuses what the op boundary did not prepare."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F
from npgan.kernels import conv_c, unchecked


def misaligned(a):
    """``a``'s values in memory one byte off the dtype's alignment: a view of a bytearray."""
    buffer = bytearray(a.nbytes + 1)
    out = np.frombuffer(buffer, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


class AlignedPointersOnly:
    """Stands in for ``npgan._C.lib`` in conv_c: every pointer a conv loop is given must be
    aligned to its element size (a misaligned load is undefined behaviour in C)."""

    def __init__(self, lib, ffi):
        self.lib, self.ffi, self.calls = lib, ffi, 0

    def __getattr__(self, name):
        fn = getattr(self.lib, name)

        def checked(*args):
            for arg in args:
                if isinstance(arg, self.ffi.CData) and arg != self.ffi.NULL:  # NULL: no bias
                    address = int(self.ffi.cast("uintptr_t", arg))
                    assert address % self.ffi.sizeof(self.ffi.typeof(arg).item) == 0, f"{name}: misaligned pointer"
            self.calls += 1
            return fn(*args)
        return checked


def conv_pass(op, x, w, b, gy, **geometry):
    """Forward and backward of ``op``; returns (y, gx, gw, gb) as arrays."""
    x, w, b = (ng.from_numpy(a) for a in (x, w, b))
    for t in (x, w, b):
        t.requires_grad = True
    y = op(x, w, b, **geometry)
    y.backward(ng.from_numpy(gy))
    return y.data, x.grad.data, w.grad.data, b.grad.data


CONVS = [  # op, shapes of x, w, b and of the output (gy), geometry
    (F.conv2d, [(2, 3, 6, 5), (4, 3, 3, 2), (4,), (2, 4, 3, 6)], dict(stride=(2, 1), padding=1)),
    (F.conv_transpose2d, [(2, 3, 4, 3), (3, 4, 3, 3), (4,), (2, 4, 8, 6)], dict(stride=2, padding=1, output_padding=1))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op, shapes, geometry", CONVS, ids=["conv2d", "conv_transpose2d"])
def test_misaligned_arrays_through_the_conv_ops(op, shapes, geometry, dtype, backend, rng, monkeypatch):
    """A float32/float64 view of a bytearray at offset 1, as input, weight, bias and output
    gradient: the same numbers as aligned copies, bit for bit, and the C loops only ever get
    aligned pointers (before: the C loops received the misaligned data, UBSan's report)."""
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    expected = conv_pass(op, *[a.copy() for a in arrays], **geometry)
    spy = None
    if backend == "c":
        spy = AlignedPointersOnly(conv_c.lib, conv_c.ffi)
        monkeypatch.setattr(conv_c, "lib", spy)
    got = conv_pass(op, *[misaligned(a) for a in arrays], **geometry)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert spy is None or spy.calls > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_misaligned_arrays_through_the_elementwise_ops(dtype, backend, rng):
    x, t, gy = (rng.standard_normal((5, 7)).astype(dtype) for _ in range(3))
    t = np.abs(np.tanh(t))
    for fn in (lambda a, b: F.leaky_relu(a, 0.2) * b, lambda a, b: F.binary_cross_entropy_with_logits(a, b)):
        results = []
        for make in (np.copy, misaligned):
            a, b = ng.from_numpy(make(x)), ng.from_numpy(make(t))
            a.requires_grad = True
            out = fn(a, b)
            out.backward(ng.from_numpy(make(gy)) if out.ndim else None)
            results.append((out.data, a.grad.data))
        for g, e in zip(*results):
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("loop, args", [
    ("conv_im2col", lambda a: (a.reshape(1, 2, 3, 2), np.empty((4, 8)), 2, 1, 1, 1, 0, 0, 1, 1, 2, 2)),
    ("transpose_add_bias", lambda a: (a.reshape(3, 4), None, 1, np.empty((4, 3)))),
    ("conv_channel_sum", lambda a: (a.reshape(2, 3, 2),)),
])
def test_the_loops_guard_refuses_misaligned_arrays(loop, args, rng):
    """Called unchecked (as the array-level kernels call them), the Numba and C loops still
    refuse an array they cannot index safely; the NumPy reference has no such limit."""
    a = misaligned(rng.standard_normal(12))
    for backend in set(ng.available_backends()) & {"numba", "c"}:  # (mkl, blis: only gemm)
        ng.set_backend(backend)
        try:
            with pytest.raises(ValueError, match=f"{loop}: .* must be C-contiguous, aligned"):
                unchecked(loop)(*args(a))
        finally:
            ng.set_backend("auto")


@pytest.mark.parametrize("op, w_shape, out_shape", [(F.conv2d, (3, 2, 3, 3), (0, 3, 3, 3)),
                                                    (F.conv_transpose2d, (2, 3, 3, 3), (0, 3, 7, 7))],
                         ids=["conv2d", "conv_transpose2d"])
def test_an_empty_batch_with_a_bias_goes_forward_and_backward(op, w_shape, out_shape, backend, rng):
    """Issue 14: the checks allow an empty batch, but the bias gradient (a channel sum over no
    images) failed on every backend. Gradients of an empty batch: the bias and weight get
    zeros, the input an empty array."""
    x = ng.tensor(np.zeros((0, 2, 5, 5)), requires_grad=True)
    w = ng.tensor(rng.standard_normal(w_shape), requires_grad=True)
    b = ng.tensor(rng.standard_normal(3), requires_grad=True)
    y = op(x, w, b)
    assert y.shape == out_shape
    y.sum().backward()
    assert x.grad.shape == x.shape
    np.testing.assert_array_equal(w.grad.data, np.zeros(w_shape))
    np.testing.assert_array_equal(b.grad.data, np.zeros(3))
