"""Elementwise kernels: LeakyReLU, binary cross-entropy with logits, and the Adam step.

This module holds, for each kernel:

* the **NumPy reference** -- the definition, with its equation;
* the **argument checks**, shared by every backend: ``checked(name)`` wraps an
  implementation as ``prepare -> impl``, so the Numba and C versions
  (``elementwise_numba.py``, ``elementwise_c.py``) receive only validated arguments:
  float32/float64 ndarrays of one dtype and one shape, C-contiguous and aligned,
  scalars finite and already converted to the array dtype (so a float32 kernel never
  computes in float64);
* the **registrations**; Numba and C are registered lazily, so ``import npgan`` does
  not import numba. ``auto_rank`` (lower = preferred) comes from
  ``benchmarks/bench_elementwise_kernels.py``; its numbers are quoted per kernel.

Every kernel returns a new array of the input dtype, except ``adam_update``, which
updates its state arrays in place.
"""
import itertools
import math
from collections import namedtuple

import numpy as np

from .checking import checked, prepares as _prepares
from .registry import register, register_lazy

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------- checks

def _float_array(kernel, name, a):
    if not isinstance(a, np.ndarray):
        got = f"a NumPy scalar ({a.dtype}); wrap it with np.asarray" if isinstance(a, np.generic) else type(a).__name__
        raise TypeError(f"{kernel}: {name} must be a numpy.ndarray of float32 or float64, got {got}")
    if a.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{kernel}: {name} has dtype {a.dtype}; expected float32 or float64 "
                        f"(native byte order)")
    return a


def _like(kernel, name, a, ref_name, ref):
    """``a`` must be a float array with the dtype and the shape of ``ref``."""
    _float_array(kernel, name, a)
    if a.dtype != ref.dtype:
        raise TypeError(f"{kernel}: {name} has dtype {a.dtype} but {ref_name} has dtype {ref.dtype}")
    if a.shape != ref.shape:
        raise ValueError(f"{kernel}: {name} has shape {a.shape} but {ref_name} has shape {ref.shape}")
    return a


def _input(a):
    """A read-only input, C-contiguous and aligned (copied only if it is not)."""
    flags = a.flags
    return a if flags.c_contiguous and flags.aligned else np.require(a, requirements="CA")


def _in_place(kernel, name, a):
    """An array the kernel writes into: it must already be C-contiguous, aligned, writeable."""
    flags = a.flags
    if not (flags.c_contiguous and flags.aligned and flags.writeable):
        missing = [what for what, ok in (("C-contiguous", flags.c_contiguous), ("aligned", flags.aligned),
                                         ("writeable", flags.writeable)) if not ok]
        raise ValueError(f"{kernel}: {name} is updated in place and must be C-contiguous, aligned and "
                         f"writeable; it is not {' and not '.join(missing)}")
    return a


# Concrete types rather than numbers.Real: an ABC isinstance costs more than the C kernel at small sizes.
_REAL_TYPES = (int, float, np.integer, np.floating)


