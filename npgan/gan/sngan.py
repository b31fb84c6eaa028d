"""SNGAN (Miyato et al., 2018): spectral normalization on every layer of the critic, and
the hinge loss (``HingeGame``; seed 003 ends on it, seed 004's BigGAN uses the same loss).

Spectral normalization divides each weight by its largest singular value sigma(W),
estimated by one step of power iteration per forward pass (``npgan.nn.utils.spectral_norm``):

    W_SN = W / sigma(W),   so   ||x -> W_SN x + b||_Lip = 1.

A critic of such layers with 1-Lipschitz activations (ReLU, LeakyReLU) is 1-Lipschitz as
a whole, ||D||_Lip <= prod_l ||W_l / sigma(W_l)||_2 = 1 (once the power iteration has
converged) — the constraint that WGAN's clipping and WGAN-GP's penalty only approximate —
at the cost of two matrix-vector products per layer instead of a second backward pass.
For a convolution the matrix normalized is the weight reshaped to
(out_channels, in_channels * kh * kw), as in the paper and PyTorch; that is not the
convolution's own operator norm, which can be larger.

SNGAN pairs it with the hinge loss
    D minimizes E max(0, 1 - D(x)) + E max(0, 1 + D(G(z))),   G minimizes -E D(G(z)).
"""
from .. import nn
from ..nn.utils import spectral_norm

NORMALIZED_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def spectrally_normalize(module, n_power_iterations=1):
    """Apply ``spectral_norm`` to the weight of every Linear, Conv2d and ConvTranspose2d
    inside ``module`` (in place) and return ``module``. A module without any such layer
    is a ValueError: it would not be constrained at all."""
    layers = [m for m in module.modules() if isinstance(m, NORMALIZED_LAYERS)]
    if not layers:
        raise ValueError(f"spectrally_normalize: {type(module).__name__} has no Linear or convolution layer")
    for layer in layers:
        spectral_norm(layer, n_power_iterations=n_power_iterations)
    return module
