"""Convolution geometry near 2^31 (issue 14): no index arithmetic may overflow.

The argument checks accept every stride, padding and dilation up to 2^31 - 1, and such a
geometry can still have a tiny output; an int computing ``oh*SH - PH + kh*DH`` overflows
there (the C kernels segfaulted, wrote out of bounds in col2im, or returned zeros). These
cases go through the public ops, forward and backward, on every backend, and are compared
with the convolution formula evaluated here with Python integers (which cannot overflow).

The NumPy reference loops cannot serve as the expected value here: they pad the input to
its full padded extent, 2^31 columns and more, which is hundreds of GiB; so the NumPy
backend is skipped for these geometries (and only for them).
"""
import numpy as np
import pytest

import npgan as ng
import npgan.kernels as K
import npgan.nn.functional as F

INT_MAX = 2**31 - 1


def taps(small, big, kernel_size, stride, padding, dilation):
    """Every (i, j, kh, kw, bi, bj) with bi = i*SH - PH + kh*DH (and bj likewise) inside the
    big image: i, j index conv2d's output (or conv_transpose2d's input), bi, bj conv2d's
    input (or conv_transpose2d's output)."""
    (H, W), (BH, BW) = small, big
    for i in range(H):
        for j in range(W):
            for kh in range(kernel_size[0]):
                for kw in range(kernel_size[1]):
                    bi = i * stride[0] - padding[0] + kh * dilation[0]
                    bj = j * stride[1] - padding[1] + kw * dilation[1]
                    if 0 <= bi < BH and 0 <= bj < BW:
                        yield i, j, kh, kw, bi, bj


def conv2d_size(x_shape, w_shape, stride, padding, dilation):
    """(OH, OW) of conv2d."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, s, p, d in zip(x_shape[2:], w_shape[2:], stride, padding, dilation))


def conv_transpose2d_size(x_shape, w_shape, stride, padding, output_padding, dilation):
    """(OH, OW) of conv_transpose2d."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for n, k, s, p, q, d in zip(x_shape[2:], w_shape[2:], stride, padding, output_padding, dilation))


def conv2d_formula(x, w, b, gy, stride, padding, dilation):
    """y = conv2d(x, w) + b and the gradients (gx, gw, gb) for output gradient gy."""
    N, C, H, W = x.shape
    O, _, KH, KW = w.shape
    OH, OW = conv2d_size(x.shape, w.shape, stride, padding, dilation)
    y, gx, gw = np.zeros((N, O, OH, OW)), np.zeros_like(x), np.zeros_like(w)
    for oh, ow, kh, kw, ih, iw in taps((OH, OW), (H, W), (KH, KW), stride, padding, dilation):
        y[:, :, oh, ow] += x[:, :, ih, iw] @ w[:, :, kh, kw].T
        gx[:, :, ih, iw] += gy[:, :, oh, ow] @ w[:, :, kh, kw]
        gw[:, :, kh, kw] += gy[:, :, oh, ow].T @ x[:, :, ih, iw]
    return y + b[:, None, None], gx, gw, gy.sum(axis=(0, 2, 3))


def conv_transpose2d_formula(x, w, b, gy, stride, padding, output_padding, dilation):
    """y = conv_transpose2d(x, w) + b (w is (in, out, KH, KW)) and the gradients for gy."""
    N, C, H, W = x.shape
    _, O, KH, KW = w.shape
    OH, OW = conv_transpose2d_size(x.shape, w.shape, stride, padding, output_padding, dilation)
    y, gx, gw = np.zeros((N, O, OH, OW)), np.zeros_like(x), np.zeros_like(w)
    for h, j, kh, kw, oh, ow in taps((H, W), (OH, OW), (KH, KW), stride, padding, dilation):
        y[:, :, oh, ow] += x[:, :, h, j] @ w[:, :, kh, kw]
        gx[:, :, h, j] += gy[:, :, oh, ow] @ w[:, :, kh, kw].T
        gw[:, :, kh, kw] += x[:, :, h, j].T @ gy[:, :, oh, ow]
    return y + b[:, None, None], gx, gw, gy.sum(axis=(0, 2, 3))