def _finite(kernel, name, value, low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """A real scalar, finite and within [low, high] (``*_open`` excludes that end)."""
    if isinstance(value, bool) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{kernel}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if not math.isfinite(value) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{kernel}: {name} must be finite and in {interval}, got {value}")
    return value


# --------------------------------------------------------------------------- LeakyReLU

@_prepares("leaky_relu_forward")
def _leaky_relu_forward_args(x, negative_slope):
    k = "leaky_relu_forward"
    x = _input(_float_array(k, "x", x))
    return x, x.dtype.type(_finite(k, "negative_slope", negative_slope))


@_prepares("leaky_relu_backward")
def _leaky_relu_backward_args(x, gy, negative_slope):
    k = "leaky_relu_backward"
    _float_array(k, "x", x)
    gy = _like(k, "gy", gy, "x", x)
    return _input(x), _input(gy), x.dtype.type(_finite(k, "negative_slope", negative_slope))


@checked("leaky_relu_forward")
def leaky_relu_forward(x, negative_slope):
    """LeakyReLU (Maas et al., 2013): y = x if x > 0 else negative_slope * x."""
    return np.where(x > 0, x, negative_slope * x)


@checked("leaky_relu_backward")
def leaky_relu_backward(x, gy, negative_slope):
    """Input gradient of LeakyReLU: gx = gy if x > 0 else negative_slope * gy
    (at the kink x = 0 the slope is negative_slope, as in PyTorch)."""
    return np.where(x > 0, gy, negative_slope * gy)


# --------------------------------------------------------------------------- BCE with logits

@_prepares("bce_with_logits_forward")
def _bce_with_logits_forward_args(x, t):
    k = "bce_with_logits_forward"
    _float_array(k, "x", x)
    return _input(x), _input(_like(k, "t", t, "x", x))


@_prepares("bce_with_logits_backward")
def _bce_with_logits_backward_args(x, t, gy):
    k = "bce_with_logits_backward"
    _float_array(k, "x", x)
    return _input(x), _input(_like(k, "t", t, "x", x)), _input(_like(k, "gy", gy, "x", x))


@checked("bce_with_logits_forward")
def bce_with_logits_forward(x, t):
    """Binary cross-entropy of logit x against target t, elementwise:

        loss = -t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x))
             = max(x, 0) - x t + log1p(exp(-|x|))

    The second form never exponentiates a positive number, so it is finite for any
    finite x (loss(1000, 0) = 1000, loss(-1000, 0) = 0)."""
    loss = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    return np.asarray(loss)  # ufuncs give a scalar for 0-d input; a kernel returns an array


@checked("bce_with_logits_backward")
def bce_with_logits_backward(x, t, gy):
    """Input gradient of ``bce_with_logits_forward``: gx = gy (sigmoid(x) - t), with

        sigmoid(x) = exp(min(x, 0)) / (1 + exp(-|x|)),

    which is 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0: no exponent is
    positive, so nothing overflows at any finite x. (One formula for both signs,
    rather than np.where, also keeps the loop free of data-dependent branches.)"""
    sigmoid = np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))
    return np.asarray(gy * (sigmoid - t))  # an array also for 0-d input


# --------------------------------------------------------------------------- Adam

AdamScalars = namedtuple("AdamScalars", "one_minus_beta1 beta2 one_minus_beta2 eps weight_decay "
                                        "step_size bias_correction2_sqrt")
AdamScalars.__doc__ = """The per-step scalars of Adam, in the array dtype. The bias corrections
are computed once per call in float64: step_size = lr / (1 - beta1^step),
bias_correction2_sqrt = sqrt(1 - beta2^step)."""


@_prepares("adam_update")
def _adam_update_args(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
                      weight_decay, step):
    k = "adam_update"
    _in_place(k, "param", _float_array(k, "param", param))
    grad = _input(_like(k, "grad", grad, "param", param))
    state = [("param", param), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)]
    if max_exp_avg_sq is not None:
        state.append(("max_exp_avg_sq", max_exp_avg_sq))
    for name, a in state[1:]:
        _in_place(k, name, _like(k, name, a, "param", param))
    for (name, a), (other_name, other) in itertools.combinations(state + [("grad", grad)], 2):
        if np.may_share_memory(a, other):
            raise ValueError(f"{k}: {name} and {other_name} share memory; each must be its own array")
    lr = _finite(k, "lr", lr, low=0.0)
    beta1 = _finite(k, "beta1", beta1, low=0.0, high=1.0, high_open=True)
    beta2 = _finite(k, "beta2", beta2, low=0.0, high=1.0, high_open=True)
    eps = _finite(k, "eps", eps, low=0.0, low_open=True)
    weight_decay = _finite(k, "weight_decay", weight_decay, low=0.0)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"{k}: step must be an integer (the number of this update, from 1), got {step!r}")
    if step < 1:
        raise ValueError(f"{k}: step must be >= 1 (the number of this update, from 1), got {step}")
    bias_correction1 = 1.0 - beta1 ** int(step)
    bias_correction2 = 1.0 - beta2 ** int(step)
    scalars = AdamScalars._make(np.array(  # the fields of AdamScalars, in order, rounded to the dtype
        [1.0 - beta1, beta2, 1.0 - beta2, eps, weight_decay, lr / bias_correction1, math.sqrt(bias_correction2)],
        dtype=param.dtype))
    return param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, scalars


