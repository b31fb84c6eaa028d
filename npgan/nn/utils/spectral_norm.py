"""Spectral normalization (Miyato et al., 2018, SNGAN), as ``torch.nn.utils.spectral_norm``.

The weight is divided by an estimate of its largest singular value, so a layer (and a
critic built of such layers with 1-Lipschitz activations) is about 1-Lipschitz:

    W_mat = the weight as a matrix (dim ``dim`` first, the rest flattened)
    power iteration, in training mode only, on buffers u, v (no graph):
        v <- normalize(W_mat^T u),  u <- normalize(W_mat v)       n_power_iterations times
    sigma = u^T W_mat v           (u, v are constants of the graph)
    W     = W_orig / sigma

The power iteration runs as ops under ``no_grad`` and writes the buffers with ``copy_``,
so a captured step (``npgan.compile``) replays it on the live weight.

The module keeps ``weight_orig`` (the trained Parameter) and the buffers ``weight_u``,
``weight_v`` — PyTorch's state_dict keys — and a forward pre-hook recomputes ``weight``
before every forward.
"""
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...ops.elementwise import clamp
from ...ops.linalg import matmul
from ...ops.shape import permute, reshape
from ...random import default_generator
from ..conv import ConvTranspose2d


def _normalize(vector, eps):
    """vector / max(||vector||, eps) (a 1-D Tensor), as ``torch.nn.functional.normalize``."""
    return vector / clamp((vector * vector).sum().sqrt(), min=eps)


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
        u_buffer, v_buffer = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        u, v = u_buffer, v_buffer
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v = _normalize(matmul(u, weight_mat), self.eps)  # W_mat^T u
                    u = _normalize(matmul(weight_mat, v), self.eps)
                u_buffer.copy_(u)
                v_buffer.copy_(v)
        # after a power iteration, the graph keeps this forward's u, v (new arrays), not
        # the buffers that the next one overwrites
        sigma = matmul(u, matmul(weight_mat, v))
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
        u = _normalize(Tensor(generator.standard_normal(h)), eps).data.astype(weight.dtype)
        v = _normalize(Tensor(generator.standard_normal(w)), eps).data.astype(weight.dtype)
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
