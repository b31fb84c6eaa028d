"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``; the update of each parameter runs
in the ``adam_update`` kernel (C / Numba / NumPy, see ``npgan.kernels.elementwise``):

    g     = grad + weight_decay * param
    m     = beta1 m + (1 - beta1) g               exp_avg
    v     = beta2 v + (1 - beta2) g^2             exp_avg_sq
    v_max = max(v_max, v), used instead of v      amsgrad (Reddi et al., 2018)
    param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

(the two divisions by 1 - beta^t are the bias corrections of the zero-initialized averages).
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

    def update(self, param, grad, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros(param.shape, dtype=param.dtype)
            state["exp_avg_sq"] = np.zeros(param.shape, dtype=param.dtype)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros(param.shape, dtype=param.dtype)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        kernel("adam_update")(param.data, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"),
                              group["lr"], beta1, beta2, group["eps"], group["weight_decay"], state["step"])
