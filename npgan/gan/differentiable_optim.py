"""SGD and Adam steps written with ops on Tensors, so that a step is a node of the graph:
``new_params = step(params, grads)`` with ``grads`` from ``grad(..., create_graph=True)``
lets a later gradient flow *through* the optimizer's update. The unrolled GAN
(``npgan.gan.unrolled``) differentiates G's loss through k such steps of D.

The equations and their order of operations are those of ``npgan.optim.SGD`` and
``npgan.optim.Adam`` (whose updates run in place on arrays and are not differentiable),
so k steps here give the parameters k real optimizer steps give (tested to 1e-15):

    SGD    g = grad + weight_decay param
           b = g (first step), else b = momentum b + (1 - dampening) g
           g = g + momentum b (nesterov), or g = b;      param = param - lr g
    Adam   g = grad + weight_decay param
           m = m + (1 - beta1) (g - m)        v = beta2 v + (1 - beta2) g g
           v_hat = max(v_max, v) (amsgrad), or v
           param = param - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)

``from_optimizer(opt, params)`` starts from a live optimizer: its hyper-parameters (per
parameter group) and a copy of its state (momentum buffers; Adam's m, v and step count t),
which enter the graph as constants. The optimizer itself is not changed.

One detail of the Adam graph: d sqrt(v)/dv is infinite at v = 0, which occurs on the first
step for an entry whose gradient is exactly 0 (a dead ReLU). There sqrt(v) = sqrt(1 - beta2) |g|
has a kink, and ``_sqrt_zero_safe`` gives it the derivative 0 (the subgradient PyTorch's abs
takes), so the update's derivative in g there is the exact one, lr / eps for the first step's
lr g / (|g| + eps), instead of 0 * inf = nan.
"""
import math

import numpy as np

from ..autograd.tensor import Tensor
from ..ops import maximum, sqrt, where
from ..optim import SGD, Adam


def _sqrt_zero_safe(v):
    """sqrt(v) for v >= 0 whose derivative at v = 0 is 0 instead of infinite."""
    positive = v.data > 0  # locally constant mask
    one = Tensor(np.ones((), dtype=v.dtype))
    zero = Tensor(np.zeros((), dtype=v.dtype))
    return where(positive, sqrt(where(positive, v, one)), zero)


def _constant(array):
    return None if array is None else Tensor(np.array(array, copy=True))


class DifferentiableSGD:
    """``npgan.optim.SGD``'s update on Tensors; ``groups[i]`` holds parameter i's
    hyper-parameters (lr, momentum, dampening, weight_decay, nesterov) and ``buffers[i]``
    its momentum buffer (a Tensor, or None before its first step)."""

    def __init__(self, groups, buffers=None):
        self.groups = list(groups)
        self.buffers = list(buffers) if buffers is not None else [None] * len(self.groups)

    @classmethod
    def from_optimizer(cls, optimizer, params):
        groups = _groups_of(optimizer, params)
        return cls(groups, [_constant(optimizer.state.get(p, {}).get("momentum_buffer")) for p in params])

    def step(self, params, grads):
        """The updated parameters (Tensors in the graph); a parameter whose gradient is
        None is left as it is, as the optimizer skips it."""
        new_params = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                new_params.append(p)
                continue
            h = self.groups[i]
            if h["weight_decay"] != 0:
                g = g + h["weight_decay"] * p
            if h["momentum"] != 0:
                b = self.buffers[i]
                b = g if b is None else h["momentum"] * b + (1 - h["dampening"]) * g
                self.buffers[i] = b
                g = g + h["momentum"] * b if h["nesterov"] else b
            new_params.append(p - h["lr"] * g)
        return new_params


class DifferentiableAdam:
    """``npgan.optim.Adam``'s update on Tensors; ``groups[i]`` holds parameter i's
    hyper-parameters (lr, betas, eps, weight_decay, amsgrad) and ``states[i]`` its state
    {"step": t, "exp_avg": m, "exp_avg_sq": v[, "max_exp_avg_sq": v_max]} (Tensors), or
    None before its first step."""

    def __init__(self, groups, states=None):
        self.groups = list(groups)
        self.states = list(states) if states is not None else [None] * len(self.groups)

    @classmethod
    def from_optimizer(cls, optimizer, params):
        states = []
        for p in params:
            state = optimizer.state.get(p)
            states.append(None if not state else
                          {k: (v if k == "step" else _constant(v)) for k, v in state.items()})
        return cls(_groups_of(optimizer, params), states)

    def step(self, params, grads):
        """The updated parameters (Tensors in the graph); a parameter whose gradient is
        None is left as it is (and its step count not advanced), as the optimizer does."""
        new_params = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                new_params.append(p)
                continue
            h = self.groups[i]
            beta1, beta2 = h["betas"]
            state = self.states[i]
            if state is None:
                zeros = np.zeros(p.shape, dtype=p.dtype)
                state = {"step": 0, "exp_avg": Tensor(zeros), "exp_avg_sq": Tensor(zeros)}
                if h["amsgrad"]:
                    state["max_exp_avg_sq"] = Tensor(zeros)
            t = state["step"] + 1
            if h["weight_decay"] != 0:
                g = g + h["weight_decay"] * p
            m = state["exp_avg"] + (1.0 - beta1) * (g - state["exp_avg"])
            v = state["exp_avg_sq"] * beta2 + (1.0 - beta2) * g * g
            new_state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
            v_hat = v
            if "max_exp_avg_sq" in state:
                v_hat = new_state["max_exp_avg_sq"] = maximum(state["max_exp_avg_sq"], v)
            self.states[i] = new_state
            step_size = h["lr"] / (1.0 - beta1 ** t)
            bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** t)
            denom = _sqrt_zero_safe(v_hat) / bias_correction2_sqrt + h["eps"]
            new_params.append(p - step_size * m / denom)
        return new_params


def _groups_of(optimizer, params):
    """The hyper-parameters (a param group without its "params") of each of ``params``."""
    group_of = {id(p): group for group in optimizer.param_groups for p in group["params"]}
    missing = [i for i, p in enumerate(params) if id(p) not in group_of]
    if missing:
        raise ValueError(f"{type(optimizer).__name__}: params {missing} are not in the optimizer's groups")
    return [{k: v for k, v in group_of[id(p)].items() if k != "params"} for p in params]


def differentiable_optimizer(optimizer, params):
    """The differentiable twin of ``optimizer`` (an ``npgan.optim.SGD`` or ``Adam``) over
    ``params``, starting from its hyper-parameters and a copy of its state."""
    if isinstance(optimizer, Adam):
        return DifferentiableAdam.from_optimizer(optimizer, params)
    if isinstance(optimizer, SGD):
        return DifferentiableSGD.from_optimizer(optimizer, params)
    raise TypeError(f"differentiable_optimizer: only SGD and Adam can be unrolled, got {type(optimizer).__name__}")
