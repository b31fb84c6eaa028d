"""Edge energy: how sharp images are, as the mean Sobel gradient magnitude of their ink.

pix2pix's claim (Isola et al., 2017, section 4.2) is that L1 alone blurs what it is unsure
of, and the cGAN term restores sharp strokes. A blur lowers the gradient magnitude

    |grad I| = sqrt((S_x * I)^2 + (S_y * I)^2),     S_x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],  S_y = S_x^T

(``npgan.data.paired.sobel_magnitude``, the operator the edge maps are made with; zero
outside the image), so its mean over the pixels, divided by that of the real targets,
reads below 1 for outputs blurrier than the real digits and near 1 for ones as crisp.
"""
import numpy as np

from ..data.paired import sobel_magnitude


def edge_energy(images, value_range=(-1.0, 1.0)):
    """Mean |grad I| of images (N, 1, H, W) in ``value_range``, with I their ink in [0, 1]."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"edge_energy: expected grey images (N, 1, H, W), got shape {images.shape}")
    low, high = value_range
    return float(sobel_magnitude((images[:, 0] - low) / (high - low)).mean())


def edge_energy_ratio(outputs, targets, value_range=(-1.0, 1.0)):
    """edge_energy(outputs) / edge_energy(targets): below 1 blurrier than the targets."""
    return edge_energy(outputs, value_range) / edge_energy(targets, value_range)
