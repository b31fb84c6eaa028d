"""The elementwise kernels in C (``csrc/elementwise.c``), called through cffi.

The definitions, equations and argument checks live in ``elementwise.py``; the registry
runs the check, and the guard (``guards.py``) before every call, so each function here
receives C-contiguous, aligned arrays of one float dtype and one shape, and scalars
already in that dtype. The C loops see a
pointer and an element count, whatever the shape.
"""
import numpy as np

from npgan._C import ffi, lib

from .elementwise import each_parameter

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C_ARRAY = {_F32: "float[]", _F64: "double[]"}


def _by_dtype(name):
    """The float and double versions of C function ``npgan_<name>_f32/_f64``, keyed by dtype."""
    return {_F32: getattr(lib, f"npgan_{name}_f32"), _F64: getattr(lib, f"npgan_{name}_f64")}


def _ptr(a):
    """A C pointer to the data of the contiguous array ``a`` (kept alive by the caller)."""
    return ffi.from_buffer(_C_ARRAY[a.dtype], a)


_LEAKY_RELU_FORWARD = _by_dtype("leaky_relu_forward")
_LEAKY_RELU_BACKWARD = _by_dtype("leaky_relu_backward")
_BCE_WITH_LOGITS_FORWARD = _by_dtype("bce_with_logits_forward")
_BCE_WITH_LOGITS_BACKWARD = _by_dtype("bce_with_logits_backward")
_ADAM_UPDATE = _by_dtype("adam_update")


def leaky_relu_forward(x, negative_slope):
    y = np.empty_like(x)
    _LEAKY_RELU_FORWARD[x.dtype](_ptr(x), _ptr(y), negative_slope, x.size)
    return y


def leaky_relu_backward(x, gy, negative_slope):
    gx = np.empty_like(x)
    _LEAKY_RELU_BACKWARD[x.dtype](_ptr(x), _ptr(gy), _ptr(gx), negative_slope, x.size)
    return gx


def bce_with_logits_forward(x, t):
    loss = np.empty_like(x)
    _BCE_WITH_LOGITS_FORWARD[x.dtype](_ptr(x), _ptr(t), _ptr(loss), x.size)
    return loss


def bce_with_logits_backward(x, t, gy):
    gx = np.empty_like(x)
    _BCE_WITH_LOGITS_BACKWARD[x.dtype](_ptr(x), _ptr(t), _ptr(gy), _ptr(gx), x.size)
    return gx


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    _adam_update_one(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s)


def _adam_update_one(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s):
    amsgrad_state = ffi.NULL if max_exp_avg_sq is None else _ptr(max_exp_avg_sq)
    _ADAM_UPDATE[param.dtype](_ptr(param), _ptr(grad), _ptr(exp_avg), _ptr(exp_avg_sq), amsgrad_state,
                              s.one_minus_beta1, s.beta2, s.one_minus_beta2, s.eps, s.weight_decay,
                              s.step_size, s.bias_correction2_sqrt, param.size)


# one C call per parameter; the checks ran once, for all of them
adam_update_multi = each_parameter(_adam_update_one)
