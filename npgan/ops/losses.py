"""Losses: binary cross-entropy with logits (fused, stable), mean squared error and L1.

BCE with logits, per element, for logit x and target t:
    l(x, t) = -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]
            = max(x, 0) - x t + log(1 + e^-|x|)          (never exponentiates a large number)
    dl/dx   = sigmoid(x) - t,   dl/dt = -x.
The forward and the gradient are fused C/Numba kernels; the gradient is itself an op
(``BCEWithLogitsGrad``) whose backward is written with ops, so the loss has every order.
MSE (x - t)^2 and L1 |x - t| are compositions of ops; L1's gradient sign(x - t) is
locally constant, so its second derivative is zero wherever x != t.
"""
from ..autograd.function import Function
from ..kernels import kernel
from ._util import as_tensor, check_tensor
from .activations import sigmoid
from .elementwise import abs
from .reductions import mean, sum

_REDUCTIONS = ("mean", "sum", "none")


class BCEWithLogits(Function):
    """Elementwise l(x, t);  dx = BCEWithLogitsGrad(x, t, gy), dt = -gy x."""

    def forward(self, x, t):
        return kernel("bce_with_logits_forward")(x, t)

    def backward(self, gy):
        x, t = self.inputs
        gx = BCEWithLogitsGrad()(x, t, gy) if self.needs_input_grad[0] else None
        gt = -gy * x if self.needs_input_grad[1] else None
        return gx, gt


class BCEWithLogitsGrad(Function):
    """g = gy (sigmoid(x) - t). Its gradients: dx = ggx gy sigmoid(x)(1 - sigmoid(x)),
    dt = -ggx gy, dgy = ggx (sigmoid(x) - t) = BCEWithLogitsGrad(x, t, ggx)."""

    def forward(self, x, t, gy):
        return kernel("bce_with_logits_backward")(x, t, gy)

    def backward(self, ggx):
        x, t, gy = self.inputs
        need = self.needs_input_grad
        if need[0]:
            s = sigmoid(x)
            gx = ggx * gy * s * (1.0 - s)
        else:
            gx = None
        gt = -(ggx * gy) if need[1] else None
        ggy = BCEWithLogitsGrad()(x, t, ggx) if need[2] else None
        return gx, gt, ggy


def _reduce(loss, reduction, op):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_pair(input, target, op):
    check_tensor(input, op)
    target = as_tensor(target, input, op)
    if target.shape != input.shape:
        raise ValueError(f"{op}: target shape {target.shape} differs from input shape {input.shape}")
    if target.dtype != input.dtype:
        raise TypeError(f"{op}: target dtype {target.dtype} differs from input dtype {input.dtype}")
    return target


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean"):
    """Mean (or sum, or per-element) BCE between ``sigmoid(input)`` and ``target``,
    computed from logits so |input| in the thousands stays finite. ``weight``
    rescales each element (broadcast), as in PyTorch."""
    target = _check_pair(input, target, "binary_cross_entropy_with_logits")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"binary_cross_entropy_with_logits: reduction must be one of {_REDUCTIONS}, "
                         f"got {reduction!r}")
    loss = BCEWithLogits()(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def mse_loss(input, target, reduction="mean"):
    """Mean (or sum, or per-element) of (input - target)^2."""
    target = _check_pair(input, target, "mse_loss")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """Mean (or sum, or per-element) of |input - target|, as ``torch.nn.functional.l1_loss``:
    pix2pix's reconstruction term E ||y - G(x)||_1 (Isola et al., 2017, eq. 3)."""
    target = _check_pair(input, target, "l1_loss")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"l1_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return _reduce(abs(input - target), reduction, "l1_loss")
