"""``npgan.nn.utils``: spectral normalization."""
from .spectral_norm import SpectralNorm, spectral_norm, spectral_norm_hooks

__all__ = ["SpectralNorm", "spectral_norm", "spectral_norm_hooks"]
