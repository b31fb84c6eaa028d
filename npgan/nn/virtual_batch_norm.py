"""Virtual batch normalization and reference batch normalization (Salimans et al., 2016,
section 3.4; NIPS 2016 tutorial, section 4.3).

Batch norm in training mode normalizes each sample with the statistics of its batch, so
a generated sample depends on the other samples drawn with it: in a small batch the
fluctuating mean and variance can change the images more than their own z does, and the
samples of one batch share a tint (the tutorial's Figure 21). Both remedies fix a
*reference batch* once, at the start, and take the statistics from it instead:

    reference batch norm   every sample normalized with the reference batch's statistics
    virtual batch norm     every sample x with those of the union {x} + reference batch:
                               mean    = 1/(N+1) mean_x(x)   + N/(N+1) mean_ref
                               mean_sq = 1/(N+1) mean_x(x^2) + N/(N+1) mean_sq_ref
                               y = (x - mean) / sqrt(mean_sq - mean^2 + eps) * weight + bias

per channel, N the reference batch's size, mean_x over the sample's own spatial entries
(for (N, C) input: the value itself), mean_ref over the reference batch and its spatial
entries. The reference batch itself is normalized with its own statistics (reference
batch norm). A sample's output is then a function of that sample and the reference
batch only: the other samples of its batch do not matter.

The statistics are the reference batch's features *at that layer with the current
weights*, so the network runs twice per call, first on the reference batch, then on the
input, and gradients flow through both passes (the reference statistics are part of the
graph, as in the paper's code). ``WithReferenceBatch(net, reference)`` does that: it holds
the reference batch (a buffer, so a checkpoint keeps it) and, on each call, runs ``net``
on it -- each virtual / reference batch norm layer records its statistics -- then on the
input, and forgets the statistics. Train and eval mode behave the same (no running
statistics).
"""
import numpy as np

from ..autograd.dtypes import get_default_dtype
from ..autograd.tensor import Tensor
from .. import ops
from .module import Module
from .normalization import register_affine


class _ReferenceStatisticsNorm(Module):
    """The shared body; ``example_share(N)`` is the weight of a sample's own statistics."""

    def __init__(self, num_features, eps=1e-5, affine=True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.affine = num_features, eps, affine
        register_affine(self, (num_features,), affine, dtype or get_default_dtype())
        self.reference_stats = None  # (mean, mean_sq, N) of the current call's reference pass

    def example_share(self, n_reference):
        raise NotImplementedError

    def forward(self, input):
        """The reference pass when no statistics are recorded (records them), else the
        normalization of ``input`` with them (module docstring)."""
        name = type(self).__name__
        if input.ndim < 2 or input.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input of shape (N, {self.num_features}, ...), got {input.shape}")
        spatial = tuple(range(2, input.ndim))
        if self.reference_stats is None:
            mean = ops.mean(input, (0,) + spatial, keepdim=True)
            mean_sq = ops.mean(input * input, (0,) + spatial, keepdim=True)
            self.reference_stats = (mean, mean_sq, input.shape[0])
            return self._normalize(input, mean, mean_sq)
        ref_mean, ref_mean_sq, n = self.reference_stats
        if ref_mean.shape[2:] != (1,) * len(spatial):
            raise ValueError(f"{name}: input of shape {input.shape} has another rank than the reference batch")
        a = self.example_share(n)
        if a == 0:
            return self._normalize(input, ref_mean, ref_mean_sq)
        own_mean = ops.mean(input, spatial, keepdim=True) if spatial else input
        own_mean_sq = ops.mean(input * input, spatial, keepdim=True) if spatial else input * input
        mean = a * own_mean + (1.0 - a) * ref_mean
        mean_sq = a * own_mean_sq + (1.0 - a) * ref_mean_sq
        return self._normalize(input, mean, mean_sq)

    def _normalize(self, x, mean, mean_sq):
        y = (x - mean) / ops.sqrt(mean_sq - mean * mean + self.eps)
        if self.affine:
            shape = (1, self.num_features) + (1,) * (x.ndim - 2)
            y = y * ops.reshape(self.weight, shape) + ops.reshape(self.bias, shape)
        return y

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class VirtualBatchNorm(_ReferenceStatisticsNorm):
    """Each sample normalized with the statistics of itself and the reference batch,
    weighted 1/(N+1) and N/(N+1). Use inside a ``WithReferenceBatch``."""

    def example_share(self, n_reference):
        return 1.0 / (n_reference + 1)


class ReferenceBatchNorm(_ReferenceStatisticsNorm):
    """Each sample normalized with the reference batch's statistics alone. Use inside a
    ``WithReferenceBatch``."""

    def example_share(self, n_reference):
        return 0.0


class WithReferenceBatch(Module):
    """``module`` whose virtual / reference batch norm layers take their statistics from
    the fixed ``reference`` batch (an array or Tensor of inputs to ``module``, e.g. a
    batch of z drawn once for a generator)."""

    def __init__(self, module, reference):
        super().__init__()
        layers = [m for m in module.modules() if isinstance(m, _ReferenceStatisticsNorm)]
        if not layers:
            raise ValueError(f"WithReferenceBatch: {type(module).__name__} has no VirtualBatchNorm or "
                             "ReferenceBatchNorm layer")
        self.module = module
        reference = reference if isinstance(reference, Tensor) else Tensor(np.asarray(reference))
        self.register_buffer("reference", Tensor(reference.data.copy()))

    def forward(self, input):
        layers = [m for m in self.module.modules() if isinstance(m, _ReferenceStatisticsNorm)]
        for layer in layers:
            layer.reference_stats = None
        try:
            self.module(self.reference)  # each layer records the reference batch's statistics
            return self.module(input)
        finally:
            for layer in layers:
                layer.reference_stats = None
