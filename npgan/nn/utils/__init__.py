"""``npgan.nn.utils``: spectral normalization; ``functional_call`` (a module run with
replacement parameters)."""
from .spectral_norm import SpectralNorm, spectral_norm, spectral_norm_hooks
from .stateless import functional_call

__all__ = ["SpectralNorm", "functional_call", "spectral_norm", "spectral_norm_hooks"]
