"""Learning-rate schedules with the names and semantics of ``torch.optim.lr_scheduler``.

A scheduler owns a step counter ``last_epoch`` and sets every parameter group's ``lr`` to
``initial_lr * factor(last_epoch)``; ``step()`` advances the counter by one. The factor is a
closed form of the counter, so ``state_dict()`` needs only the counter and a resumed run
gets exactly the learning rates an uninterrupted one would have had.

    LambdaLR(opt, lr_lambda)                          factor(t) = lr_lambda(t)
    LinearLR(opt, start_factor, end_factor, total_iters)
        factor(t) = start + (end - start) * min(t, total_iters) / total_iters

``LinearLR(opt, 1.0, 0.0, steps)`` is the linear decay to zero of the WGAN-GP paper's CIFAR-10
script (``lr * (1 - iteration / ITERS)``), which npgan's 2-D presets use: a constant step size
keeps the generator's samples jittering around the modes; the decay lets them settle.
"""
from .optimizer import check_range


class LRScheduler:
    """Base: subclasses define ``factor(t)``. Constructing one applies ``factor(0)``."""

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def factor(self, t):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * self.factor(self.last_epoch)

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.base_lrs = [float(lr) for lr in state_dict["base_lrs"]]
        self.last_epoch = int(state_dict["last_epoch"]) - 1
        self.step()


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(t) (one function for every group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambda = lr_lambda
        super().__init__(optimizer, last_epoch)

    def factor(self, t):
        return self.lr_lambda(t)


class LinearLR(LRScheduler):
    """The factor moves linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    steps and then stays at ``end_factor``."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        name = "LinearLR"
        check_range(name, "start_factor", start_factor, low=0.0, low_open=True)
        check_range(name, "end_factor", end_factor, low=0.0)
        if start_factor > 1.0 or end_factor > 1.0:
            raise ValueError(f"{name}: start_factor must be in (0, 1] and end_factor in [0, 1], "
                             f"got {start_factor} and {end_factor}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"{name}: total_iters must be an int >= 1, got {total_iters!r}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def factor(self, t):
        return self.start_factor + (self.end_factor - self.start_factor) * min(t, self.total_iters) / self.total_iters
