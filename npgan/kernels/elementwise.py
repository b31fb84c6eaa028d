"""Elementwise kernels: LeakyReLU, binary cross-entropy with logits, and the Adam step.

This module holds, for each kernel:

* the **NumPy reference** -- the definition, with its equation;
* the **argument check**, shared by every backend (the registry runs it before the
  implementation): the NumPy, Numba and C versions (``elementwise_numba.py``,
  ``elementwise_c.py``) receive only checked arguments: float32/float64 ndarrays of one
  dtype and one shape, C-contiguous and aligned (inputs copied when they are not), scalars
  finite and already converted to the array dtype (so a float32 kernel never computes in
  float64);
* the **registration**; Numba and C are imported on first use, so ``import npgan`` does
  not import numba. The ``prefer`` order comes from
  ``benchmarks/bench_elementwise_kernels.py``; its numbers are quoted per kernel.

Every kernel returns a new array of the input dtype, except ``adam_update`` and
``adam_update_multi``, which update their state arrays in place.
"""
import itertools
import math
from collections import namedtuple

import numpy as np

from . import guards
from .registry import register

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

def _leaky_relu_forward_args(x, negative_slope):
    k = "leaky_relu_forward"
    x = _input(_float_array(k, "x", x))
    return x, x.dtype.type(_finite(k, "negative_slope", negative_slope))


def _leaky_relu_backward_args(x, gy, negative_slope):
    k = "leaky_relu_backward"
    _float_array(k, "x", x)
    gy = _like(k, "gy", gy, "x", x)
    return _input(x), _input(gy), x.dtype.type(_finite(k, "negative_slope", negative_slope))


def leaky_relu_forward(x, negative_slope):
    """LeakyReLU (Maas et al., 2013): y = x if x > 0 else negative_slope * x."""
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(x, gy, negative_slope):
    """Input gradient of LeakyReLU: gx = gy if x > 0 else negative_slope * gy
    (at the kink x = 0 the slope is negative_slope, as in PyTorch)."""
    return np.where(x > 0, gy, negative_slope * gy)


# --------------------------------------------------------------------------- BCE with logits

def _bce_with_logits_forward_args(x, t):
    k = "bce_with_logits_forward"
    _float_array(k, "x", x)
    return _input(x), _input(_like(k, "t", t, "x", x))


def _bce_with_logits_backward_args(x, t, gy):
    k = "bce_with_logits_backward"
    _float_array(k, "x", x)
    return _input(x), _input(_like(k, "t", t, "x", x)), _input(_like(k, "gy", gy, "x", x))


def bce_with_logits_forward(x, t):
    """Binary cross-entropy of logit x against target t, elementwise:

        loss = -t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x))
             = max(x, 0) - x t + log1p(exp(-|x|))

    The second form never exponentiates a positive number, so it is finite for any
    finite x (loss(1000, 0) = 1000, loss(-1000, 0) = 0)."""
    loss = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    return np.asarray(loss)  # ufuncs give a scalar for 0-d input; a kernel returns an array


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


def _adam_scalars(kernel, dtype, lr, beta1, beta2, eps, weight_decay, step):
    """Check Adam's hyper-parameters and ``step`` and return them as ``AdamScalars`` in ``dtype``."""
    lr = _finite(kernel, "lr", lr, low=0.0)
    beta1 = _finite(kernel, "beta1", beta1, low=0.0, high=1.0, high_open=True)
    beta2 = _finite(kernel, "beta2", beta2, low=0.0, high=1.0, high_open=True)
    eps = _finite(kernel, "eps", eps, low=0.0, low_open=True)
    weight_decay = _finite(kernel, "weight_decay", weight_decay, low=0.0)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"{kernel}: step must be an integer (the number of this update, from 1), got {step!r}")
    if step < 1:
        raise ValueError(f"{kernel}: step must be >= 1 (the number of this update, from 1), got {step}")
    bias_correction1 = 1.0 - beta1 ** int(step)
    bias_correction2 = 1.0 - beta2 ** int(step)
    return AdamScalars._make(np.array(  # the fields of AdamScalars, in order, rounded to the dtype
        [1.0 - beta1, beta2, 1.0 - beta2, eps, weight_decay, lr / bias_correction1, math.sqrt(bias_correction2)],
        dtype=dtype))


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
    scalars = _adam_scalars(k, param.dtype, lr, beta1, beta2, eps, weight_decay, step)
    return param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, scalars


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
    _adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s)


def _adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    """The equations of ``adam_update`` on checked arguments (shared with ``adam_update_multi``)."""
    g = grad + s.weight_decay * param if s.weight_decay != 0 else grad
    exp_avg += s.one_minus_beta1 * (g - exp_avg)
    exp_avg_sq *= s.beta2
    exp_avg_sq += s.one_minus_beta2 * g * g
    v_hat = exp_avg_sq
    if max_exp_avg_sq is not None:
        v_hat = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    denom = np.sqrt(v_hat) / s.bias_correction2_sqrt + s.eps
    param -= s.step_size * exp_avg / denom


