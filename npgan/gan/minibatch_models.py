"""An MLP discriminator with minibatch features before its output layer (Salimans et al.,
2016, section 3.2; NIPS 2016 tutorial, section 5.1.1): D sees, beside each sample's
features, how close that sample is to the others of its batch, so a batch of
near-identical fakes (mode collapse) is easy to tell from a real batch.

    x -> flatten -> MLP hidden layers -> f(x) in R^A
      -> MinibatchDiscrimination(A, B, C)   [f(x), o(x)] in R^{A+B}      features="discrimination"
         or MinibatchStdDev()                [f(x), s]    in R^{A+1}      features="stddev"
      -> Linear -> 1 logit

The trainer scores real and fake in separate passes for such a D (its "auto" joint
pass sees an unknown layer), so real samples are compared with real ones and fakes with
fakes, as in the paper.
"""
import numpy as np

from .. import nn
from .models import LEAKY_SLOPE

FEATURES = ("discrimination", "stddev")


class MinibatchMLPDiscriminator(nn.Module):
    """D(x) for x of ``in_shape``: (N, *in_shape) -> (N, 1) logits; ``num_kernels`` B and
    ``kernel_dim`` C for minibatch discrimination (the paper's CIFAR-10 code uses 100 and 5)."""

    def __init__(self, in_shape, hidden=(256, 256), features="discrimination", num_kernels=50, kernel_dim=5,
                 activation="leaky_relu"):
        super().__init__()
        if features not in FEATURES:
            raise ValueError(f"MinibatchMLPDiscriminator: features must be one of {FEATURES}, got {features!r}")
        if not hidden:
            raise ValueError("MinibatchMLPDiscriminator: needs at least one hidden layer (its features)")
        sizes = [int(np.prod(in_shape)), *hidden]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(LEAKY_SLOPE) if activation == "leaky_relu" else nn.ReLU()]
        self.features = nn.Sequential(*layers)
        if features == "discrimination":
            self.minibatch = nn.MinibatchDiscrimination(hidden[-1], num_kernels, kernel_dim)
            width = hidden[-1] + num_kernels
        else:
            self.minibatch = nn.MinibatchStdDev()
            width = hidden[-1] + 1
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(self.minibatch(self.features(x.flatten(1))))
