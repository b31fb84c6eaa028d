"""``get_dataset(spec)``: every data set npgan trains on, by the name the command line uses.

A ``Dataset`` says what a training loop and the metrics need to know before drawing a
single batch: 2-D points, images or image pairs, one sample's shape, whether there are
labels (a conditional GAN needs them) and, for the mixtures, the mode centres and std.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .digits import IMAGE_SIZE, digits
from .mixtures import grid25, ring8, swissroll
from .mnist import load_mnist
from .paired import PAIRINGS, held_out_pairs

NAMES = ("ring8", "grid25", "swissroll", "digits", "mnist:PATH") + tuple(PAIRINGS)


@dataclass(frozen=True)
class Dataset:
    """One data set; ``sample(n, rng)`` gives ``(x (n, *shape) float32, labels (n,) int64 or None)``,
    or for pairs ``(inputs, targets)``, both (n, *shape)."""

    name: str
    kind: str                            # "points" (2-D), "images" (NCHW, pixels in [-1, 1]) or "pairs" of images
    shape: tuple                         # one sample's shape: (2,) or (1, 28, 28)
    num_classes: Optional[int]           # None when the data set has no labels
    sample: Callable                     # fresh draws when generated, a random subset when read
    arrays: Optional[tuple] = None       # (x, labels) when read from files; None when generated
    centres: Optional[np.ndarray] = None  # mixtures: (K, 2) mode centres
    std: Optional[float] = None          # 2-D data: the std of each mode (of the noise, for swissroll)
    held_out: Optional[Callable] = None  # pairs: held_out(n) -> (inputs, targets, labels), never trained on

    @property
    def has_labels(self):
        return self.num_classes is not None

    @property
    def generated(self):
        """True when every ``sample`` is new data (mixtures, digits), False for files (mnist)."""
        return self.arrays is None


def _points(source):
    return Dataset(source.name, "points", (2,), None, lambda n, rng: (source.sample(n, rng), None),
                   centres=source.centres, std=source.std)


def _from_arrays(name, images, labels):
    def sample(n, rng):
        """``n`` distinct examples chosen at random."""
        if n > len(images):
            raise ValueError(f"{name}: cannot draw {n} distinct examples from {len(images)}")
        index = np.random.default_rng(rng).choice(len(images), size=n, replace=False)
        return images[index], labels[index]
    return Dataset(name, "images", images.shape[1:], 10, sample, arrays=(images, labels))


def get_dataset(spec):
    """The ``Dataset`` named by ``spec``: one of "ring8", "grid25", "swissroll", "digits", "mnist:PATH",
    "digits-edges", "digits-denoise".

    "mnist:PATH" reads the training split from PATH (a directory of IDX files or an .npz,
    see ``load_mnist``) at once, so a bad path fails here and not mid-run.
    """
    if not isinstance(spec, str):
        raise TypeError(f"get_dataset: spec must be a string, one of {', '.join(NAMES)}; got {spec!r}")
    if spec in ("ring8", "grid25", "swissroll"):
        return _points({"ring8": ring8, "grid25": grid25, "swissroll": swissroll}[spec])
    if spec == "digits":
        return Dataset("digits", "images", (1, IMAGE_SIZE, IMAGE_SIZE), 10, lambda n, rng: digits(n, rng))
    if spec in PAIRINGS:
        return Dataset(spec, "pairs", (1, IMAGE_SIZE, IMAGE_SIZE), None, lambda n, rng: PAIRINGS[spec](n, rng)[:2],
                       held_out=lambda n: held_out_pairs(spec, n))
    if spec.startswith("mnist:") and spec[len("mnist:"):]:
        return _from_arrays(spec, *load_mnist(spec[len("mnist:"):]))
    raise ValueError(f"get_dataset: unknown data set {spec!r}; valid: {', '.join(NAMES)} "
                     "(PATH: a directory of MNIST IDX files or an .npz)")