# --------------------------------------------------------------------------- Adam, many parameters per call
# The optimizer updates every parameter of a group in one call, so the checks run once per
# step instead of once per parameter: ``adam_update``'s checks (dtype/shape/flags of 4-5
# arrays, pairwise np.may_share_memory, 5 scalars, AdamScalars) cost more than Numba's
# update of a mid-sized parameter. Here the scalars are checked once and each array costs a
# few attribute reads in a list comprehension (measured in benchmarks/README.md, section
# "Adam's argument checks").

_MULTI_NAMES = ("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")  # the lists, in argument order


def _first_bad_array(kernel, name, arrays, params, in_place):
    """Raise the error of the first array of list ``name`` that the fast test rejected
    (the detailed checks, with the index in the message)."""
    for i, (a, param) in enumerate(zip(arrays, params)):
        indexed = f"{name}[{i}]"
        if name != "param":
            _like(kernel, indexed, a, f"param[{i}]", param)
        elif _float_array(kernel, indexed, a).dtype != params[0].dtype:  # a param's shape is its own
            raise TypeError(f"{kernel}: {indexed} has dtype {a.dtype} but param[0] has dtype {params[0].dtype}; "
                            f"one call takes one dtype")
        if in_place:
            _in_place(kernel, indexed, a)


def _reject_shared_memory(kernel, lists):
    """``lists``: the prepared lists of arrays, in argument order. Raise a ValueError naming
    two arrays of the call whose bytes overlap; two grads may overlap (they are only read).

    Arrays whose memory belongs to different ndarrays cannot overlap, so only arrays that
    share an owner need comparing (none, usually) -- unless some array's memory comes from
    elsewhere (a buffer object, a raw pointer, a Numba allocation), which may alias any of
    them; then all are compared. The comparison: every array here is C-contiguous, so its
    bytes are [address, address + nbytes); sort by address and sweep, O(k log k), where
    np.may_share_memory on every pair would be O(k^2). (The owner test comes first because
    reading an address, ``a.ctypes.data``, costs far more than reading ``a.base``: measured
    in benchmarks/README.md, section "Adam's argument checks".)"""
    every = [a for arrays in lists for a in arrays]
    owners = [a if a.base is None else a.base for a in every]  # NumPy collapses a view's base to the owner
    ndarray = np.ndarray
    trusted = all([isinstance(owner, ndarray) and owner.base is None and owner.flags.owndata for owner in owners])
    if trusted and len(set(map(id, owners))) == len(owners):
        return
    counts = {}
    for owner in owners:
        counts[id(owner)] = counts.get(id(owner), 0) + 1
    n = len(lists[0])
    spans = []
    for j, (a, owner) in enumerate(zip(every, owners)):
        if a.nbytes and (not trusted or counts[id(owner)] > 1):
            address = a.ctypes.data
            spans.append((address, address + a.nbytes, _MULTI_NAMES[j // n], j % n))
    spans.sort()
    end_any = end_state = -1  # the furthest end so far of any array, of an array other than a grad
    last_any = last_state = None
    for span in spans:
        start, end, name, i = span
        other = (last_state if start < end_state else None) if name == "grad" else \
            (last_any if start < end_any else None)
        if other is not None:
            raise ValueError(f"{kernel}: {other[2]}[{other[3]}] and {name}[{i}] share memory; "
                             f"each must be its own array")
        if end > end_any:
            end_any, last_any = end, span
        if name != "grad" and end > end_state:
            end_state, last_state = end, span


def _adam_update_multi_args(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, lr, beta1, beta2, eps,
                            weight_decay, step):
    k = "adam_update_multi"
    lists = [params, grads, exp_avgs, exp_avg_sqs] + ([] if max_exp_avg_sqs is None else [max_exp_avg_sqs])
    for name, arrays in zip(_MULTI_NAMES, lists):
        if not isinstance(arrays, (list, tuple)):
            raise TypeError(f"{k}: {name}s must be a list of arrays (one per parameter), "
                            f"got {type(arrays).__name__}")
    n = len(params)
    for name, arrays in zip(_MULTI_NAMES[1:], lists[1:]):
        if len(arrays) != n:
            raise ValueError(f"{k}: got {len(arrays)} {name}s for {n} params; every list needs one array "
                             f"per parameter")
    scalars = _adam_scalars(k, _float_array(k, "param[0]", params[0]).dtype if n else _FLOAT_DTYPES[0],
                            lr, beta1, beta2, eps, weight_decay, step)
    if n == 0:
        return params, grads, exp_avgs, exp_avg_sqs, (), scalars
    dtype, ndarray = params[0].dtype, np.ndarray
    # flags.carray: C-contiguous, aligned and writeable
    if not all([isinstance(p, ndarray) and p.dtype == dtype and p.flags.carray for p in params]):
        _first_bad_array(k, "param", params, params, in_place=True)
    shapes = [p.shape for p in params]
    if not all([isinstance(g, ndarray) and g.dtype == dtype and g.shape == shape for g, shape in zip(grads, shapes)]):
        _first_bad_array(k, "grad", grads, params, in_place=False)
    for name, arrays in zip(_MULTI_NAMES[2:], lists[2:]):
        if not all([isinstance(a, ndarray) and a.dtype == dtype and a.shape == shape and a.flags.carray
                    for a, shape in zip(arrays, shapes)]):
            _first_bad_array(k, name, arrays, params, in_place=True)
    lists[1] = grads = [_input(g) for g in grads]  # a new list: the caller's is not modified
    _reject_shared_memory(k, lists)
    if max_exp_avg_sqs is None:
        max_exp_avg_sqs = (None,) * n  # the implementations zip over it
    return params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, scalars


def adam_update_multi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, s):
    """``adam_update`` on many parameters with one step: for every i, the update of
    ``params[i]`` with ``grads[i]``, ``exp_avgs[i]``, ``exp_avg_sqs[i]`` and
    ``max_exp_avg_sqs[i]``, bit for bit what ``adam_update`` gives it.

    Called as ``adam_update_multi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
    lr, beta1, beta2, eps, weight_decay, step)``: lists of arrays, one per parameter, of
    one dtype (``max_exp_avg_sqs`` None or a list), and scalars shared by all of them --
    one ``step`` too, so an optimizer calls it once per step count (PyTorch keeps one per
    parameter: a parameter that had no gradient on some step is behind). The arguments are
    checked once per call, and no array may share memory with another (two grads may).
    Returns None."""
    each_parameter(_adam_step)(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, s)


def each_parameter(update_one):
    """The body of ``adam_update_multi`` for a backend whose one-parameter update is
    ``update_one(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s)``: the arguments
    were checked once, for every parameter, so each backend only loops."""
    def update_all(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, s):
        for arrays in zip(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs):
            update_one(*arrays, s)
    return update_all


# --------------------------------------------------------------------------- registrations
# 'auto' takes the first available backend of each ``prefer`` order. The numbers are
# microseconds per call, float32, with the checks, from benchmarks/bench_elementwise_kernels.py
# on the 2-core x86_64 (AVX-512) dev machine, C built with csrc/build_ffi.py's flags.
# Those flags leave GCC's loops scalar here: a float comparison may trap (-ftrapping-math)
# so `x > 0 ? x : s x` stays a mispredicted branch, and sqrt may set errno. Built with
# -fno-trapping-math -fno-math-errno (same results), C vectorizes: leaky_relu 110 at 1e6,
# Adam 17 vs numpy 26 at 16k and 1060 vs 1480 at 1e6, so C should then lead adam_update.
for _reference, _check, _guard, _prefer in (
        # numba 2.3 vs C 8.4 vs numpy 12 at 16k; 74 vs 5800 vs 7500 at 1e6 (LLVM vectorizes the select)
        (leaky_relu_forward, _leaky_relu_forward_args, guards.same_arrays, ("numba", "c", "numpy")),
        # numba 2.9 vs C 8.6 vs numpy 14 at 16k; 104 vs 4500 vs 7800 at 1e6
        (leaky_relu_backward, _leaky_relu_backward_args, guards.same_arrays, ("numba", "c", "numpy")),
        # numpy 34 vs numba 292 vs C 331 at 16k; 4800 vs 13000 vs 14000 at 1e6: NumPy's exp and log1p
        # are SIMD, the libm calls of numba and C are scalar. (At 64 logits all take ~3.)
        (bce_with_logits_forward, _bce_with_logits_forward_args, guards.same_arrays, ("numpy", "numba", "c")),
        # numpy 27 vs numba 47 vs C 95 at 16k, 78 vs 140 vs 400 at 50k; numba leads only at 1e6
        # (2900 vs 4900), larger than any BCE in a GAN (a batch of logits: 64 takes ~2-4 on all).
        (bce_with_logits_backward, _bce_with_logits_backward_args, guards.same_arrays, ("numpy", "numba", "c")),
        # numba 3.3 vs numpy 24 vs C 46 at 16k; 35 vs 232 vs 490 at 200k: one SIMD pass once numba's
        # loop has error_model="numpy" (see elementwise_numba.py); C's sqrt and division stay scalar
        # under the build flags above, and NumPy makes ~12 passes over the arrays.
        (adam_update, _adam_update_args, guards.adam_update, ("numba", "numpy", "c")),
        (adam_update_multi, _adam_update_multi_args, guards.adam_update_multi, ("numba", "numpy", "c"))):
    _name = _reference.__name__
    register(_name, _reference, check=_check, guard=_guard, prefer=_prefer,
             numba=f"npgan.kernels.elementwise_numba:{_name}", c=f"npgan.kernels.elementwise_c:{_name}")
del _reference, _check, _guard, _prefer, _name
