"""RMSprop (Hinton, lecture 6e; Graves, 2013 for ``centered``), as ``torch.optim.RMSprop``:

    g   = grad + weight_decay * param
    s   = alpha s + (1 - alpha) g^2                      square_avg
    centered: a = alpha a + (1 - alpha) g                grad_avg
              avg = sqrt(s - a^2) + eps
    else:     avg = sqrt(s) + eps
    momentum > 0: b = momentum b + g / avg,  param = param - lr b
    else:         param = param - lr g / avg
"""
import numpy as np

from .optimizer import Optimizer, check_range


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def check_hyperparameters(self, group):
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check_range("RMSprop", name, group[name])

    def update(self, param, grad, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros(param.shape, dtype=param.dtype)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros(param.shape, dtype=param.dtype)
            if group["centered"]:
                state["grad_avg"] = np.zeros(param.shape, dtype=param.dtype)
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.data
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param.data -= group["lr"] * buf
        else:
            param.data -= group["lr"] * (grad / avg)
