"""Loss modules, as ``torch.nn``'s: a module holding the reduction, calling the functional loss."""
from ..ops.losses import l1_loss
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


class L1Loss(Module):
    """``L1Loss(reduction)(input, target)`` = ``F.l1_loss(input, target, reduction)``:
    the mean (sum, or per-element values) of |input - target|."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"L1Loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target):
        return l1_loss(input, target, self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""