# (x shape, w shape, geometry): the three reproductions of issue 14 and two more
CONV2D_CASES = {
    "issue: stride 2^30, padding 1610612735 (segfaulted)":
        ((2, 2, 4, 4), (3, 2, 1, 1), dict(stride=(1, 2**30), padding=(0, 1610612735))),
    "issue: stride 2^31-1, padding 2^31-2 (returned zeros)":
        ((1, 1, 3, 3), (1, 1, 1, 1), dict(stride=INT_MAX, padding=INT_MAX - 1)),
    "stride and dilation 2^31-1: oh*SH + kh*DH > 2^31":
        ((2, 2, 5, 5), (2, 2, 2, 2), dict(stride=INT_MAX, padding=INT_MAX - 2, dilation=INT_MAX)),
    "one large dimension beside an ordinary one":
        ((1, 3, 6, 5), (2, 3, 3, 2), dict(stride=(2, INT_MAX), padding=(1, INT_MAX - 3), dilation=(1, 3))),
}
CONV_TRANSPOSE2D_CASES = {
    "issue: stride 2147483646, padding 1073741823 (wrote out of bounds in col2im)":
        ((2, 2, 3, 2), (2, 3, 2, 2), dict(stride=(3, 2147483646), padding=(4, 1073741823), output_padding=(1, 2))),
    "stride and dilation 2^31-1: h*SH + kh*DH > 2^31":
        ((1, 2, 2, 3), (2, 2, 2, 1), dict(stride=(INT_MAX, 1), padding=(INT_MAX - 1, 0), dilation=(INT_MAX, 1))),
}


def full_geometry(geometry, *names):
    """The case's geometry as pairs, in the order of ``names`` (PyTorch's defaults for the rest)."""
    defaults = dict(stride=1, padding=0, output_padding=0, dilation=1)
    values = (geometry.get(name, defaults[name]) for name in names)
    return [(v, v) if isinstance(v, int) else v for v in values]


def skip_numpy(backend):
    if ng.kernels.backend_of("conv_im2col") == "numpy":  # (also under mkl / blis: they only have gemm)
        pytest.skip("the NumPy reference loops pad the input to 2^31+ columns (hundreds of GiB)")


def run(op, x, w, b, gy, geometry):
    """Forward and backward through the public op: (y, gx, gw, gb) as arrays."""
    x, w, b = (ng.tensor(a, requires_grad=True) for a in (x, w, b))
    y = op(x, w, b, **geometry)
    y.backward(ng.tensor(gy))
    return y.data, x.grad.data, w.grad.data, b.grad.data


def check(got, expected):
    for name, g, e in zip(("y", "gx", "gw", "gb"), got, expected):
        assert g.shape == e.shape, name
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_with_huge_geometry(case, backend, rng):
    skip_numpy(backend)
    x_shape, w_shape, geometry = CONV2D_CASES[case]
    args = full_geometry(geometry, "stride", "padding", "dilation")
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    gy = rng.standard_normal(x_shape[:1] + w_shape[:1] + conv2d_size(x_shape, w_shape, *args))
    expected = conv2d_formula(x, w, b, gy, *args)
    check(run(F.conv2d, x, w, b, gy, geometry), expected)


@pytest.mark.parametrize("case", CONV_TRANSPOSE2D_CASES)
def test_conv_transpose2d_with_huge_geometry(case, backend, rng):
    skip_numpy(backend)
    x_shape, w_shape, geometry = CONV_TRANSPOSE2D_CASES[case]
    args = full_geometry(geometry, "stride", "padding", "output_padding", "dilation")
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[1])
    gy = rng.standard_normal(x_shape[:1] + w_shape[1:2] + conv_transpose2d_size(x_shape, w_shape, *args))
    expected = conv_transpose2d_formula(x, w, b, gy, *args)
    check(run(F.conv_transpose2d, x, w, b, gy, geometry), expected)


def test_the_cases_reach_the_input():
    """Each case (but the issue's first two, which are all padding) has taps inside the
    image, so a kernel returning zeros fails it."""
    for name, (x_shape, w_shape, geometry) in CONV2D_CASES.items():
        args = full_geometry(geometry, "stride", "padding", "dilation")
        hits = list(taps(conv2d_size(x_shape, w_shape, *args), x_shape[2:], w_shape[2:], *args))
        assert hits or "segfaulted" in name, name
    for name, (x_shape, w_shape, geometry) in CONV_TRANSPOSE2D_CASES.items():
        args = full_geometry(geometry, "stride", "padding", "output_padding", "dilation")
        hits = list(taps(x_shape[2:], conv_transpose2d_size(x_shape, w_shape, *args), w_shape[2:],
                         args[0], args[1], args[3]))
        assert hits or "out of bounds" in name, name


@pytest.mark.parametrize("group", [2**31 - 1, 2**31, 2**40])
def test_transpose_takes_any_group(group, rng):
    """transpose_add_bias's group only divides the rows among the bias entries; a group above
    2^31 - 1 reached C as an int and raised cffi's OverflowError."""
    a = rng.standard_normal((5, 3))
    for backend, fn in K.implementations("transpose_add_bias").items():
        np.testing.assert_array_equal(fn(a, None, group), a.T, err_msg=backend)
