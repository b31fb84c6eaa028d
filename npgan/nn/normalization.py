"""Normalization layers: BatchNorm1d, BatchNorm2d, LayerNorm (the equations are in
``npgan.ops.normalization``, whose composed functions they call).

Batch norm, as PyTorch: in training mode it normalizes with the batch statistics
(biased variance) and updates the running ones (unbiased variance) with ``momentum``
(None: a cumulative average, factor 1 / num_batches_tracked); in eval mode it uses the
running statistics. Without ``track_running_stats`` it always uses batch statistics.
"""
import numpy as np

from ..autograd.dtypes import get_default_dtype
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..ops.elementwise import cast
from ..ops.normalization import batch_norm, layer_norm
from .module import Module
from .parameter import Parameter


def register_affine(module, shape, affine, dtype, bias=True):
    """The affine map after a normalization, as Parameters of ``module``: ``weight`` =
    ones(shape) and ``bias`` = zeros(shape), the identity at the start; both None when
    not ``affine``, the bias alone None when not ``bias``. Batch, layer, virtual and
    reference batch norm share it."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype=dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype=dtype)) if affine and bias else None)


class _BatchNorm(Module):
    expected_dims = ()  # the input ranks a subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype or get_default_dtype()
        register_affine(self, (num_features,), affine, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input):
        name = type(self).__name__
        if input.ndim not in self.expected_dims:
            raise ValueError(f"{name}: expected {' or '.join(f'{d}D' for d in self.expected_dims)} input, "
                             f"got shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: input of shape {input.shape} has {input.shape[1]} channels, "
                             f"expected num_features={self.num_features}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():  # by ops and an in-place op, which a captured step replays
                self.num_batches_tracked.copy_(self.num_batches_tracked + 1)
                if self.momentum is None:  # the cumulative average's 1 / t
                    factor = 1.0 / cast(self.num_batches_tracked, input.dtype)
        use_batch_stats = self.training or self.running_mean is None
        # in eval mode the running statistics are read; in training they are updated only if tracked
        track = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs, per channel C."""
    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs, per channel C (statistics over N, H, W)."""
    expected_dims = (4,)


class LayerNorm(Module):
    """Normalizes each sample over its trailing ``normalized_shape`` dims; ``weight`` and
    ``bias`` (elementwise, of that shape) when ``elementwise_affine``."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        register_affine(self, shape, elementwise_affine, dtype or get_default_dtype(), bias)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
