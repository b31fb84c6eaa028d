"""Convolution kernels: conv2d, conv_transpose2d and conv2d_weight on NumPy arrays.

Shape notation (PyTorch's layouts: NCHW images; weights (out, in, KH, KW) for conv2d and
(in, out, KH, KW) for conv_transpose2d)::

    N        batch size                 C, O     input / output channels
    H, W     input height, width        OH, OW   output height, width;  L = OH*OW
    KH, KW   kernel size                SH, SW   stride
    PH, PW   zero padding               DH, DW   dilation (gap between kernel taps)
    OPH, OPW output padding (conv_transpose2d only: extra rows/columns at the bottom/right)

    conv2d            x (N, C, H, W), w (O, C, KH, KW), b (O,)  ->  y (N, O, OH, OW)
        y[n, o, oh, ow] = b[o] + sum_{c, kh, kw} w[o, c, kh, kw] * x[n, c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW]
        (x is zero outside [0, H) x [0, W));   OH = (H + 2PH - DH(KH-1) - 1) // SH + 1
    conv_transpose2d  x (N, C, H, W), w (C, O, KH, KW), b (O,)  ->  y (N, O, OH, OW)
        the adjoint of conv2d in its input: y = conv2d_x^T(x) + b, with
        OH = (H-1)SH - 2PH + DH(KH-1) + OPH + 1,  0 <= OPH < max(SH, DH)
    conv2d_weight     x (N, C, H, W), gy (N, O, OH, OW)         ->  gw (O, C, KH, KW)
        the adjoint of conv2d in its weight: gw[o, c, kh, kw] = sum_{n, oh, ow} gy[n, o, oh, ow] * x[n, c, oh*SH - PH + kh*DH, ...]

How: im2col + GEMM, over chunks of n images held batch-innermost ("CHWN": x_t (C, H, W, n),
so that every (channel, pixel) is a run of n contiguous values). im2col gathers every
input tap a kernel weight meets into a matrix

    cols (C*KH*KW, OH*OW*n):  cols[(c, kh, kw), (oh, ow, i)] = x_t[c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW, i]

and the three ops are three products with a reshaped weight, computed by the ``gemm`` kernel
(``gemm.py``: the BLAS library the registry chose; never a hand-written GEMM):

    conv2d            y_t = w.reshape(O, C*KH*KW) @ cols                (O, OH*OW*n)
    conv_transpose2d  y_t = col2im(w.reshape(C, O*KH*KW)^T @ x_t)       (O, OH, OW, n)
    conv2d_weight     gw += gy_t @ cols^T                               (O, C*KH*KW)

col2im is the adjoint of im2col (it scatter-adds columns back into an image). Images go
between NCHW and CHWN with one 2-D transpose ((n, C*H*W) <-> (C*H*W, n)), which also adds
the bias on the way out. The hot loops -- ``conv_im2col``, ``conv_col2im``,
``transpose_add_bias`` and ``conv_channel_sum`` (the bias gradient) -- exist three ways with
one signature: the NumPy reference below (the definition), Numba (``conv_numba.py``) and
C (``conv_c.py`` over ``csrc/conv.c``). The array-level kernels ``conv2d_forward``,
``conv_transpose2d_forward``, ``conv2d_weight`` and ``conv_bias_grad`` are written once here
on top of the loops and the ``gemm`` kernel; the registry picks both.

Why this layout (measured on the DCGAN layers in benchmarks/README.md, section "The im2col
layout and its chunks"):
* Channel-major ``cols`` (rows = taps, columns = pixels) makes each GEMM one large
  product; N per-image products with only OH*OW = 49 columns for a 7x7 layer ran the
  64->128 layer's GEMM slower.
* Batch-innermost images turn every entry of the im2col formula into a run of n
  contiguous values: with NCHW images the runs are one output row (7 values for a 7x7
  layer) and the loops were bound by per-run overhead; the two small transposes it needs
  cost less than it saves.
* Chunks of >= MIN_CHUNK images keep the runs long and the chunk's matrices in cache
  (see CHUNK_BYTES below).

Arguments are checked once, at the op boundary (``conv_checks.py``, registered as each
kernel's check); the array-level kernels then call the loops unchecked, and the loops' guard
(``guards.py``) is what keeps Numba and C inside their arrays.
"""
import numpy as np

from . import conv_checks, guards
from .registry import register, unchecked


