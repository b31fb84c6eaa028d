"""Softmax cross-entropy, composed of npgan ops (so it has gradients of every order).

For logits x (N, K) and integer targets t (N,):
    log_softmax(x)_k = x_k - m - log sum_j exp(x_j - m),   m = max_j x_j
    cross_entropy    = -(1/N) sum_n log_softmax(x_n)_{t_n}
Subtracting m keeps every exp(.) <= 1, so logits in the thousands stay finite. The
result does not depend on m (shift every x_j by m and the log-sum shifts by m too), so m
is taken as a constant: its gradient would be (-1 + 1) = 0 anyway.
The gradient is the familiar d cross_entropy / dx_nk = (softmax(x_n)_k - [k = t_n]) / N.
"""
import numpy as np

from ..autograd.tensor import Tensor
from ..ops import exp, log, sum


def _check_logits(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")


def log_softmax(input, dim=-1):
    """log(softmax(input)) along ``dim``, as ``torch.log_softmax``."""
    _check_logits(input, "log_softmax")
    m = Tensor(input.data.max(axis=dim, keepdims=True))  # a constant shift, see the module docstring
    shifted = input - m
    return shifted - log(sum(exp(shifted), dim, keepdim=True))


def cross_entropy(input, target, reduction="mean"):
    """Softmax cross-entropy between logits ``input`` (N, K) and class indices ``target`` (N,),
    as ``torch.nn.functional.cross_entropy``; ``reduction`` is "mean", "sum" or "none"."""
    _check_logits(input, "cross_entropy")
    t = np.asarray(getattr(target, "data", target))
    if input.ndim != 2 or t.shape != input.shape[:1] or t.dtype.kind not in "iu":
        raise ValueError(f"cross_entropy: input must be logits (N, K) and target integers (N,), "
                         f"got input {input.shape} and target {t.dtype} {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= input.shape[1]):
        raise ValueError(f"cross_entropy: targets must lie in [0, {input.shape[1]}), found {t.min()}..{t.max()}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    one_hot = Tensor(np.eye(input.shape[1], dtype=input.dtype)[t])
    loss = -sum(one_hot * log_softmax(input, dim=1), 1)
    if reduction == "mean":
        return sum(loss) / float(len(t))
    return sum(loss) if reduction == "sum" else loss
