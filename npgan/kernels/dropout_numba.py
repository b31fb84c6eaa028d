"""The dropout mask in Numba: the loop of ``dropout.py``'s SplitMix64 definition, one
64-bit output per pair of entries. Every constant is a uint64 so that Numba keeps the
arithmetic in wrapping 64-bit integers (a plain int literal would promote to float64)."""
import numba
import numpy as np

from .dropout import GAMMA, MIX1, MIX2

_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_LOW = np.uint64(0xFFFFFFFF)
_ONE = np.uint64(1)


@numba.njit(cache=True)
def _dropout_mask_loop(mask, threshold, seed, scale):
    n = mask.size
    zero = mask.dtype.type(0)
    for j in range((n + 1) // 2):
        z = seed + (np.uint64(j) + _ONE) * GAMMA
        z = (z ^ (z >> _S30)) * MIX1
        z = (z ^ (z >> _S27)) * MIX2
        z = z ^ (z >> _S31)
        mask[2 * j] = scale if (z >> _S32) >= threshold else zero
        if 2 * j + 1 < n:
            mask[2 * j + 1] = scale if (z & _LOW) >= threshold else zero


def dropout_mask(mask, threshold, seed, scale):
    _dropout_mask_loop(mask.reshape(-1), np.uint64(threshold), np.uint64(seed), scale)
    return mask
