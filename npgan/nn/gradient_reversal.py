"""``GradientReversal``: the gradient reversal layer of domain-adversarial training
(Ganin et al., 2016) as a module, ``ops.grad_reverse`` with its lambda held as an attribute.

    features -> GradientReversal(lambda_) -> domain classifier

The layer has no parameters; ``lambda_`` is a plain attribute (not in ``state_dict``)
because DANN changes it every step, on the schedule lambda_p = 2 / (1 + exp(-10 p)) - 1.
"""
from ..ops.gradient_reversal import grad_reverse
from .module import Module


class GradientReversal(Module):
    """y = x; the gradient flowing back through it is multiplied by -``lambda_``."""

    def __init__(self, lambda_=1.0):
        super().__init__()
        self.lambda_ = lambda_

    def forward(self, input):
        return grad_reverse(input, self.lambda_)

    def extra_repr(self):
        return f"lambda_={self.lambda_}"
