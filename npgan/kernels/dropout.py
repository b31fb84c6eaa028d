"""The dropout mask: ``mask = keep / (1 - p)``, keep ~ Bernoulli(1 - p) per entry, drawn
from a counter-based generator so that C, Numba and NumPy give the same bits.

A dropout layer needs ~N uniform numbers per step (0.8 M for a DCGAN activation of shape
(64, 64, 14, 14)); NumPy's ``Generator.random`` is slow for that many, and the mask takes two
more passes (benchmarks/README.md, section "The dropout mask"). Here the bits come from SplitMix64 (Steele, Lea & Flood, 2014; the generator
that seeds xoshiro and backs Java's SplittableRandom), whose i-th output is a pure
function of (seed, i):

    z_j  = seed + (j + 1) * 0x9E3779B97F4A7C15          (mod 2^64)
    z_j  = (z_j ^ (z_j >> 30)) * 0xBF58476D1CE4E5B9
    z_j  = (z_j ^ (z_j >> 27)) * 0x94D049BB133111EB
    z_j  =  z_j ^ (z_j >> 31)

Each 64-bit output gives two 32-bit draws: bits[2j] = high half, bits[2j+1] = low half.
Entry i is kept when bits[i] >= threshold = round(p 2^32), so P(keep) = 1 - p to within
2^-33. Because every entry depends only on (seed, i), the loop splits over threads with
no shared state and any backend reproduces any other bit for bit. ``seed`` comes from
npgan's seeded generator (``npgan.manual_seed``), one 64-bit draw per mask.
"""
import operator

import numpy as np

from . import guards
from .registry import register

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _dropout_mask_args(shape, p, seed, dtype):
    k = "dropout_mask"
    try:
        shape = tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{k}: shape must be a sequence of ints, got {shape!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"{k}: shape must not have negative sizes, got {shape}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0.0 <= p < 1.0:
        raise ValueError(f"{k}: p must be a number in [0, 1), got {p!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2 ** 64:
        raise ValueError(f"{k}: seed must be an integer in [0, 2^64), got {seed!r}")
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{k}: dtype must be float32 or float64, got {dtype}")
    threshold = int(round(float(p) * 2.0 ** 32))
    scale = dtype.type(1.0 / (1.0 - float(p)))
    return np.empty(shape, dtype), threshold, int(seed), scale


def dropout_mask(mask, threshold, seed, scale):
    """The mask (a new array of ``shape`` and ``dtype``): ``scale`` = 1 / (1 - p) where
    bits[i] >= threshold, else 0. Called as ``dropout_mask(shape, p, seed, dtype)``."""
    n = mask.size
    j = np.arange((n + 1) // 2, dtype=np.uint64)
    z = np.uint64(seed) + (j + np.uint64(1)) * GAMMA  # uint64 arrays wrap mod 2^64
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z ^= z >> np.uint64(31)
    bits = np.empty(2 * z.size, np.uint64)
    bits[0::2] = z >> np.uint64(32)
    bits[1::2] = z & np.uint64(0xFFFFFFFF)
    keep = bits[:n] >= np.uint64(threshold)
    np.multiply(keep.reshape(mask.shape), scale, out=mask)
    return mask


# 'auto' order (numba, C, NumPy) from timing the three on the DCGAN shape (benchmarks/README.md,
# section "The dropout mask").
# Numba compiles for the host CPU, so its loop runs in SIMD with 64-bit vector multiplies
# (AVX-512); the C extension is built for generic x86-64, where those multiplies stay scalar.
register("dropout_mask", dropout_mask, check=_dropout_mask_args, guard=guards.dropout_mask,
         numba="npgan.kernels.dropout_numba:dropout_mask", c="npgan.kernels.dropout_c:dropout_mask",
         prefer=("numba", "c", "numpy"))
