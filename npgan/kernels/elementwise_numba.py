"""The elementwise kernels as Numba loops.

The definitions, equations and argument checks live in ``elementwise.py``; the registry
runs the check, and the guard (``guards.py``) before every call, so each public function
here receives C-contiguous arrays of one float dtype and one shape, and scalars already
in that dtype. The loops run over the flat
views (``reshape(-1)`` of a contiguous array is a view), so one compiled loop per dtype
serves every shape. Constants are made in the array dtype (``x.dtype.type(1)``): a bare
literal would promote float32 arithmetic to float64.
"""
import numba
import numpy as np

from .elementwise import each_parameter


@numba.njit(cache=True)
def _leaky_relu_forward_loop(x, y, negative_slope):
    for i in range(x.size):
        y[i] = x[i] if x[i] > 0 else negative_slope * x[i]


@numba.njit(cache=True)
def _leaky_relu_backward_loop(x, gy, gx, negative_slope):
    for i in range(x.size):
        gx[i] = gy[i] if x[i] > 0 else negative_slope * gy[i]


@numba.njit(cache=True)
def _bce_with_logits_forward_loop(x, t, loss):
    zero = x.dtype.type(0)
    for i in range(x.size):
        positive_part = x[i] if x[i] > 0 else zero
        loss[i] = positive_part - x[i] * t[i] + np.log1p(np.exp(-abs(x[i])))


@numba.njit(cache=True)
def _bce_with_logits_backward_loop(x, t, gy, gx):
    one = x.dtype.type(1)
    for i in range(x.size):
        e = np.exp(-abs(x[i]))
        sigmoid = (one if x[i] >= 0 else e) / (one + e)
        gx[i] = gy[i] * (sigmoid - t[i])


# error_model="numpy": a float division by zero gives inf/nan as in NumPy, instead of
# Numba's default Python semantics (a ZeroDivisionError check on every division). The
# check is a branch in the loop body that keeps LLVM from vectorizing it; without it the
# loop runs in SIMD, several times faster than the NumPy reference (measured in
# benchmarks/README.md, section "Numba's Adam loop without the division check"). Division and
# sqrt stay correctly rounded (no fastmath), so the numbers are those of the reference.
@numba.njit(cache=True, error_model="numpy")
def _adam_update_loop(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, one_minus_beta1, beta2,
                      one_minus_beta2, eps, weight_decay, step_size, bias_correction2_sqrt):
    for i in range(param.size):
        g = grad[i] + weight_decay * param[i] if weight_decay != 0 else grad[i]
        exp_avg[i] = exp_avg[i] + one_minus_beta1 * (g - exp_avg[i])
        exp_avg_sq[i] = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g
        v_hat = exp_avg_sq[i]
        if amsgrad:
            # np.maximum(v_max, v) bit for bit: a NaN in either stays NaN; of equal values, v
            v_hat = max_exp_avg_sq[i] if max_exp_avg_sq[i] > v_hat or np.isnan(max_exp_avg_sq[i]) else v_hat
            max_exp_avg_sq[i] = v_hat
        denom = np.sqrt(v_hat) / bias_correction2_sqrt + eps
        param[i] = param[i] - step_size * exp_avg[i] / denom


def leaky_relu_forward(x, negative_slope):
    y = np.empty_like(x)
    _leaky_relu_forward_loop(x.reshape(-1), y.reshape(-1), negative_slope)
    return y


def leaky_relu_backward(x, gy, negative_slope):
    gx = np.empty_like(x)
    _leaky_relu_backward_loop(x.reshape(-1), gy.reshape(-1), gx.reshape(-1), negative_slope)
    return gx


def bce_with_logits_forward(x, t):
    loss = np.empty_like(x)
    _bce_with_logits_forward_loop(x.reshape(-1), t.reshape(-1), loss.reshape(-1))
    return loss


def bce_with_logits_backward(x, t, gy):
    gx = np.empty_like(x)
    _bce_with_logits_backward_loop(x.reshape(-1), t.reshape(-1), gy.reshape(-1), gx.reshape(-1))
    return gx


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    _adam_update_one(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s)


def _adam_update_one(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    amsgrad = max_exp_avg_sq is not None
    # Without AMSGrad the loop still needs an array of the right type there; it is never read.
    max_state = max_exp_avg_sq if amsgrad else exp_avg_sq
    _adam_update_loop(param.reshape(-1), grad.reshape(-1), exp_avg.reshape(-1), exp_avg_sq.reshape(-1),
                      max_state.reshape(-1), amsgrad, s.one_minus_beta1, s.beta2, s.one_minus_beta2, s.eps,
                      s.weight_decay, s.step_size, s.bias_correction2_sqrt)


# one compiled call per parameter; the checks ran once, for all of them
adam_update_multi = each_parameter(_adam_update_one)
