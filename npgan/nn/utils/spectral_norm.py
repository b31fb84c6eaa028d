"""Spectral normalization (Miyato et al., 2018, SNGAN), as ``torch.nn.utils.spectral_norm``.

The weight is divided by an estimate of its largest singular value, so a layer (and a
critic built of such layers with 1-Lipschitz activations) is about 1-Lipschitz:

    W_mat = the weight as a matrix (dim ``dim`` first, the rest flattened)
    power iteration, in training mode only, on buffers u, v (no graph):
        v <- normalize(W_mat^T u),  u <- normalize(W_mat v)       n_power_iterations times
    sigma = u^T W_mat v           (u, v are constants of the graph)
    W     = W_orig / sigma

The module keeps ``weight_orig`` (the trained Parameter) and the buffers ``weight_u``,
``weight_v`` — PyTorch's state_dict keys — and a forward pre-hook recomputes ``weight``
before every forward.
"""
import numpy as np

from ...autograd.tensor import Tensor
from ...ops.linalg import matmul
from ...ops.shape import permute, reshape
from ...random import default_generator
from ..conv import ConvTranspose2d


def _normalize(vector, eps):
    """vector / max(||vector||, eps), as ``torch.nn.functional.normalize``."""
    return vector / max(np.linalg.norm(vector), eps)


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` = W_orig / sigma."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def reshape_weight_to_matrix(self, weight):
        """(size of dim ``dim``, everything else) — differentiable (permute, reshape)."""
        if self.dim != 0:
            weight = permute(weight, (self.dim,) + tuple(d for d in range(weight.ndim) if d != self.dim))
        return reshape(weight, weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = weight_mat.data
            for _ in range(self.n_power_iterations):
                v.data[...] = _normalize(w.T @ u.data, self.eps)
                u.data[...] = _normalize(w @ v.data, self.eps)
        # copies: the graph must keep the u, v of this forward, not the buffers that the
        # next power iteration overwrites
        u_const, v_const = Tensor(u.data.copy()), Tensor(v.data.copy())
        sigma = matmul(u_const, matmul(weight_mat, v_const))
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        if any(hook.name == name for hook in spectral_norm_hooks(module)):
            raise RuntimeError(f"spectral_norm: the parameter '{name}' already has a spectral_norm hook")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter named '{name}'")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        h, w = fn.reshape_weight_to_matrix(weight).shape
        generator = default_generator()
        u = _normalize(generator.standard_normal(h), eps).astype(weight.dtype)
        v = _normalize(generator.standard_normal(w), eps).astype(weight.dtype)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, Tensor(weight.data))  # a plain attribute until the first forward
        module.register_buffer(name + "_u", Tensor(u))
        module.register_buffer(name + "_v", Tensor(v))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Apply spectral normalization to ``module.<name>`` and return the module.
    ``dim`` is the output dimension: None means 0, except 1 for ConvTranspose (whose
    weight is (in, out, kh, kw)), as PyTorch."""
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def spectral_norm_hooks(module):
    """The ``SpectralNorm`` hooks registered on ``module`` (one per normalized parameter)."""
    return [hook for hook in module._forward_pre_hooks.values() if isinstance(hook, SpectralNorm)]
