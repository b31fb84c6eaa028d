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
parameter group) and a copy of its state (momentum buffers; Adam's m, v and step count t).
The state and the lr are read by ops (``npgan.gan.optimizer_values``), so a captured step
reads them again at each replay; they enter the graph as constants (no gradient flows into
them). The step count and the lr are float64 0-d Tensors: the bias corrections are computed
in double, as the optimizer's kernel does (with NumPy's power, which can differ from the
kernel's Python ``**`` in the last bit), and cast to the parameter's dtype where they meet
it. The optimizer itself is not changed.

One detail of the Adam graph: d sqrt(v)/dv is infinite at v = 0, which occurs on the first
step for an entry whose gradient is exactly 0 (a dead ReLU). There sqrt(v) = sqrt(1 - beta2) |g|
has a kink, and ``_sqrt_zero_safe`` gives it the derivative 0 (the subgradient PyTorch's abs
takes), so the update's derivative in g there is the exact one, lr / eps for the first step's
lr g / (|g| + eps), instead of 0 * inf = nan.
"""
import numpy as np

from ..autograd.tensor import Tensor
from ..ops import cast, maximum, sqrt, where
from ..optim import SGD, Adam
from .optimizer_values import group_value, state_value


def _sqrt_zero_safe(v):
    """sqrt(v) for v >= 0 whose derivative at v = 0 is 0 instead of infinite."""
    positive = v > 0  # locally constant mask
    one = Tensor(np.ones((), dtype=v.dtype))
    zero = Tensor(np.zeros((), dtype=v.dtype))
    return where(positive, sqrt(where(positive, v, one)), zero)


class DifferentiableSGD:
    """``npgan.optim.SGD``'s update on Tensors; ``groups[i]`` holds parameter i's
    hyper-parameters (lr as a 0-d Tensor, momentum, dampening, weight_decay, nesterov) and
    ``buffers[i]`` its momentum buffer (a Tensor, or None before its first step)."""

    def __init__(self, groups, buffers=None):
        self.groups = list(groups)
        self.buffers = list(buffers) if buffers is not None else [None] * len(self.groups)

    @classmethod
    def from_optimizer(cls, optimizer, params):
        buffers = [state_value(optimizer, p, "momentum_buffer") if "momentum_buffer" in optimizer.state.get(p, {})
                   else None for p in params]
        return cls(_groups_of(optimizer, params), buffers)

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
            new_params.append(p - cast(h["lr"], p.dtype) * g)
        return new_params


class DifferentiableAdam:
    """``npgan.optim.Adam``'s update on Tensors; ``groups[i]`` holds parameter i's
    hyper-parameters (lr as a 0-d Tensor, betas, eps, weight_decay, amsgrad) and ``states[i]``
    its state {"step": t, "exp_avg": m, "exp_avg_sq": v[, "max_exp_avg_sq": v_max]} (Tensors;
    t a float64 0-d one), or None before its first step."""

    def __init__(self, groups, states=None):
        self.groups = list(groups)
        self.states = list(states) if states is not None else [None] * len(self.groups)

    @classmethod
    def from_optimizer(cls, optimizer, params):
        states = [{k: state_value(optimizer, p, k) for k in optimizer.state[p]} if optimizer.state.get(p) else None
                  for p in params]
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
                state = {"step": Tensor(np.zeros(())), "exp_avg": Tensor(zeros), "exp_avg_sq": Tensor(zeros)}
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
            step_size = cast(h["lr"] / (1.0 - beta1 ** t), p.dtype)
            bias_correction2_sqrt = cast(sqrt(1.0 - beta2 ** t), p.dtype)
            denom = _sqrt_zero_safe(v_hat) / bias_correction2_sqrt + h["eps"]
            new_params.append(p - step_size * m / denom)
        return new_params


def _groups_of(optimizer, params):
    """The hyper-parameters (a param group without its "params") of each of ``params``,
    the lr read by an op (a scheduler changes it between steps)."""
    index_of = {id(p): j for j, group in enumerate(optimizer.param_groups) for p in group["params"]}
    missing = [i for i, p in enumerate(params) if id(p) not in index_of]
    if missing:
        raise ValueError(f"{type(optimizer).__name__}: params {missing} are not in the optimizer's groups")
    lrs = [group_value(optimizer, j, "lr") for j in range(len(optimizer.param_groups))]
    return [{**{k: v for k, v in optimizer.param_groups[j].items() if k != "params"}, "lr": lrs[j]}
            for j in (index_of[id(p)] for p in params)]


def differentiable_optimizer(optimizer, params):
    """The differentiable twin of ``optimizer`` (an ``npgan.optim.SGD`` or ``Adam``) over
    ``params``, starting from its hyper-parameters and a copy of its state."""
    if isinstance(optimizer, Adam):
        return DifferentiableAdam.from_optimizer(optimizer, params)
    if isinstance(optimizer, SGD):
        return DifferentiableSGD.from_optimizer(optimizer, params)
    raise TypeError(f"differentiable_optimizer: only SGD and Adam can be unrolled, got {type(optimizer).__name__}")
