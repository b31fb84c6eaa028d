"""An MLP generator with a normalization after every hidden linear layer, where DCGAN's
generator has batch norm (Radford et al., 2016), in one of two kinds:

    batch     BatchNorm1d: in training mode each sample is normalized with the mean and
              variance of its batch, so G(z_i) depends on the other z drawn with it
              (the NIPS 2016 tutorial's Figure 21: the samples of one batch share a tint)
    virtual   VirtualBatchNorm (Salimans et al., 2016, section 3.4): each sample is
              normalized with the statistics of itself and a reference batch of z drawn
              once, at the start, and kept (a buffer: checkpoints hold it); G(z_i) is a
              function of z_i and the fixed reference alone, in training and in sampling

    z -> [Linear (no bias) -> norm -> activation] x len(hidden) -> Linear [-> tanh]

The linear layers before a norm have no bias: the norm's shift (its ``bias``) takes its
place. Image outputs (more than one dimension) end in tanh and take ``out_shape``.
"""
import numpy as np

from .. import nn
from .. import random as ng_random
from .models import LEAKY_SLOPE

NORMS = ("batch", "virtual")


def normalized_mlp_generator(latent_dim, out_shape, hidden, norm, reference_size=64, activation="leaky_relu"):
    """The generator of the module docstring. ``norm="virtual"`` draws its reference batch of
    ``reference_size`` z ~ N(0, I) from npgan's seeded generator, after the weights."""
    if norm not in NORMS:
        raise ValueError(f"normalized_mlp_generator: norm must be one of {NORMS}, got {norm!r}")
    out_shape = tuple(out_shape)
    sizes = [latent_dim, *hidden]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, bias=False), nn.BatchNorm1d(b) if norm == "batch" else nn.VirtualBatchNorm(b),
                   nn.LeakyReLU(LEAKY_SLOPE) if activation == "leaky_relu" else nn.ReLU()]
    layers.append(nn.Linear(sizes[-1], int(np.prod(out_shape))))
    if len(out_shape) > 1:
        layers += [nn.Tanh(), nn.Unflatten(1, out_shape)]
    net = nn.Sequential(*layers)
    if norm == "batch":
        return net
    return nn.WithReferenceBatch(net, ng_random.randn(reference_size, latent_dim))
