"""What the Numba and C loops refuse: arguments that would make them read or write outside
their arrays. The registry runs a kernel's guard before every Numba or C call (``registry``).

The loops index raw memory: C gets a pointer and sizes, Numba compiles for the layout it is
given. So each array must be an ndarray of float32 or float64, C-contiguous (the loops step
through it as one block), aligned (a misaligned float load is undefined behaviour in C) and,
if written, writeable; its shape must be the one the sizes say; and each size must be at most
``INT_MAX`` = 2^31 - 1, the bound under which csrc/conv.c's 64-bit index arithmetic cannot
overflow (its largest term, oh*SH + kh*DH, stays below 2^63). Nothing else: whether the values make sense (a kernel larger than the
padded input, a bias of the wrong length for the layer) is the kernel's *check*, which runs
once at the op boundary with an error message for a user (``conv_checks.py``,
``elementwise.py``, ``dropout.py``). A guard's error means a caller inside npgan passed
arguments that its own check would have refused.
"""
import numbers

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
INT_MAX = 2**31 - 1  # the largest size or geometry value the loops take (see above)


def array(kernel, name, a, shape=None, dtype=None, writeable=False):
    """``a`` is a C-contiguous, aligned float ndarray (of ``shape`` and ``dtype`` when given)."""
    if not isinstance(a, np.ndarray) or a.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{kernel}: {name} must be a float32 or float64 ndarray, got "
                        f"{getattr(a, 'dtype', type(a).__name__)}")
    flags = a.flags
    if not (flags.c_contiguous and flags.aligned) or (writeable and not flags.writeable):
        raise ValueError(f"{kernel}: {name} must be C-contiguous, aligned{' and writeable' * writeable} "
                         f"(the loops index its memory directly)")
    if dtype is not None and a.dtype != dtype:
        raise TypeError(f"{kernel}: {name} has dtype {a.dtype}; expected {dtype}")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{kernel}: {name} has shape {a.shape}; the sizes passed with it need {tuple(shape)}")
    return a


def sizes(kernel, minimum, **values):
    """Each value is an int in [minimum, INT_MAX]."""
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not minimum <= v <= INT_MAX:
            raise ValueError(f"{kernel}: {name}={v!r} is not an int in [{minimum}, {INT_MAX}]")


# --------------------------------------------------------------------------- convolution loops

def im2col(x, out, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    k = "conv_im2col"
    sizes(k, 1, KH=KH, KW=KW, SH=SH, SW=SW, DH=DH, DW=DW, OH=OH, OW=OW)
    sizes(k, 0, PH=PH, PW=PW)
    if array(k, "x", x).ndim != 4:
        raise ValueError(f"{k}: x must be 4-D (C, H, W, NB), got shape {x.shape}")
    C, H, W, NB = x.shape
    array(k, "out", out, (C * KH * KW, OH * OW * NB), x.dtype, writeable=True)


def col2im(cols, out, C, H, W, NB, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW):
    k = "conv_col2im"
    sizes(k, 1, C=C, H=H, W=W, NB=NB, KH=KH, KW=KW, SH=SH, SW=SW, DH=DH, DW=DW, OH=OH, OW=OW)
    sizes(k, 0, PH=PH, PW=PW)
    array(k, "cols", cols, (C * KH * KW, OH * OW * NB))
    array(k, "out", out, (C, H, W, NB), cols.dtype, writeable=True)


def transpose_add_bias(a, bias, group, out):
    k = "transpose_add_bias"
    if array(k, "a", a).ndim != 2:
        raise ValueError(f"{k}: a must be 2-D, got shape {a.shape}")
    R, S = a.shape
    sizes(k, 1, group=group)
    if bias is not None:
        if R % group:
            raise ValueError(f"{k}: a has {R} rows, not a multiple of group={group}")
        array(k, "bias", bias, (R // group,), a.dtype)
    array(k, "out", out, (S, R), a.dtype, writeable=True)


def channel_sum(y):
    if array("conv_channel_sum", "y", y).ndim != 3:
        raise ValueError(f"conv_channel_sum: y must be 3-D (N, C, L), got shape {y.shape}")


# --------------------------------------------------------------------------- elementwise loops

def same_arrays(*args):
    """Every array argument (the scalars are skipped) C-contiguous, aligned, and of the dtype
    and size of the first: the elementwise loops walk all of them with one index."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    first = arrays[0]
    for i, a in enumerate(arrays):
        array("elementwise kernel", f"array argument {i}", a, first.shape, first.dtype)


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    k = "adam_update"
    array(k, "param", param, writeable=True)
    array(k, "grad", grad, param.shape, param.dtype)
    state = [("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)]
    if max_exp_avg_sq is not None:
        state.append(("max_exp_avg_sq", max_exp_avg_sq))
    for name, a in state:
        array(k, name, a, param.shape, param.dtype, writeable=True)


def adam_update_multi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, s):
    """``adam_update``'s guard for every parameter: first a quick pass over all the arrays,
    the detailed one (which names the array) only if that fails."""
    lists = (grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs)
    if any(len(arrays) != len(params) for arrays in lists):
        raise ValueError(f"adam_update_multi: lists of lengths {[len(params)] + [len(a) for a in lists]}")
    fine = all([_like(p, p, True) and p.dtype in _FLOAT_DTYPES and _like(g, p, False) and _like(m, p, True)
                and _like(v, p, True) and (v_max is None or _like(v_max, p, True))
                for p, g, m, v, v_max in zip(params, *lists)])
    if not fine:
        for arrays in zip(params, *lists):
            adam_update(*arrays, s)


def _like(a, p, writeable):
    """The quick test: ``a`` is an ndarray of p's dtype and shape, C-contiguous and aligned
    (``flags.carray``: and writeable)."""
    if type(a) is not np.ndarray or a.dtype != p.dtype or a.shape != p.shape:
        return False
    flags = a.flags
    return flags.carray if writeable else flags.c_contiguous and flags.aligned


# --------------------------------------------------------------------------- dropout

def dropout_mask(mask, threshold, seed, scale):
    k = "dropout_mask"
    array(k, "mask", mask, writeable=True)
    if not (isinstance(threshold, int) and 0 <= threshold <= 2**32 and isinstance(seed, int) and 0 <= seed < 2**64):
        raise ValueError(f"{k}: threshold={threshold!r} must be an int in [0, 2^32] and seed={seed!r} in [0, 2^64)")


# --------------------------------------------------------------------------- GEMM libraries

def gemm(a, trans_a, b, trans_b, out):
    """What MKL's and BLIS's gemm take (``gemm.py``): a, b, out C-contiguous and aligned, of one
    dtype, out writeable and apart from a and b, and their shapes those of out = op(a) op(b)."""
    k = "gemm"
    array(k, "a", a)
    array(k, "b", b, dtype=a.dtype)
    array(k, "out", out, dtype=a.dtype, writeable=True)
    if a.ndim != 2 or b.ndim != 2 or out.ndim != 2:
        raise ValueError(f"{k}: a, b and out must be 2-D, got shapes {a.shape}, {b.shape}, {out.shape}")
    (M, K), (K_b, N) = a.shape[::-1] if trans_a else a.shape, b.shape[::-1] if trans_b else b.shape
    if K != K_b or out.shape != (M, N):
        raise ValueError(f"{k}: op(a) {(M, K)} @ op(b) {(K_b, N)} does not give out's shape {out.shape}")
    sizes(k, 0, M=M, N=N, K=K)
    if np.may_share_memory(out, a) or np.may_share_memory(out, b):
        raise ValueError(f"{k}: out overlaps a or b (the library reads them while it writes out)")
