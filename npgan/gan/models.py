"""Generator and discriminator builders: MLPs of any width, the 28x28 DCGAN pair, and
conditional wrappers (Mirza and Osindero, 2014) that feed a one-hot label to both.

DCGAN for 28x28x1 (the TensorFlow tutorial architecture in the lecture notes):
  G: z (100) -> Linear 7*7*256 (no bias) -> BN -> LeakyReLU -> (256, 7, 7)
     -> ConvT 256->128 5x5 s1 p2 -> BN -> LeakyReLU                      (128, 7, 7)
     -> ConvT 128->64  5x5 s2 p2 op1 -> BN -> LeakyReLU                  (64, 14, 14)
     -> ConvT 64->1    5x5 s2 p2 op1 -> tanh                              (1, 28, 28)
  D: x -> Conv 1->64 5x5 s2 p2 -> LeakyReLU [-> Dropout 0.3]             (64, 14, 14)
       -> Conv 64->128 5x5 s2 p2 -> LeakyReLU [-> Dropout 0.3]           (128, 7, 7)
       -> Flatten -> Linear -> 1 logit
"padding='same'" of the tutorial is p2 for a 5x5 kernel; output_padding 1 makes a
stride-2 transposed conv exactly double the size. The tutorial's convs have no bias
where BN follows; its D has no BN, and a WGAN-GP critic must not have BN either (the
penalty is per sample, BN couples the batch), so ``dcgan_discriminator(dropout=0)`` is
the critic. LeakyReLU slope 0.2 as in the DCGAN paper (Radford et al., 2016).
"""
import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..ops import cat
from ..ops.locally_constant import locally_constant

LEAKY_SLOPE = 0.2


def mlp(sizes, activation="leaky_relu", out_activation=None):
    """Linear layers of ``sizes`` with ``activation`` between them."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(LEAKY_SLOPE) if activation == "leaky_relu" else nn.ReLU())
    if out_activation == "tanh":
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """G(z) = MLP(z), reshaped to ``out_shape``; tanh output for images (pixels in [-1, 1])."""

    def __init__(self, latent_dim, out_shape, hidden=(256, 256), num_classes=None, activation="leaky_relu"):
        super().__init__()
        self.out_shape = tuple(out_shape)
        self.num_classes = num_classes
        out_dim = int(np.prod(self.out_shape))
        extra = num_classes or 0
        self.net = mlp([latent_dim + extra, *hidden, out_dim], activation,
                       out_activation="tanh" if len(self.out_shape) > 1 else None)

    def forward(self, z, labels=None):
        if self.num_classes is not None:
            z = cat([z, one_hot(labels, self.num_classes, z.dtype)], 1)
        x = self.net(z)
        return x if len(self.out_shape) == 1 else x.reshape((x.shape[0],) + self.out_shape)


class MLPDiscriminator(nn.Module):
    """D(x) = MLP(flatten(x)) -> one logit per sample, shape (N, 1)."""

    def __init__(self, in_shape, hidden=(256, 256), num_classes=None, activation="leaky_relu"):
        super().__init__()
        self.num_classes = num_classes
        in_dim = int(np.prod(in_shape)) + (num_classes or 0)
        self.net = mlp([in_dim, *hidden, 1], activation)

    def forward(self, x, labels=None):
        x = x.flatten(1)
        if self.num_classes is not None:
            x = cat([x, one_hot(labels, self.num_classes, x.dtype)], 1)
        return self.net(x)


class PackedDiscriminator(nn.Module):
    """PacGAN (Lin et al., 2018): D judges ``pack`` = m samples at once. A batch of N
    samples, all real or all generated, is cut into N/m groups of m consecutive samples,
    each group flattened into one input of an MLP:

        D_m(x_1, ..., x_m) = MLP(concat(x_1, ..., x_m))       (N, *shape) -> (N/m, 1)

    A generator that drops modes gives groups whose members are too alike, which D_m can
    see and a one-sample D cannot; the paper shows packing penalizes mode collapse."""

    def __init__(self, in_shape, pack, hidden=(256, 256), activation="leaky_relu"):
        super().__init__()
        self.pack = pack
        self.net = MLPDiscriminator((pack * int(np.prod(in_shape)),), hidden, None, activation)

    def forward(self, x):
        n = x.shape[0]
        if n % self.pack:
            raise ValueError(f"PackedDiscriminator: a batch of {n} samples does not split into groups of "
                             f"pack = {self.pack}")
        return self.net(x.reshape((n // self.pack, -1)))


def _one_hot_rows(y, num_classes, dtype):
    if y.ndim != 1 or y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be a 1-D array of ints in [0, {num_classes}), got shape {y.shape}")
    return np.eye(num_classes, dtype=dtype)[y.astype(np.int64)]


def one_hot(labels, num_classes, dtype):
    """Constant one-hot rows for integer ``labels`` (N,) -> (N, num_classes); an op
    (``locally_constant``), so a captured step recomputes it from each step's labels."""
    labels = labels if isinstance(labels, Tensor) else Tensor(np.asarray(labels))
    return locally_constant(_one_hot_rows, labels, num_classes=num_classes, dtype=np.dtype(dtype))


def dcgan_generator(latent_dim=100):
    """The 28x28x1 DCGAN generator (see the module docstring)."""
    return nn.Sequential(
        nn.Linear(latent_dim, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(LEAKY_SLOPE),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False), nn.BatchNorm2d(128),
        nn.LeakyReLU(LEAKY_SLOPE),
        nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False), nn.BatchNorm2d(64),
        nn.LeakyReLU(LEAKY_SLOPE),
        nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1, bias=False), nn.Tanh(),
    )


def dcgan_discriminator(dropout=0.3):
    """The 28x28x1 DCGAN discriminator; ``dropout=0`` gives the WGAN-GP critic."""
    layers = [nn.Conv2d(1, 64, 5, stride=2, padding=2), nn.LeakyReLU(LEAKY_SLOPE)]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Conv2d(64, 128, 5, stride=2, padding=2), nn.LeakyReLU(LEAKY_SLOPE)]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Flatten(), nn.Linear(7 * 7 * 128, 1)]
    return nn.Sequential(*layers)
