"""Convolution kernels: every backend against the NumPy reference, the array-level kernels
against the convolution formula written as plain loops, and argument checks that run
before any C code."""
import itertools

import numpy as np
import pytest

from npgan.kernels import conv as K
from npgan.kernels import implementations, kernel, threads

LOOPS = ("conv_im2col", "conv_col2im", "transpose_add_bias", "conv_channel_sum")
DTYPES = (np.float32, np.float64)
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}

# (N, C, H, W, KH, KW, stride, padding, dilation): odd sizes, batch 1, non-square kernels,
# strides/padding/dilation per dimension, and a kernel exactly as large as the padded input
GEOMETRIES = [
    (2, 3, 7, 6, 3, 3, (1, 1), (0, 0), (1, 1)),
    (1, 2, 9, 8, 3, 2, (2, 1), (1, 2), (1, 1)),
    (2, 1, 8, 9, 5, 5, (2, 2), (2, 2), (1, 1)),
    (3, 2, 7, 7, 2, 3, (1, 3), (0, 1), (2, 1)),
    (2, 3, 6, 5, 3, 3, (3, 2), (3, 1), (2, 2)),
    (1, 4, 3, 4, 5, 6, (1, 1), (1, 1), (1, 1)),
]


def out_size(H, W, KH, KW, s, p, d):
    return ((H + 2 * p[0] - d[0] * (KH - 1) - 1) // s[0] + 1, (W + 2 * p[1] - d[1] * (KW - 1) - 1) // s[1] + 1)


def taps(H, W, OH, OW, KH, KW, s, p, d):
    """Every (oh, ow, kh, kw, ih, iw) of the convolution formula that lands inside the input."""
    for oh, ow, kh, kw in itertools.product(range(OH), range(OW), range(KH), range(KW)):
        ih, iw = oh * s[0] - p[0] + kh * d[0], ow * s[1] - p[1] + kw * d[1]
        if 0 <= ih < H and 0 <= iw < W:
            yield oh, ow, kh, kw, ih, iw


def loop_conv2d(x, w, b, s, p, d):
    """y[n, o, oh, ow] = b[o] + sum w[o, c, kh, kw] x[n, c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW]."""
    N, C, H, W = x.shape
    O, _, KH, KW = w.shape
    OH, OW = out_size(H, W, KH, KW, s, p, d)
    y = np.zeros((N, O, OH, OW)) + (0 if b is None else b[:, None, None])
    for oh, ow, kh, kw, ih, iw in taps(H, W, OH, OW, KH, KW, s, p, d):
        y[:, :, oh, ow] += x[:, :, ih, iw] @ w[:, :, kh, kw].T
    return y


def loop_conv_transpose2d(x, w, b, s, p, op, d):
    """Scatter form: y[n, o, ih, iw] += x[n, c, oh, ow] w[c, o, kh, kw] (x plays conv2d's output)."""
    N, C, OH, OW = x.shape
    _, O, KH, KW = w.shape
    H = (OH - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op[0] + 1
    W = (OW - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op[1] + 1
    y = np.zeros((N, O, H, W)) + (0 if b is None else b[:, None, None])
    for oh, ow, kh, kw, ih, iw in taps(H, W, OH, OW, KH, KW, s, p, d):
        y[:, :, ih, iw] += x[:, :, oh, ow] @ w[:, :, kh, kw]
    return y


def loop_conv2d_weight(x, gy, KH, KW, s, p, d):
    N, C, H, W = x.shape
    _, O, OH, OW = gy.shape
    gw = np.zeros((O, C, KH, KW))
    for oh, ow, kh, kw, ih, iw in taps(H, W, OH, OW, KH, KW, s, p, d):
        gw[:, :, kh, kw] += gy[:, :, oh, ow].T @ x[:, :, ih, iw]
    return gw




# --------------------------------------------------------------------------- loops: every backend == reference

def chwn(x):
    """(N, C, H, W) -> (C, H, W, N): the batch-innermost layout the loops work in."""
    return np.ascontiguousarray(x.transpose(1, 2, 3, 0))


def loop_calls(geometry, dtype, rng):
    N, C, H, W, KH, KW, s, p, d = geometry
    OH, OW = out_size(H, W, KH, KW, s, p, d)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    cols = rng.standard_normal((C * KH * KW, OH * OW * N)).astype(dtype)
    a = x.reshape(N * C, H * W)
    return [("conv_im2col", (chwn(x), (KH, KW), s, p, d, (OH, OW))),
            ("conv_col2im", (cols, (C, H, W, N), (KH, KW), s, p, d, (OH, OW))),
            ("transpose_add_bias", (a,)),
            ("transpose_add_bias", (a, rng.standard_normal(N * C).astype(dtype))),
            ("transpose_add_bias", (a, rng.standard_normal(N).astype(dtype), C)),
            ("transpose_add_bias", (a.T.copy(),)),
            ("conv_channel_sum", (x,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_loops_match_reference(geometry, dtype, rng):
    for name, args in loop_calls(geometry, dtype, rng):
        impls = implementations(name)
        expected = impls["numpy"](*args)
        for backend, fn in impls.items():
            got = fn(*args)
            assert got.dtype == dtype and got.shape == expected.shape, (name, backend)
            np.testing.assert_allclose(got, expected, **TOL[dtype], err_msg=f"{name} on {backend}")
            if name == "conv_im2col" or (name == "transpose_add_bias" and len(args) == 1):  # data movement: exact
                np.testing.assert_array_equal(got, expected, err_msg=f"{name} on {backend}")


@pytest.mark.parametrize("geometry", GEOMETRIES[:3])
def test_parallel_loops_match_reference(geometry, rng, monkeypatch):
    """The multi-threaded paths (normally only for large arrays) on small ones."""
    monkeypatch.setattr(threads, "PARALLEL_MIN", 0)
    monkeypatch.setattr(threads, "LOOP_THREADS", 2)
    for name, args in loop_calls(geometry, np.float32, rng):
        impls = implementations(name)
        expected = impls["numpy"](*args)
        for backend, fn in impls.items():
            np.testing.assert_allclose(fn(*args), expected, **TOL[np.float32], err_msg=f"{name} on {backend}")


def test_im2col_is_the_formula(rng):
    N, C, H, W, KH, KW, s, p, d = GEOMETRIES[4]
    OH, OW = out_size(H, W, KH, KW, s, p, d)
    x = rng.standard_normal((N, C, H, W))
    cols = np.zeros((C, KH, KW, OH, OW, N))
    for oh, ow, kh, kw, ih, iw in taps(H, W, OH, OW, KH, KW, s, p, d):
        cols[:, kh, kw, oh, ow, :] = x[:, :, ih, iw].T
    np.testing.assert_array_equal(kernel("conv_im2col")(chwn(x), (KH, KW), s, p, d, (OH, OW)),
                                  cols.reshape(C * KH * KW, -1))


def test_col2im_is_the_adjoint_of_im2col(rng):
    for N, C, H, W, KH, KW, s, p, d in GEOMETRIES:
        OH, OW = out_size(H, W, KH, KW, s, p, d)
        x = rng.standard_normal((C, H, W, N))
        cols = rng.standard_normal((C * KH * KW, OH * OW * N))
        lhs = np.vdot(kernel("conv_im2col")(x, (KH, KW), s, p, d, (OH, OW)), cols)
        rhs = np.vdot(x, kernel("conv_col2im")(cols, x.shape, (KH, KW), s, p, d, (OH, OW)))
        assert np.isclose(lhs, rhs, rtol=1e-12)


@pytest.mark.parametrize("name", LOOPS)
def test_loops_accept_views(name, rng):
    """Non-contiguous inputs (transposed views) are copied to C order before C sees them."""
    x = rng.standard_normal((3, 2, 6, 5)).transpose(0, 1, 3, 2)  # (3, 2, 5, 6), not contiguous
    args = {"conv_im2col": (x, (3, 3), 1, 1, 1, (5, 6)),
            "conv_col2im": (rng.standard_normal((90, 27)).T, (3, 2, 5, 3), 3, 1, 1, 1, (5, 6)),
            "transpose_add_bias": (x.reshape(6, 30)[:, ::-1],),
            "conv_channel_sum": (x,)}[name]
    impls = implementations(name)
    expected = impls["numpy"](*[np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args])
    for backend, fn in impls.items():
        np.testing.assert_allclose(fn(*args), expected, rtol=1e-12, atol=1e-12, err_msg=backend)


def test_out_arrays_are_checked(rng):
    x = rng.standard_normal((2, 3))
    for fn in implementations("transpose_add_bias").values():
        out = np.empty((3, 2))
        assert fn(x, out=out) is out
        with pytest.raises(ValueError, match="out has shape"):
            fn(x, out=np.empty((2, 3)))
        with pytest.raises(ValueError, match="C-contiguous"):
            fn(x, out=np.empty((3, 4))[:, ::2])
        with pytest.raises(ValueError, match="overlaps"):
            fn(x.reshape(1, 6), out=x.reshape(6, 1))


# --------------------------------------------------------------------------- array-level kernels: the formula

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_conv2d_forward_and_weight(geometry, dtype, backend, rng):
    N, C, H, W, KH, KW, s, p, d = geometry
    O = 3
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((O, C, KH, KW))
    b = rng.standard_normal(O)
    y = kernel("conv2d_forward")(x.astype(dtype), w.astype(dtype), b.astype(dtype), s, p, d)
    assert y.dtype == dtype
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y, loop_conv2d(x, w, b, s, p, d), **tol)
    gy = rng.standard_normal(y.shape)
    gw = kernel("conv2d_weight")(x.astype(dtype), gy.astype(dtype), (KH, KW), s, p, d)
    assert gw.dtype == dtype
    np.testing.assert_allclose(gw, loop_conv2d_weight(x, gy, KH, KW, s, p, d), **tol)
    np.testing.assert_allclose(kernel("conv_bias_grad")(gy.astype(dtype)), gy.sum(axis=(0, 2, 3)), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", [
    # (N, C, H, W, O, KH, KW, stride, padding, output_padding, dilation)
    (2, 3, 4, 5, 2, 3, 3, (1, 1), (0, 0), (0, 0), (1, 1)),
    (1, 2, 4, 3, 3, 5, 5, (2, 2), (2, 2), (1, 1), (1, 1)),
    (2, 3, 3, 4, 2, 3, 2, (2, 3), (1, 0), (1, 2), (1, 1)),
    (2, 2, 5, 4, 2, 3, 3, (1, 2), (1, 1), (1, 0), (2, 2)),  # output_padding >= stride, < dilation
    (1, 1, 7, 7, 4, 5, 5, (2, 2), (2, 2), (1, 1), (1, 1)),
])
def test_conv_transpose2d_forward(config, dtype, backend, rng):
    N, C, H, W, O, KH, KW, s, p, op, d = config
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((C, O, KH, KW))
    b = rng.standard_normal(O)
    y = kernel("conv_transpose2d_forward")(x.astype(dtype), w.astype(dtype), b.astype(dtype), s, p, op, d)
    assert y.dtype == dtype
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y, loop_conv_transpose2d(x, w, b, s, p, op, d), **tol)


def test_dcgan_shapes_and_chunking(backend, rng, monkeypatch):
    """A DCGAN-sized layer pair in float32, processed in many batch chunks and in one chunk."""
    x = rng.standard_normal((5, 8, 14, 14)).astype(np.float32)
    w = rng.standard_normal((16, 8, 5, 5)).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    whole = {}
    monkeypatch.setattr(K, "MIN_CHUNK", 1)
    for chunk_bytes in (1 << 40, 1, 80000):  # one chunk of 5 images, 5 chunks of 1, chunks of 2, 2, 1
        monkeypatch.setattr(K, "CHUNK_BYTES", chunk_bytes)
        y = kernel("conv2d_forward")(x, w, b, 2, 2, 1)
        gx = kernel("conv_transpose2d_forward")(y, w, None, 2, 2, 1, 1)
        gw = kernel("conv2d_weight")(x, y, (5, 5), 2, 2, 1)
        if not whole:
            whole = dict(y=y, gx=gx, gw=gw)
            assert y.shape == (5, 16, 7, 7) and gx.shape == x.shape and gw.shape == w.shape
        else:
            # BLAS blocks a narrower product differently: equal up to float32 rounding
            np.testing.assert_allclose(y, whole["y"], rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(gx, whole["gx"], rtol=1e-5, atol=1e-3)
            np.testing.assert_allclose(gw, whole["gw"], rtol=1e-5, atol=1e-2)


def test_deterministic(backend, rng):
    x = rng.standard_normal((4, 6, 9, 9)).astype(np.float32)
    w = rng.standard_normal((5, 6, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((4, 5, 5, 5)).astype(np.float32)
    for _ in range(2):
        results = [kernel("conv2d_forward")(x, w, None, 2, 1, 1), kernel("conv2d_weight")(x, gy, 3, 2, 1, 1),
                   kernel("conv_transpose2d_forward")(gy, w, None, 2, 1, 0, 1), kernel("conv_bias_grad")(gy)]
        if _ == 0:
            first = results
    for a, b in zip(first, results):
        np.testing.assert_array_equal(a, b)


def test_empty_batch(backend):
    x = np.zeros((0, 2, 5, 5))
    assert kernel("conv2d_forward")(x, np.ones((3, 2, 3, 3)), None, 1, 0, 1).shape == (0, 3, 3, 3)
    assert kernel("conv_transpose2d_forward")(x, np.ones((2, 3, 3, 3)), None, 1, 0, 0, 1).shape == (0, 3, 7, 7)
    np.testing.assert_array_equal(kernel("conv2d_weight")(x, np.zeros((0, 3, 3, 3)), 3, 1, 0, 1), 0)


# --------------------------------------------------------------------------- bad arguments never reach C

X = np.ones((2, 3, 8, 8))
W = np.ones((4, 3, 3, 3))
BAD_CONV2D = [
    (dict(stride=0), ValueError, r"stride.*stride=\(0, 0\)"),
    (dict(stride=(1, 0)), ValueError, r"stride=\(1, 0\)"),
    (dict(stride=1.5), TypeError, r"stride=1\.5"),
    (dict(stride=(1, 2, 3)), TypeError, r"stride=\(1, 2, 3\)"),
    (dict(stride=True), TypeError, r"stride=True"),
    (dict(padding=-1), ValueError, r"padding=\(-1, -1\)"),
    (dict(padding=(0, -2)), ValueError, r"padding=\(0, -2\)"),
    (dict(dilation=0), ValueError, r"dilation=\(0, 0\)"),
    (dict(w=np.ones((4, 3, 9, 3))), ValueError, r"kernel_size=\(9, 3\).*larger than the padded input"),
    (dict(w=np.ones((4, 3, 3, 3)), dilation=5), ValueError, r"dilated span 11"),
    (dict(w=np.ones((4, 2, 3, 3))), ValueError, r"input has 3 channels.*expects 2"),
    (dict(x=np.ones((3, 8, 8))), ValueError, r"input must be 4-D.*\(3, 8, 8\)"),
    (dict(w=np.ones((4, 3, 3))), ValueError, r"weight must be 4-D"),
    (dict(w=np.ones((4, 3, 3, 3), np.float32)), TypeError, r"weight has dtype float32 but input has dtype float64"),
    (dict(x=np.ones((2, 3, 8, 8), np.int64)), TypeError, r"input has dtype int64"),
    (dict(b=np.ones(3)), ValueError, r"bias must have shape \(4,\)"),
]


@pytest.mark.parametrize("change, error, message", BAD_CONV2D)
def test_conv2d_forward_rejects(change, error, message, c_forbidden):
    args = dict(x=X, w=W, b=None, stride=1, padding=0, dilation=1) | change
    with pytest.raises(error, match=message):
        kernel("conv2d_forward")(**args)


@pytest.mark.parametrize("change, error, message", [
    (dict(output_padding=2, stride=2), ValueError, r"output_padding.*output_padding=\(2, 2\).*stride=\(2, 2\)"),
    (dict(output_padding=(0, 1)), ValueError, r"output_padding=\(0, 1\)"),
    (dict(output_padding=-1), ValueError, r"output_padding=\(-1, -1\)"),
    (dict(padding=5), ValueError, r"output size would be.*padding=\(5, 5\)"),
    (dict(w=np.ones((2, 4, 3, 3))), ValueError, r"input has 3 channels.*expects 2"),
    (dict(stride=(0, 1)), ValueError, r"stride=\(0, 1\)"),
])
def test_conv_transpose2d_forward_rejects(change, error, message, c_forbidden):
    args = dict(x=X, w=np.ones((3, 4, 3, 3)), b=None, stride=1, padding=0, output_padding=0, dilation=1) | change
    with pytest.raises(error, match=message):
        kernel("conv_transpose2d_forward")(**args)


@pytest.mark.parametrize("change, error, message", [
    (dict(gy=np.ones((2, 4, 5, 6))), ValueError, r"does not fit input"),
    (dict(gy=np.ones((3, 4, 6, 6))), ValueError, r"batch size 3"),
    (dict(kernel_size=0), ValueError, r"kernel_size=\(0, 0\)"),
    (dict(kernel_size=(9, 3)), ValueError, r"larger than the padded input"),
])
def test_conv2d_weight_rejects(change, error, message, c_forbidden):
    args = dict(x=X, gy=np.ones((2, 4, 6, 6)), kernel_size=3, stride=1, padding=0, dilation=1) | change
    with pytest.raises(error, match=message):
        kernel("conv2d_weight")(**args)


@pytest.mark.parametrize("name, args, message", [
    ("conv_im2col", (np.ones((2, 3, 4)), 3, 1, 0, 1, (2, 2)), r"x must be 4-D"),
    ("conv_im2col", (X, 3, 1, 0, 1, (0, 6)), r"out_size=\(0, 6\)"),
    ("conv_im2col", (X, (3, -1), 1, 0, 1, (6, 6)), r"kernel_size=\(3, -1\)"),
    ("conv_col2im", (np.ones((27, 10)), (3, 8, 8, 2), 3, 1, 0, 1, (6, 6)), r"cols has shape \(27, 10\)"),
    ("conv_col2im", (np.ones((27, 72)), (3, 8, 8), 3, 1, 0, 1, (6, 6)), r"x_shape"),
    ("conv_col2im", (np.ones((27, 72)), (3, 8, 8, 0), 3, 1, 0, 1, (6, 6)), r"x_shape"),
    ("transpose_add_bias", (np.ones((2, 3, 4)),), r"a must be 2-D"),
    ("transpose_add_bias", (np.ones((2, 3), np.float16),), r"float16"),
    ("transpose_add_bias", (np.ones((6, 3)), np.ones(2), 4), r"not a multiple of group=4"),
    ("transpose_add_bias", (np.ones((6, 3)), np.ones(2), 2), r"bias must have shape \(3,\)"),
    ("transpose_add_bias", (np.ones((6, 3)), None, 0), r"group=0"),
    ("conv_channel_sum", (np.ones(3),), r"batch and a channel axis"),
])
def test_loop_kernels_reject(name, args, message, c_forbidden):
    with pytest.raises((ValueError, TypeError), match=message):
        implementations(name)["c"](*args)
