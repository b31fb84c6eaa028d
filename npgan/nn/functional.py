"""``npgan.nn.functional``: the functional API under PyTorch's names (``F.linear``, ...)."""
from ..ops import (binary_cross_entropy_with_logits, leaky_relu, linear, mse_loss, relu, sigmoid, softplus,
                   tanh)

__all__ = ["binary_cross_entropy_with_logits", "leaky_relu", "linear", "mse_loss", "relu", "sigmoid",
           "softplus", "tanh"]
