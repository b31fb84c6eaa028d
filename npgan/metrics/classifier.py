"""The digit classifier behind the image metrics, with its weights shipped in the package.

    (N, 1, 28, 28) pixels in [-1, 1]
    conv 1->16, 5x5, stride 2, pad 2   -> (N, 16, 14, 14), LeakyReLU(0.2)
    conv 16->32, 5x5, stride 2, pad 2  -> (N, 32, 7, 7),   LeakyReLU(0.2)
    conv 32->32, 3x3, stride 2, pad 1  -> (N, 32, 4, 4),   LeakyReLU(0.2)
    flatten, linear 512->128           -> (N, 128),        LeakyReLU(0.2)   the *features*
    linear 128->10                     -> (N, 10) logits;  softmax gives p(y|x)

About 90,000 parameters (360 KB as float32): small enough to ship, fast enough to score
a few thousand images in seconds. ``train_classifier.py`` is the script that trained the
shipped weights (``digit_classifier.npz``). Every score computed from a classifier is
tied to its exact weights, so ``checksum`` -- the first 12 hex digits of the SHA-256 of
the weights file -- is printed with every score.
"""
import hashlib
import os

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..random import get_rng_state, set_rng_state
from ..serialization import load_checkpoint

WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digit_classifier.npz")
KIND = "npgan-digit-classifier"
IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 10
FEATURE_DIM = 128


class DigitNet(nn.Module):
    """The network above; ``features`` is everything but the last linear layer."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 32, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(32 * 4 * 4, FEATURE_DIM), nn.LeakyReLU(0.2))
        self.classifier = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    def forward(self, x):
        return self.classifier(self.features(x))


def file_checksum(path):
    """The first 12 hex digits of the SHA-256 of the file's bytes."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


class DigitClassifier:
    """A trained ``DigitNet`` in eval mode, applied to NumPy images in batches without a graph."""

    def __init__(self, net, checksum, info=None):
        self.net = net.eval()
        self.checksum = checksum
        self.info = info or {}   # how the weights were trained (steps, seed, data, accuracy)

    def outputs(self, images, batch_size=500):
        """(features (N, 128), p(y|x) (N, 10)) as float64 arrays, from one pass."""
        x = np.asarray(getattr(images, "data", images))
        if x.ndim != 4 or x.shape[1:] != IMAGE_SHAPE or len(x) == 0:
            raise ValueError(f"DigitClassifier: images must be (N, 1, 28, 28) with N > 0, got {x.shape}")
        feats, probs = [], []
        with no_grad():
            for start in range(0, len(x), batch_size):
                h = self.net.features(Tensor(np.ascontiguousarray(x[start:start + batch_size], np.float32)))
                logits = self.net.classifier(h).data.astype(np.float64)
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                feats.append(h.data.astype(np.float64))
                probs.append(e / e.sum(axis=1, keepdims=True))
        return np.concatenate(feats), np.concatenate(probs)

    def features(self, images, batch_size=500):
        """The penultimate layer (N, 128): what the Frechet distance compares."""
        return self.outputs(images, batch_size)[0]

    def predict_proba(self, images, batch_size=500):
        """p(y|x) (N, 10), the softmax of the logits."""
        return self.outputs(images, batch_size)[1]

    def predict(self, images, batch_size=500):
        return self.predict_proba(images, batch_size).argmax(axis=1)


def load_classifier(path=None):
    """The classifier stored at ``path`` (default: the weights shipped with npgan)."""
    path = path or WEIGHTS
    state = load_checkpoint(path)
    if not isinstance(state, dict) or state.get("kind") != KIND:
        raise ValueError(f"load_classifier: {path} is an npgan checkpoint but not a digit classifier")
    rng_state = get_rng_state()  # building the layers draws initial weights; leave the caller's stream as it was
    net = DigitNet()
    set_rng_state(rng_state)
    try:
        net.load_state_dict(state["state_dict"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"load_classifier: {path} does not fit DigitNet: {exc}") from None
    return DigitClassifier(net, file_checksum(path), state.get("info"))