# --------------------------------------------------------------------------- NumPy reference (the definition)

def im2col(x, out, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    """x (C, H, W, NB) -> cols (C*KH*KW, OH*OW*NB):
    cols[(c, kh, kw), (oh, ow, n)] = x[c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW, n], 0 in the padding.

    Called as ``kernel("conv_im2col")(x, kernel_size, stride, padding, dilation, out_size, out=None)``."""
    C, H, W, NB = x.shape
    # pad enough that every tap of every output pixel is inside xp
    xp = np.pad(x, ((0, 0), (PH, max(PH, (OH - 1) * SH + (KH - 1) * DH + 1 - H - PH)),
                    (PW, max(PW, (OW - 1) * SW + (KW - 1) * DW + 1 - W - PW)), (0, 0)))
    cols = out.reshape(C, KH, KW, OH, OW, NB)
    for kh in range(KH):
        for kw in range(KW):
            cols[:, kh, kw] = xp[:, kh * DH: kh * DH + (OH - 1) * SH + 1: SH, kw * DW: kw * DW + (OW - 1) * SW + 1: SW]
    return out


def col2im(cols, out, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    """The adjoint of im2col: x[c, ih, iw, n] = the sum of the cols entries im2col reads from there.

    Called as ``kernel("conv_col2im")(cols, x_shape, kernel_size, stride, padding, dilation, out_size, out=None)``."""
    xp = np.zeros((C, max(H + 2 * PH, (OH - 1) * SH + (KH - 1) * DH + 1),
                   max(W + 2 * PW, (OW - 1) * SW + (KW - 1) * DW + 1), NB), cols.dtype)
    cols = cols.reshape(C, KH, KW, OH, OW, NB)
    for kh in range(KH):
        for kw in range(KW):
            xp[:, kh * DH: kh * DH + (OH - 1) * SH + 1: SH, kw * DW: kw * DW + (OW - 1) * SW + 1: SW] += cols[:, kh, kw]
    out[...] = xp[:, PH:PH + H, PW:PW + W]
    return out


def transpose_add_bias(a, bias, group, out):
    """out[s, r] = a[r, s] (+ bias[r // group]): a matrix transpose, and the bias of a conv
    layer added on the way back to NCHW (rows r = (channel, pixel), group = pixels per channel).

    Called as ``kernel("transpose_add_bias")(a, bias=None, group=1, out=None)``."""
    out[...] = a.T
    if bias is not None:
        out += np.repeat(bias, group)
    return out


def channel_sum(y):
    """out[c] = sum over n, l of y[n, c, l]: the bias gradient.

    Called as ``kernel("conv_channel_sum")(y)`` with y (N, C, ...)."""
    return y.sum(axis=(0, 2))


# --------------------------------------------------------------------------- the array-level kernels

# The batch is processed in chunks of images so that the im2col matrix and the GEMM
# output of one chunk stay in cache and are reused from chunk to chunk (a fresh 40 MB
# matrix for all 64 images costs page faults). Chunks hold at most CHUNK_BYTES of im2col
# matrix but at least MIN_CHUNK images (long runs); the sizes were chosen by timing the
# five DCGAN layers (measured in benchmarks/README.md, section "The im2col layout and its chunks").
CHUNK_BYTES = 4 << 20
MIN_CHUNK = 16


def _chunks(N, bytes_per_image):
    """Balanced batch chunks [(n0, n1), ...] and the largest chunk size."""
    if N == 0:
        return [], 0
    per_chunk = max(MIN_CHUNK, CHUNK_BYTES // max(1, bytes_per_image))
    count = -(-N // min(N, per_chunk))
    size = -(-N // count)
    return [(n0, min(N, n0 + size)) for n0 in range(0, N, size)], size


def _matrix(buffer, rows, cols):
    """A C-contiguous (rows, cols) view of the start of a flat buffer."""
    return buffer[:rows * cols].reshape(rows, cols)


def _batch_innermost(a, buffer):
    """(n, ...) -> (size of ..., n): a chunk of images to the CHWN layout (a view when n = 1)."""
    n = a.shape[0]
    flat = a.reshape(n, -1)
    if n == 1:
        return flat.reshape(-1, 1)
    return unchecked("transpose_add_bias")(flat, None, 1, _matrix(buffer, flat.shape[1], n))


def conv2d_forward(x, w, b, stride, padding, dilation):
    """conv2d: y (N, O, OH, OW) from x (N, C, H, W), w (O, C, KH, KW), b (O,) or None.

    Per chunk of n images: x_t = x in CHWN, cols = im2col(x_t), y_t = w2 @ cols (O*OH*OW, n),
    y = y_t^T + b. Called as ``kernel("conv2d_forward")(x, w, b=None, stride=1, padding=0, dilation=1)``;
    unchecked, it takes the geometry as pairs."""
    x, b = conv_checks.loop_input(x), conv_checks.loop_input(b)
    N, C, H, W = x.shape
    O, KH, KW = w.shape[0], w.shape[2], w.shape[3]
    (SH, SW), (PH, PW), (DH, DW) = stride, padding, dilation
    OH, OW = (H + 2 * PH - DH * (KH - 1) - 1) // SH + 1, (W + 2 * PW - DW * (KW - 1) - 1) // SW + 1
    rows, L = C * KH * KW, OH * OW
    w2 = conv_checks.loop_input(w.reshape(O, rows))
    y = np.empty((N, O, OH, OW), x.dtype)
    chunks, size = _chunks(N, rows * L * x.itemsize)
    x_t_buffer = np.empty(C * H * W * size, x.dtype)
    cols_buffer = np.empty(rows * L * size, x.dtype)
    y_t_buffer = np.empty(O * L * size, x.dtype)
    for n0, n1 in chunks:
        n = n1 - n0
        x_t = _batch_innermost(x[n0:n1], x_t_buffer).reshape(C, H, W, n)
        cols = unchecked("conv_im2col")(x_t, _matrix(cols_buffer, rows, L * n), KH, KW, SH, SW, PH, PW, DH, DW,
                                        OH, OW)
        y_t = unchecked("gemm")(w2, False, cols, False, _matrix(y_t_buffer, O, L * n))
        unchecked("transpose_add_bias")(y_t.reshape(O * L, n), b, L, y[n0:n1].reshape(n, O * L))
    return y


def conv_transpose2d_forward(x, w, b, stride, padding, output_padding, dilation):
    """conv_transpose2d: y (N, O, OH, OW) from x (N, C, H, W), w (C, O, KH, KW), b (O,) or None.

    Per chunk of n images: cols = w2^T @ x_t (O*KH*KW, H*W*n), y_t = col2im(cols) (O, OH, OW, n),
    y = y_t^T + b. Called as ``kernel("conv_transpose2d_forward")(x, w, b=None, stride=1, padding=0,
    output_padding=0, dilation=1)``; unchecked, it takes the geometry as pairs."""
    x, b = conv_checks.loop_input(x), conv_checks.loop_input(b)
    N, C, H, W = x.shape
    O, KH, KW = w.shape[1:]
    (SH, SW), (PH, PW), (OPH, OPW), (DH, DW) = stride, padding, output_padding, dilation
    OH, OW = (H - 1) * SH - 2 * PH + DH * (KH - 1) + OPH + 1, (W - 1) * SW - 2 * PW + DW * (KW - 1) + OPW + 1
    rows, L = O * KH * KW, H * W
    w2 = conv_checks.loop_input(w.reshape(C, rows))  # used transposed: w2^T
    y = np.empty((N, O, OH, OW), x.dtype)
    chunks, size = _chunks(N, rows * L * x.itemsize)
    x_t_buffer = np.empty(C * L * size, x.dtype)
    cols_buffer = np.empty(rows * L * size, x.dtype)
    y_t_buffer = np.empty(O * OH * OW * size, x.dtype)
    for n0, n1 in chunks:
        n = n1 - n0
        x_t = _batch_innermost(x[n0:n1], x_t_buffer).reshape(C, L * n)
        cols = unchecked("gemm")(w2, True, x_t, False, _matrix(cols_buffer, rows, L * n))
        # conv_transpose2d's output is col2im's image and its input col2im's (OH, OW)
        y_t = unchecked("conv_col2im")(cols, y_t_buffer[:O * OH * OW * n].reshape(O, OH, OW, n), O, OH, OW, n,
                                       KH, KW, SH, SW, PH, PW, DH, DW, H, W)
        unchecked("transpose_add_bias")(y_t.reshape(O * OH * OW, n), b, OH * OW, y[n0:n1].reshape(n, -1))
    return y


def conv2d_weight(x, gy, kernel_size, stride, padding, dilation):
    """The weight gradient of conv2d: gw (O, C, KH, KW) from x (N, C, H, W) and gy (N, O, OH, OW).

    Summed over chunks of n images: gw += gy_t @ cols^T (O, C*KH*KW), gy_t = gy in CHWN (O, OH*OW*n).
    Called as ``kernel("conv2d_weight")(x, gy, kernel_size, stride=1, padding=0, dilation=1)``;
    unchecked, it takes the geometry as pairs."""
    x, gy = conv_checks.loop_input(x), conv_checks.loop_input(gy)
    N, C, H, W = x.shape
    O, OH, OW = gy.shape[1:]
    (KH, KW), (SH, SW), (PH, PW), (DH, DW) = kernel_size, stride, padding, dilation
    rows, L = C * KH * KW, OH * OW
    gw = np.zeros((O, rows), x.dtype)
    chunks, size = _chunks(N, rows * L * x.itemsize)
    x_t_buffer = np.empty(C * H * W * size, x.dtype)
    cols_buffer = np.empty(rows * L * size, x.dtype)
    gy_t_buffer = np.empty(O * L * size, x.dtype)
    partial = np.empty((O, rows), x.dtype) if len(chunks) > 1 else gw
    for n0, n1 in chunks:
        n = n1 - n0
        x_t = _batch_innermost(x[n0:n1], x_t_buffer).reshape(C, H, W, n)
        cols = unchecked("conv_im2col")(x_t, _matrix(cols_buffer, rows, L * n), KH, KW, SH, SW, PH, PW, DH, DW,
                                        OH, OW)
        gy_t = _batch_innermost(gy[n0:n1], gy_t_buffer).reshape(O, L * n)
        unchecked("gemm")(gy_t, False, cols, True, partial)
        if partial is not gw:
            gw += partial
    return gw.reshape(O, C, KH, KW)


def conv_bias_grad(gy):
    """The bias gradient of conv2d / conv_transpose2d: gy (N, O, OH, OW) summed to (O,)
    (also for an empty batch: zeros)."""
    return unchecked("conv_channel_sum")(conv_checks.channel_rows(conv_checks.loop_input(gy)))


# --------------------------------------------------------------------------- registrations
# 'auto' order per loop, from ``benchmarks/bench_conv.py --loops`` (one 16-image chunk of the
# DCGAN layers, float32, one thread, ms; numpy / numba / c):
#   im2col  (64,14,14,16) k5 s2   0.46 / 0.55 / 0.19    col2im (64,14,14,16) k5 s2  1.13 / 0.59 / 0.18
#   im2col  (128,7,7,16) k5 s1    0.34 / 0.91 / 0.23    col2im (128,7,7,16) k5 s1   0.94 / 0.99 / 0.24
#   transpose (16, 12544)         0.06 / 0.12 / 0.05    channel_sum (64,64,14,14)   0.16 / 0.27 / 0.08
# C is fastest everywhere; without it, NumPy's slicing beats Numba except in col2im.
for _name, _reference, _check, _guard, _prefer in (
        ("conv_im2col", im2col, conv_checks.im2col_args, guards.im2col, ("c", "numpy", "numba")),
        ("conv_col2im", col2im, conv_checks.col2im_args, guards.col2im, ("c", "numba", "numpy")),
        ("transpose_add_bias", transpose_add_bias, conv_checks.transpose_add_bias_args, guards.transpose_add_bias,
         ("c", "numpy", "numba")),
        ("conv_channel_sum", channel_sum, conv_checks.channel_sum_args, guards.channel_sum, ("c", "numpy", "numba"))):
    register(_name, _reference, check=_check, guard=_guard, prefer=_prefer,
             numba=f"npgan.kernels.conv_numba:{_reference.__name__}", c=f"npgan.kernels.conv_c:{_reference.__name__}")

register("conv2d_forward", conv2d_forward, check=conv_checks.conv2d_args)
register("conv_transpose2d_forward", conv_transpose2d_forward, check=conv_checks.conv_transpose2d_args)
register("conv2d_weight", conv2d_weight, check=conv_checks.conv2d_weight_args)
register("conv_bias_grad", conv_bias_grad, check=conv_checks.conv_bias_grad_args)
del _name, _reference, _check, _guard, _prefer
