"""Gradient reversal (Ganin and Lempitsky, 2015; Ganin et al., 2016): the identity going
forward, the gradient times -lambda going back.

    R_lambda(x) = x,        dR_lambda / dx = -lambda I

It is not the derivative of any function (the identity's is I); it is a rule the backward
pass follows. Put between a feature extractor G_f and a domain classifier G_d, one
minimization of L_y + L_d(G_d(R_lambda(G_f(x)))) does what seed 004's saddle point asks:
G_d descends L_d, while G_f receives -lambda dL_d/dtheta_f and so ascends it,

    theta_f <- theta_f - mu (dL_y/dtheta_f - lambda dL_d/dtheta_f)

The backward is written with an op (gy * -lambda), so it is itself differentiable: the
backward of the backward multiplies by -lambda too, and gradients of gradients through a
reversal (``create_graph=True``) come out reversed as well.
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ._util import check_tensor


class GradReverse(Function):
    """y = x;  dx = -lambda gy."""

    def __init__(self, lambda_):
        self.lambda_ = lambda_

    def forward(self, x):
        return x.copy()  # a new array: an in-place write to y must not change x

    def backward(self, gy):
        return gy * -self.lambda_


def grad_reverse(x, lambda_=1.0):
    """``x`` unchanged; in the backward pass the gradient reaching ``x`` is -``lambda_`` times
    the gradient of the output. ``lambda_`` is a finite real number (0 blocks the gradient,
    -1 makes the op an ordinary identity)."""
    check_tensor(x, "grad_reverse")
    if isinstance(lambda_, bool) or not isinstance(lambda_, numbers.Real):
        raise TypeError(f"grad_reverse: lambda_ must be a real number, got {type(lambda_).__name__} {lambda_!r}")
    if not np.isfinite(lambda_):
        raise ValueError(f"grad_reverse: lambda_ must be finite, got {lambda_}")
    return GradReverse(float(lambda_))(x)
