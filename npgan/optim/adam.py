"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``; the update runs in the
``adam_update_multi`` kernel (C / Numba / NumPy, see ``npgan.kernels.elementwise``):

    g     = grad + weight_decay * param
    m     = beta1 m + (1 - beta1) g               exp_avg
    v     = beta2 v + (1 - beta2) g^2             exp_avg_sq
    v_max = max(v_max, v), used instead of v      amsgrad (Reddi et al., 2018)
    param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

(the two divisions by 1 - beta^t are the bias corrections of the zero-initialized averages).

``step`` makes one kernel call per parameter group (one per step count and dtype when
they differ), not one ``adam_update`` call per parameter: the argument checks then run
once per group, where on a small parameter they cost more than the update itself
(measured in benchmarks/README.md, section "Adam's argument checks"). The numbers are the
same, bit for bit.
"""
import numpy as np

from ..kernels import kernel
from .optimizer import Optimizer, check_range


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def check_hyperparameters(self, group):
        check_range("Adam", "lr", group["lr"])
        # eps > 0 (PyTorch allows 0): the kernel divides by sqrt(v) + eps
        check_range("Adam", "eps", group["eps"], low_open=True)
        check_range("Adam", "weight_decay", group["weight_decay"])
        if len(group["betas"]) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {group['betas']!r}")
        for i, beta in enumerate(group["betas"]):
            check_range("Adam", f"beta parameter at index {i}", beta, high=1.0)

    def update_group(self, params, group):
        """One Adam step of ``params`` (the parameters of ``group`` that have a gradient).

        Each parameter keeps its own ``state["step"]``, as in PyTorch: one that had no
        gradient on an earlier step is behind the others, and its bias corrections differ.
        The parameters are batched by (step, dtype, whether the state has AMSGrad's
        ``max_exp_avg_sq``), one kernel call per batch; a step count is advanced only once
        its update has been done, so a rejected call leaves the states consistent."""
        amsgrad = group["amsgrad"]
        batches = {}  # (step, dtype, amsgrad state) -> [states, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs]
        for p in params:
            param = p.data
            state = self.state.get(p)
            if not state:
                state = self.state[p] = {"step": 0, "exp_avg": np.zeros(param.shape, dtype=param.dtype),
                                         "exp_avg_sq": np.zeros(param.shape, dtype=param.dtype)}
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros(param.shape, dtype=param.dtype)
            max_exp_avg_sq = state.get("max_exp_avg_sq")
            key = (state["step"] + 1, param.dtype, max_exp_avg_sq is not None)
            batch = batches.get(key)
            if batch is None:
                batch = batches[key] = [[], [], [], [], [], None if max_exp_avg_sq is None else []]
            batch[0].append(state)
            batch[1].append(param)
            batch[2].append(p.grad.data)
            batch[3].append(state["exp_avg"])
            batch[4].append(state["exp_avg_sq"])
            if max_exp_avg_sq is not None:
                batch[5].append(max_exp_avg_sq)
        beta1, beta2 = group["betas"]
        update = kernel("adam_update_multi")
        for (step, _, _), (states, *arrays) in batches.items():
            update(*arrays, group["lr"], beta1, beta2, group["eps"], group["weight_decay"], step)
            for state in states:
                state["step"] = step
