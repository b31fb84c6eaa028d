"""The differentiable ops, grouped by kind. Every op here is a ``Function`` (or a
composition of them) whose backward is written with these same ops."""
from .activations import leaky_relu, relu, sigmoid, softplus, tanh
from .elementwise import abs, add, cast, clamp, div, exp, log, maximum, minimum, mul, neg, pow, sqrt, sub, where
from .linalg import linear, matmul
from .losses import binary_cross_entropy_with_logits, l1_loss, mse_loss
from .reductions import amax, amin, max, mean, min, sum, var
from .shape import (broadcast_to, cat, flatten, getitem, permute, reshape, squeeze, stack, sum_to, transpose,
                    unsqueeze)
from . import tensor_methods  # noqa: F401  (attaches operators to Tensor)

__all__ = ["abs", "add", "amax", "amin", "binary_cross_entropy_with_logits", "broadcast_to", "cast", "cat", "clamp",
           "div", "exp", "flatten", "getitem", "l1_loss", "leaky_relu", "linear", "log", "matmul", "max", "maximum", "mean",
           "min", "minimum", "mse_loss", "mul", "neg", "pow", "relu", "reshape", "permute", "sigmoid", "softplus",
           "sqrt", "squeeze", "stack", "sub", "sum", "sum_to", "tanh", "transpose", "unsqueeze", "var", "where"]

# domain-adversarial training's identity with a reversed gradient (seed 004)
from .gradient_reversal import grad_reverse  # noqa: E402
__all__ += ["grad_reverse"]