@checked("adam_update")
def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    """One Adam step (Kingma & Ba, 2015), in place, in the operation order of PyTorch's
    single-tensor Adam (so the numbers match it); ``s`` is an ``AdamScalars``:

        g      = grad + weight_decay param            (only if weight_decay != 0)
        m      = m + (1 - beta1) (g - m)              exp_avg, PyTorch's lerp
        v      = beta2 v + (1 - beta2) g g            exp_avg_sq
        v_hat  = max(v_max, v), stored in v_max       AMSGrad, when max_exp_avg_sq is given
               = v                                    otherwise
        param  = param - step_size m / (sqrt(v_hat) / sqrt(1 - beta2^step) + eps)

    Called as ``adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr,
    beta1, beta2, eps, weight_decay, step)``; ``grad`` is only read. Returns None."""
    g = grad + s.weight_decay * param if s.weight_decay != 0 else grad
    exp_avg += s.one_minus_beta1 * (g - exp_avg)
    exp_avg_sq *= s.beta2
    exp_avg_sq += s.one_minus_beta2 * g * g
    v_hat = exp_avg_sq
    if max_exp_avg_sq is not None:
        v_hat = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    denom = np.sqrt(v_hat) / s.bias_correction2_sqrt + s.eps
    param -= s.step_size * exp_avg / denom


# --------------------------------------------------------------------------- registrations
# 'auto' takes the first available backend of each preference list. The numbers are
# microseconds per call, float32, with the checks, from benchmarks/bench_elementwise_kernels.py
# on the 2-core x86_64 (AVX-512) dev machine, C built with csrc/build_ffi.py's flags.
# Those flags leave GCC's loops scalar here: a float comparison may trap (-ftrapping-math)
# so `x > 0 ? x : s x` stays a mispredicted branch, and sqrt may set errno. Built with
# -fno-trapping-math -fno-math-errno (same results), C vectorizes: leaky_relu 110 at 1e6,
# Adam 17 vs numpy 26 at 16k and 1060 vs 1480 at 1e6, so C should then lead adam_update.
_PREFERENCE = (
    # numba 2.3 vs C 8.4 vs numpy 12 at 16k; 74 vs 5800 vs 7500 at 1e6 (LLVM vectorizes the select)
    (leaky_relu_forward, ("numba", "c", "numpy")),
    # numba 2.9 vs C 8.6 vs numpy 14 at 16k; 104 vs 4500 vs 7800 at 1e6
    (leaky_relu_backward, ("numba", "c", "numpy")),
    # numpy 34 vs numba 292 vs C 331 at 16k; 4800 vs 13000 vs 14000 at 1e6: NumPy's exp and log1p
    # are SIMD, the libm calls of numba and C are scalar. (At 64 logits all take ~3.)
    (bce_with_logits_forward, ("numpy", "numba", "c")),
    # numpy 27 vs numba 47 vs C 95 at 16k, 78 vs 140 vs 400 at 50k; numba leads only at 1e6
    # (2900 vs 4900), larger than any BCE in a GAN (a batch of logits: 64 takes ~2-4 on all).
    (bce_with_logits_backward, ("numpy", "numba", "c")),
    # numba 3.3 vs numpy 24 vs C 46 at 16k; 35 vs 232 vs 490 at 200k: one SIMD pass once numba's
    # loop has error_model="numpy" (see elementwise_numba.py); C's sqrt and division stay scalar
    # under the build flags above, and NumPy makes ~12 passes over the arrays.
    (adam_update, ("numba", "numpy", "c")),
)

for _reference, _preference in _PREFERENCE:
    _name = _reference.__name__
    _rank = {backend: position for position, backend in enumerate(_preference)}
    register(_name, "numpy", _rank["numpy"])(_reference)
    register_lazy(_name, "numba", f"npgan.kernels.elementwise_numba:{_name}", _rank["numba"])
    register_lazy(_name, "c", f"npgan.kernels.elementwise_c:{_name}", _rank["c"])
