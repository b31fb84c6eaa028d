"""Data sets for GAN training, nothing downloaded: 2-D mixtures, digits drawn from fonts, MNIST files.

    ds = get_dataset("ring8")          # or "grid25", "swissroll", "digits", "mnist:PATH"
    ds.kind, ds.shape, ds.has_labels   # "points", (2,), False
    x, labels = ds.sample(256, rng)    # NumPy arrays; labels is None when there are none

Everything here returns NumPy arrays (float32 by default; images NCHW in [-1, 1]) and
takes its randomness from a ``numpy.random.Generator``; wrapping a batch in a Tensor is
the training loop's business, so this package does not import npgan's autograd.
"""
from .digits import DigitJitter, digits
from .loader import DataLoader, InfiniteBatches, infinite_batches, sample_batch
from .mixtures import GaussianMixture2D, SwissRoll2D, grid25, ring8, swissroll
from .mnist import load_mnist
from .registry import NAMES, Dataset, get_dataset

__all__ = [
    "DataLoader", "Dataset", "DigitJitter", "GaussianMixture2D", "InfiniteBatches", "NAMES",
    "SwissRoll2D", "digits", "get_dataset", "grid25", "infinite_batches", "load_mnist", "ring8",
    "sample_batch", "swissroll",
]
