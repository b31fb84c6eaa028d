"""Two domains for domain adaptation, made on the fly from the font digits: a labelled
source and a shifted target (MNIST-M style), nothing downloaded.

    source: ``digits``: white strokes on a black field
    target: the same rendering, then   x = |b - ink|   pixel by pixel

where ink in [0, 1] is the digit and b in [0, 1] a random texture: smooth value noise of
three octaves with a random brightness and contrast per image. This is how MNIST-M is
made from MNIST (Ganin et al., 2016, section 5.2: |patch - digit| with patches of colour
photos), here in one grey channel: on a dark patch the digit stays light, on a light
patch its colours are inverted, and the background is never flat. A classifier trained on
the source alone has never seen either. The ranges of b (``brightness``, ``contrast``) set
the strength of the shift; the defaults were chosen by measurement, see ``npgan.gan.dann``.

``DigitDomains.source(n, rng)`` gives (images, labels); ``target(n, rng)`` gives images
only: that is all an adaptation method may train on. ``target_labelled(n, rng)`` gives
the labels too, for evaluation. A target draw renders its digits with the first draws of
``rng`` exactly as ``source`` does, then draws the textures, so the same seed gives the
same digits in both domains (the tests use this to check the shift and the labels).
"""
from dataclasses import dataclass

import numpy as np

from .digits import IMAGE_SIZE, digits
from .warp import warp_bilinear

OCTAVES = (3, 6, 12)         # value-noise cells across the image, coarse to fine
OCTAVE_WEIGHTS = (1.0, 0.5, 0.25)


def textures(n, rng, size=IMAGE_SIZE, brightness=(0.1, 0.4), contrast=(0.1, 0.4)):
    """``n`` random textures in [0, 1], float32 (n, size, size): the sum of bilinearly
    upsampled uniform grids of ``OCTAVES`` cells, rescaled per image to [low, low + span]
    with low ~ U(brightness) and span ~ U(contrast): a random brightness and contrast."""
    rng = np.random.default_rng(rng)
    index = np.arange(n)
    total = np.zeros((n, size, size), np.float32)
    for cells, weight in zip(OCTAVES, OCTAVE_WEIGHTS):
        grid = rng.uniform(0, 1, (n, cells + 1, cells + 1)).astype(np.float32)
        scale = np.broadcast_to(np.eye(2) * cells / (size - 1), (n, 2, 2))
        total += np.float32(weight) * warp_bilinear(grid, index, scale, np.zeros((n, 2)), size)
    low_t, high_t = total.min(axis=(1, 2), keepdims=True), total.max(axis=(1, 2), keepdims=True)
    unit = (total - low_t) / np.maximum(high_t - low_t, np.float32(1e-6))
    low = rng.uniform(*brightness, (n, 1, 1)).astype(np.float32)
    span = rng.uniform(*contrast, (n, 1, 1)).astype(np.float32)
    return np.minimum(low + span * unit, np.float32(1))


def on_texture(ink, background):
    """The MNIST-M blend |background - ink| of ink and textures, both in [0, 1]."""
    return np.abs(background - ink)


@dataclass(frozen=True)
class DigitDomains:
    """Font digits (source) and the same digits on textures (target); images NCHW in
    ``value_range``, float32."""

    name: str = "digits-textured"
    value_range: tuple = (-1.0, 1.0)
    shape: tuple = (1, IMAGE_SIZE, IMAGE_SIZE)
    num_classes: int = 10
    brightness: tuple = (0.1, 0.4)   # see ``textures``
    contrast: tuple = (0.1, 0.4)

    def source(self, n, rng):
        """(images (n, 1, 28, 28), labels (n,)): plain font digits."""
        return digits(n, rng, value_range=self.value_range)

    def target_labelled(self, n, rng):
        """(images, labels) of the target domain: for evaluation only."""
        rng = np.random.default_rng(rng)
        ink, labels = digits(n, rng, value_range=(0.0, 1.0))
        shifted = on_texture(ink, textures(n, rng, brightness=self.brightness, contrast=self.contrast)[:, None])
        low, high = self.value_range
        return (shifted * np.float32(high - low) + np.float32(low)).astype(np.float32), labels

    def target(self, n, rng):
        """Target images without their labels: what adaptation trains on."""
        return self.target_labelled(n, rng)[0]


DOMAINS = {"digits-textured": DigitDomains()}


def get_domains(name):
    """The source/target pair called ``name`` (one of ``DOMAINS``)."""
    if not isinstance(name, str) or name not in DOMAINS:
        raise ValueError(f"get_domains: unknown domain pair {name!r}; valid: {', '.join(DOMAINS)}")
    return DOMAINS[name]
