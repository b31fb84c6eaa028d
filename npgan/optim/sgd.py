"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    g = grad + weight_decay * param
    momentum: b = g on the first step, else b = momentum * b + (1 - dampening) * g
              g = g + momentum * b  (nesterov)   or   g = b
    param = param - lr * g
"""
from .optimizer import Optimizer, check_range


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def check_hyperparameters(self, group):
        for name in ("lr", "momentum", "weight_decay"):
            check_range("SGD", name, group[name])
        check_range("SGD", "dampening", group["dampening"], low=-float("inf"))
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def update(self, param, grad, state, group):
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param.data -= group["lr"] * grad
