"""``npgan.nn.functional``: the functional API under PyTorch's names (``F.linear``, ...)."""
from ..ops import (binary_cross_entropy_with_logits, l1_loss, leaky_relu, linear, mse_loss, relu, sigmoid, softplus,
                   tanh)
from ..ops.conv import conv2d, conv_transpose2d
from ..ops.normalization import batch_norm, dropout, layer_norm

__all__ = ["batch_norm", "binary_cross_entropy_with_logits", "conv2d", "conv_transpose2d", "dropout", "l1_loss",
           "layer_norm", "leaky_relu", "linear", "mse_loss", "relu", "sigmoid", "softplus", "tanh"]
