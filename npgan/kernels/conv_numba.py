"""Numba versions of the convolution loops (same signatures and layouts as ``conv.py``).

The loops mirror ``csrc/conv.c`` (CHWN chunks, runs of NB values): im2col parallel over
rows of cols, col2im over channels so that no two threads add into the same element, and
a fixed summation order, so results do not depend on timing. Compiled on first use (``cache=True`` keeps
the machine code on disk between runs); the registry runs each behind its guard (``guards.py``).

Each loop is compiled twice, parallel and serial; ``threads.loop_threads`` picks one per
call (small arrays run serially), as for the C loops.
"""
import types

import numpy as np
from numba import njit, prange

from . import threads


def _two_ways(fn):
    """(parallel, serial) compiled versions of a loop written with prange. The serial copy
    gets its own name, so the two do not share one entry of numba's on-disk cache."""
    serial = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial")
    serial.__qualname__ = fn.__qualname__ + "_serial"
    return njit(parallel=True, cache=True)(fn), njit(cache=True)(serial)


@njit(cache=True, inline="always")
def _valid_range(W, S, P, k, D, OW):
    """The output columns ow whose input column ow*S - P + k*D lies in [0, W): [lo, hi)."""
    off = k * D - P
    lo = 0 if off >= 0 else (-off + S - 1) // S
    hi = 0 if W - 1 - off < 0 else (W - 1 - off) // S + 1
    hi = min(hi, OW)
    return min(lo, hi), hi


def _im2col(x, cols, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    C, H, W, NB = x.shape
    run = OW * NB
    for r in prange(C * KH * KW):
        c, kh, kw = r // (KH * KW), r // KW % KH, r % KW
        lo, hi = _valid_range(W, SW, PW, kw, DW, OW)
        off = kw * DW - PW
        dst = cols[r]
        for oh in range(OH):
            base = oh * run
            ih = oh * SH - PH + kh * DH
            if ih < 0 or ih >= H:
                dst[base: base + run] = 0
                continue
            row = x[c, ih]
            dst[base: base + lo * NB] = 0
            for ow in range(lo, hi):
                src = row[ow * SW + off]
                for j in range(NB):
                    dst[base + ow * NB + j] = src[j]
            dst[base + hi * NB: base + run] = 0
    return cols


def _col2im(cols, x, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    run = OW * NB
    for c in prange(C):
        plane = x[c]
        plane[:] = 0
        for kh in range(KH):
            for kw in range(KW):
                lo, hi = _valid_range(W, SW, PW, kw, DW, OW)
                off = kw * DW - PW
                src = cols[(c * KH + kh) * KW + kw]
                for oh in range(OH):
                    ih = oh * SH - PH + kh * DH
                    if ih < 0 or ih >= H:
                        continue
                    row = plane[ih]
                    for ow in range(lo, hi):
                        dst = row[ow * SW + off]
                        base = oh * run + ow * NB
                        for j in range(NB):
                            dst[j] += src[base + j]
    return x


def _transpose(a, bias, group, out):
    R, S = a.shape
    tiles_r, tiles_s = (R + 31) // 32, (S + 31) // 32
    for tile in prange(tiles_r * tiles_s):
        r0, s0 = tile // tiles_s * 32, tile % tiles_s * 32
        r1, s1 = min(r0 + 32, R), min(s0 + 32, S)
        for s in range(s0, s1):
            for r in range(r0, r1):
                if bias is None:
                    out[s, r] = a[r, s]
                else:
                    out[s, r] = a[r, s] + bias[r // group]
    return out


def _channel_sum(y):
    N, C, L = y.shape
    out = np.empty(C, y.dtype)
    for c in prange(C):  # one task per channel, summed in a fixed order
        out[c] = 0
        for n in range(N):
            out[c] += y[n, c].sum()
    return out


_im2col_par, _im2col_ser = _two_ways(_im2col)
_col2im_par, _col2im_ser = _two_ways(_col2im)
_transpose_par, _transpose_ser = _two_ways(_transpose)
_channel_sum_par, _channel_sum_ser = _two_ways(_channel_sum)


def im2col(x, out, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    fn = _im2col_par if threads.loop_threads(out.size) > 1 else _im2col_ser
    return fn(x, out, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW)


def col2im(cols, out, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    fn = _col2im_par if threads.loop_threads(cols.size) > 1 else _col2im_ser
    return fn(cols, out, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW)


def transpose_add_bias(a, bias, group, out):
    return (_transpose_par if threads.loop_threads(a.size) > 1 else _transpose_ser)(a, bias, group, out)


def channel_sum(y):
    return (_channel_sum_par if threads.loop_threads(y.size) > 1 else _channel_sum_ser)(y)
