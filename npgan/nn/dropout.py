"""``Dropout``: zero entries with probability p in training, scale the rest by 1 / (1 - p)."""
from ..ops.normalization import dropout
from .module import Module


class Dropout(Module):
    """Inverted dropout; the identity in eval mode. The mask comes from npgan's seeded
    generator, so ``npgan.manual_seed`` makes it reproducible."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
