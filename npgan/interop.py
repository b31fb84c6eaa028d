"""Moving models between npgan and PyTorch: ``to_torch(module)`` and ``from_torch(module)``.

npgan's layers use PyTorch's names, constructor arguments, weight layouts and state_dict
keys, so a model crosses over as (1) the same tree of layers built in the other library
and (2) its state_dict copied entry by entry:

    npgan                      torch.nn
    Linear, Conv2d,            Linear, Conv2d, ConvTranspose2d, BatchNorm1d/2d, LayerNorm,
    ConvTranspose2d, ...       LeakyReLU, ReLU, Tanh, Sigmoid, Dropout, Flatten, Unflatten,
    Sequential, ModuleList     Sequential, ModuleList
    spectral_norm(layer)       torch.nn.utils.spectral_norm(layer): weight_orig, weight_u, weight_v
    gan.models.MLPGenerator,   the classes of the same names below, written in torch with the
    MLPDiscriminator,          same submodules and forward
    PackedDiscriminator,
    gan.minibatch_models.MinibatchMLPDiscriminator,
    gan.unet.UNet, PatchDiscriminator (pix2pix),
    nn.MinibatchDiscrimination, nn.MinibatchStdDev,
    nn.VirtualBatchNorm, ReferenceBatchNorm,
    nn.WithReferenceBatch (its reference batch a buffer)

Values are copied exactly (float32 stays float32, float64 float64), so npgan -> torch ->
npgan returns the identical state_dict. ``torch`` is imported only by this module, and
only when one of its functions runs; without it they raise ImportError saying how to
install it. ``save_for_torch`` / ``load_exported`` are what ``npgan export`` writes and
how a PyTorch user reads it back.
"""
import numpy as np

from . import nn
from .gan import models
from .gan import unet
from .gan.minibatch_models import MinibatchMLPDiscriminator
from .autograd.tensor import Tensor
from .nn.utils import spectral_norm_hooks

EXPORT_FORMAT = "npgan-export-v1"
# npgan's model classes that have a torch twin in _torch_gan_classes (same name)
NPGAN_MODELS = {c.__name__: c for c in (models.MLPGenerator, models.MLPDiscriminator, models.PackedDiscriminator,
                                         MinibatchMLPDiscriminator, unet.UNet, unet.PatchDiscriminator,
                                         nn.WithReferenceBatch)}
REFERENCE_NORMS = ("VirtualBatchNorm", "ReferenceBatchNorm")


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError("npgan.interop needs PyTorch, which npgan does not install; on a CPU: "
                          "pip install torch  (see https://pytorch.org for the build for your machine)") from exc
    return torch


# --------------------------------------------------------------------------- layer by layer

def _layer_args(m):
    """(class name, constructor kwargs) shared by npgan and torch for a built-in layer."""
    if isinstance(m, nn.Linear):
        return "Linear", dict(in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None)
    if isinstance(m, nn.Conv2d):
        return "Conv2d", dict(in_channels=m.in_channels, out_channels=m.out_channels, kernel_size=m.kernel_size,
                              stride=m.stride, padding=m.padding, dilation=m.dilation, bias=m.bias is not None)
    if isinstance(m, nn.ConvTranspose2d):
        return "ConvTranspose2d", dict(in_channels=m.in_channels, out_channels=m.out_channels,
                                       kernel_size=m.kernel_size, stride=m.stride, padding=m.padding,
                                       output_padding=m.output_padding, dilation=m.dilation,
                                       bias=m.bias is not None)
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return type(m).__name__, dict(num_features=m.num_features, eps=m.eps, momentum=m.momentum,
                                      affine=m.affine, track_running_stats=m.track_running_stats)
    if isinstance(m, nn.LayerNorm):
        return "LayerNorm", dict(normalized_shape=m.normalized_shape, eps=m.eps,
                                 elementwise_affine=m.elementwise_affine,
                                 bias=m.elementwise_affine and m.bias is not None)
    if isinstance(m, nn.LeakyReLU):
        return "LeakyReLU", dict(negative_slope=m.negative_slope)
    if isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
        return type(m).__name__, {}
    if isinstance(m, nn.Dropout):
        return "Dropout", dict(p=m.p)
    if isinstance(m, nn.Flatten):
        return "Flatten", dict(start_dim=m.start_dim, end_dim=m.end_dim)
    if isinstance(m, nn.Unflatten):
        return "Unflatten", dict(dim=m.dim, unflattened_size=tuple(m.unflattened_size))
    if isinstance(m, nn.MinibatchDiscrimination):
        return "MinibatchDiscrimination", dict(in_features=m.in_features, num_kernels=m.num_kernels,
                                               kernel_dim=m.kernel_dim)
    if isinstance(m, nn.MinibatchStdDev):
        return "MinibatchStdDev", dict(group_size=m.group_size, eps=m.eps)
    if isinstance(m, (nn.VirtualBatchNorm, nn.ReferenceBatchNorm)):
        return type(m).__name__, dict(num_features=m.num_features, eps=m.eps, affine=m.affine)
    return None


def _torch_layer(name):
    """The torch class of a layer named by ``_layer_args``: torch.nn's, or this module's
    twin of an npgan layer torch does not have."""
    torch = _torch()
    return getattr(torch.nn, name, None) or _torch_gan_classes()[name]


def _build_torch(m):
    """The torch.nn module with the structure of npgan module ``m`` (weights not copied yet)."""
    torch = _torch()
    layer = _layer_args(m)
    if layer is not None:
        built = _torch_layer(layer[0])(**layer[1])
        for sn in spectral_norm_hooks(m):
            built = torch.nn.utils.spectral_norm(built, sn.name, sn.n_power_iterations, sn.eps, sn.dim)
        return built
    if isinstance(m, nn.Sequential):
        return torch.nn.Sequential(*[_build_torch(c) for c in m])
    if isinstance(m, nn.ModuleList):
        return torch.nn.ModuleList([_build_torch(c) for c in m])
    gan_class = _torch_gan_classes().get(type(m).__name__)
    if gan_class is not None and isinstance(m, NPGAN_MODELS.get(type(m).__name__, ())):
        built = gan_class.__new__(gan_class)
        torch.nn.Module.__init__(built)
        for key in gan_class.ATTRIBUTES:
            setattr(built, key, getattr(m, key))
        for name, buffer in m.named_buffers(recurse=False):  # placeholders: the state copy fills them
            built.register_buffer(name, torch.zeros(tuple(buffer.shape)))
        for name, child in m.named_children():
            setattr(built, name, _build_torch(child))
        return built
    raise TypeError(f"to_torch: no PyTorch equivalent known for {type(m).__name__} "
                    f"(supported: npgan.nn layers, Sequential, ModuleList, spectral norm, {', '.join(NPGAN_MODELS)})")


def _build_npgan(t):
    """The npgan module with the structure of torch module ``t`` (weights not copied yet)."""
    torch = _torch()
    name = type(t).__name__
    if isinstance(t, torch.nn.Sequential):
        return nn.Sequential(*[_build_npgan(c) for c in t])
    if isinstance(t, torch.nn.ModuleList):
        return nn.ModuleList([_build_npgan(c) for c in t])
    if name in NPGAN_MODELS and isinstance(t, _torch_gan_classes()[name]):
        built = NPGAN_MODELS[name].__new__(NPGAN_MODELS[name])
        nn.Module.__init__(built)
        for key in type(t).ATTRIBUTES:
            setattr(built, key, getattr(t, key))
        for buffer_name, buffer in t.named_buffers(recurse=False):  # placeholders: the state copy fills them
            built.register_buffer(buffer_name, Tensor(np.zeros(tuple(buffer.shape), dtype=np.float32)))
        for child_name, child in t.named_children():
            setattr(built, child_name, _build_npgan(child))
        return built
    if name == "MinibatchDiscrimination" and isinstance(t, _torch_gan_classes()[name]):
        return nn.MinibatchDiscrimination(t.T.shape[0], t.num_kernels, t.kernel_dim)
    if name == "MinibatchStdDev" and isinstance(t, _torch_gan_classes()[name]):
        return nn.MinibatchStdDev(t.group_size, t.eps)
    if name in REFERENCE_NORMS and isinstance(t, _torch_gan_classes()[name]):
        return getattr(nn, name)(num_features=t.num_features, eps=t.eps, affine=t.affine)
    if type(t).__module__.startswith("torch.nn") and hasattr(nn, name):
        built = getattr(nn, name)(**_torch_layer_args(t))
        for hook in t._forward_pre_hooks.values():  # torch's own structure: no public accessor
            if type(hook).__name__ == "SpectralNorm":
                nn.utils.spectral_norm(built, hook.name, hook.n_power_iterations, hook.eps, hook.dim)
        return built
    raise TypeError(f"from_torch: no npgan equivalent known for {type(t).__module__}.{name}")


def _torch_layer_args(t):
    """The constructor kwargs of a torch.nn layer that npgan's layer of the same name takes."""
    name = type(t).__name__
    if name == "Linear":
        return dict(in_features=t.in_features, out_features=t.out_features, bias=t.bias is not None)
    if name in ("Conv2d", "ConvTranspose2d"):
        args = dict(in_channels=t.in_channels, out_channels=t.out_channels, kernel_size=t.kernel_size,
                    stride=t.stride, padding=t.padding, dilation=t.dilation, bias=t.bias is not None)
        if name == "ConvTranspose2d":
            args["output_padding"] = t.output_padding
        return args
    if name in ("BatchNorm1d", "BatchNorm2d"):
        return dict(num_features=t.num_features, eps=t.eps, momentum=t.momentum, affine=t.affine,
                    track_running_stats=t.track_running_stats)
    if name == "LayerNorm":
        return dict(normalized_shape=t.normalized_shape, eps=t.eps, elementwise_affine=t.elementwise_affine,
                    bias=t.elementwise_affine and t.bias is not None)
    if name == "LeakyReLU":
        return dict(negative_slope=t.negative_slope)
    if name == "Dropout":
        return dict(p=t.p)
    if name == "Flatten":
        return dict(start_dim=t.start_dim, end_dim=t.end_dim)
    if name == "Unflatten":
        return dict(dim=t.dim, unflattened_size=tuple(t.unflattened_size))
    return {}


# --------------------------------------------------------------------------- public functions

def to_torch(module):
    """A ``torch.nn.Module`` computing what npgan ``module`` computes, with its parameters
    and buffers copied (same dtype), in the same train/eval mode."""
    torch = _torch()
    built = _build_torch(module)
    state = module.state_dict()
    dtype = _common_dtype(state)
    if dtype is not None:
        built = built.to({np.float32: torch.float32, np.float64: torch.float64}[dtype])
    _copy_into_torch(built, state)
    return built.train(module.training)


def from_torch(module):
    """The npgan module computing what ``torch.nn.Module`` ``module`` computes, with its
    parameters and buffers copied (same dtype), in the same train/eval mode."""
    built = _build_npgan(module)
    state = {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}
    dtype = _common_dtype(state)
    if dtype == np.float64:
        built.double()
    built.load_state_dict(state)
    built.train(module.training)
    return built


def save_for_torch(module, path, **metadata):
    """Write ``module``'s PyTorch state_dict and how to rebuild it to ``path`` (a name or a
    binary file), with ``torch.save``:
    ``{"format", "state_dict", "structure", "metadata"}``. ``load_exported`` reads it."""
    torch = _torch()
    torch_module = to_torch(module)
    torch.save({"format": EXPORT_FORMAT, "state_dict": torch_module.state_dict(),
                "structure": describe(module), "metadata": metadata}, path)
    return torch_module


def load_exported(path):
    """The torch module written by ``save_for_torch`` / ``npgan export``, weights loaded."""
    torch = _torch()
    saved = torch.load(path, weights_only=True)
    if not isinstance(saved, dict) or saved.get("format") != EXPORT_FORMAT:
        raise ValueError(f"load_exported: {path} is not an npgan export ({EXPORT_FORMAT})")
    module = _from_structure(saved["structure"])
    dtypes = {v.dtype for v in saved["state_dict"].values() if v.is_floating_point()}
    if dtypes == {torch.float64}:
        module = module.double()
    module.load_state_dict(saved["state_dict"])
    return module


def describe(module):
    """The module tree as plain data (class names, constructor kwargs, children), enough
    to rebuild it in torch without npgan's code (``load_exported``)."""
    layer = _layer_args(module)
    if layer is not None:
        return {"class": layer[0], "kwargs": _plain(layer[1]),
                "spectral_norm": [dict(name=h.name, n_power_iterations=h.n_power_iterations, eps=h.eps, dim=h.dim)
                                  for h in spectral_norm_hooks(module)]}
    name = type(module).__name__
    if name not in ("Sequential", "ModuleList") and name not in _torch_gan_classes():
        raise TypeError(f"describe: no PyTorch equivalent known for {name}")
    attributes = {k: _plain(getattr(module, k)) for k in getattr(_torch_gan_classes().get(name), "ATTRIBUTES", ())}
    return {"class": name, "attributes": attributes,
            "buffers": [[buffer_name, list(b.shape)] for buffer_name, b in module.named_buffers(recurse=False)],
            "children": [[child_name, describe(child)] for child_name, child in module.named_children()]}


def _from_structure(d):
    torch = _torch()
    name = d["class"]
    if "kwargs" in d:
        built = _torch_layer(name)(**{k: tuple(v) if isinstance(v, list) else v for k, v in d["kwargs"].items()})
        for sn in d["spectral_norm"]:
            built = torch.nn.utils.spectral_norm(built, sn["name"], sn["n_power_iterations"], sn["eps"], sn["dim"])
        return built
    children = [(child_name, _from_structure(c)) for child_name, c in d["children"]]
    if name == "Sequential":
        return torch.nn.Sequential(*[c for _, c in children])
    if name == "ModuleList":
        return torch.nn.ModuleList([c for _, c in children])
    cls = _torch_gan_classes()[name]
    built = cls.__new__(cls)
    torch.nn.Module.__init__(built)
    for key, value in d["attributes"].items():
        setattr(built, key, tuple(value) if isinstance(value, list) else value)
    for buffer_name, shape in d.get("buffers", []):  # exports before 2026-12-04 have none
        built.register_buffer(buffer_name, torch.zeros(tuple(shape)))
    for child_name, child in children:
        setattr(built, child_name, child)
    return built


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _common_dtype(state):
    dtypes = {np.dtype(v.dtype).type for v in state.values() if np.dtype(v.dtype).kind == "f"}
    if len(dtypes) > 1:
        raise TypeError(f"interop: the module mixes floating dtypes {sorted(d.__name__ for d in dtypes)}")
    return dtypes.pop() if dtypes else None


def _copy_into_torch(built, state):
    torch = _torch()
    target = built.state_dict()
    missing, unexpected = set(target) - set(state), set(state) - set(target)
    if missing or unexpected:
        raise ValueError(f"to_torch: state_dict keys differ: missing in npgan {sorted(missing)}, "
                         f"not in torch {sorted(unexpected)}")
    built.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in state.items()})


# --------------------------------------------------------------------------- the GAN models in torch

_GAN_CLASSES = None


def _torch_gan_classes():
    """torch versions of npgan.gan.models' modules: same attributes, submodules and forward."""
    global _GAN_CLASSES
    if _GAN_CLASSES is not None:
        return _GAN_CLASSES
    torch = _torch()

    def one_hot(labels, num_classes, dtype):
        return torch.nn.functional.one_hot(torch.as_tensor(labels, dtype=torch.int64), num_classes).to(dtype)

    class MLPGenerator(torch.nn.Module):
        ATTRIBUTES = ("out_shape", "num_classes")

        def forward(self, z, labels=None):
            if self.num_classes is not None:
                z = torch.cat([z, one_hot(labels, self.num_classes, z.dtype)], 1)
            x = self.net(z)
            return x if len(self.out_shape) == 1 else x.reshape((x.shape[0],) + tuple(self.out_shape))

    class MLPDiscriminator(torch.nn.Module):
        ATTRIBUTES = ("num_classes",)

        def forward(self, x, labels=None):
            x = x.flatten(1)
            if self.num_classes is not None:
                x = torch.cat([x, one_hot(labels, self.num_classes, x.dtype)], 1)
            return self.net(x)

    class PackedDiscriminator(torch.nn.Module):
        ATTRIBUTES = ("pack",)

        def forward(self, x):
            return self.net(x.reshape((x.shape[0] // self.pack, -1)))

    class MinibatchMLPDiscriminator(torch.nn.Module):
        ATTRIBUTES = ()

        def forward(self, x):
            return self.out(self.minibatch(self.features(x.flatten(1))))

    class MinibatchDiscrimination(torch.nn.Module):
        """npgan.nn.MinibatchDiscrimination: [f, sum_j exp(-||M_i,b - M_j,b||_1)], M = f T."""

        def __init__(self, in_features, num_kernels, kernel_dim):
            super().__init__()
            self.num_kernels, self.kernel_dim = num_kernels, kernel_dim
            self.T = torch.nn.Parameter(torch.empty(in_features, num_kernels * kernel_dim))

        def forward(self, f):
            M = (f @ self.T).reshape(f.shape[0], self.num_kernels, self.kernel_dim)
            l1 = (M.unsqueeze(1) - M.unsqueeze(0)).abs().sum(3)
            return torch.cat([f, torch.exp(-l1).sum(1)], 1)

    class MinibatchStdDev(torch.nn.Module):
        """npgan.nn.MinibatchStdDev: the group's mean standard deviation as one more channel."""

        def __init__(self, group_size=None, eps=1e-8):
            super().__init__()
            self.group_size, self.eps = group_size, eps

        def forward(self, x):
            n = x.shape[0]
            g = n if self.group_size is None else self.group_size
            groups = x.reshape((n // g, g) + tuple(x.shape[1:]))
            std = torch.sqrt(groups.var(1, unbiased=False) + self.eps)
            s = std.reshape(n // g, -1).mean(1).reshape((n // g, 1, 1) + (1,) * (x.ndim - 2))
            return torch.cat([x, s.expand((n // g, g, 1) + tuple(x.shape[2:])).reshape((n, 1) + tuple(x.shape[2:]))], 1)

    class VirtualBatchNorm(torch.nn.Module):
        """npgan.nn.VirtualBatchNorm: the reference pass records (mean, mean_sq, N) and is
        normalized with them; then x with a/(N+1)-weighted own and N/(N+1) reference ones."""

        def __init__(self, num_features, eps=1e-5, affine=True):
            super().__init__()
            self.num_features, self.eps, self.affine = num_features, eps, affine
            if affine:
                self.weight = torch.nn.Parameter(torch.ones(num_features))
                self.bias = torch.nn.Parameter(torch.zeros(num_features))
            self.reference_stats = None

        def example_share(self, n_reference):
            return 1.0 / (n_reference + 1)

        def forward(self, x):
            spatial = tuple(range(2, x.ndim))
            if self.reference_stats is None:
                mean, mean_sq = x.mean((0,) + spatial, keepdim=True), (x * x).mean((0,) + spatial, keepdim=True)
                self.reference_stats = (mean, mean_sq, x.shape[0])
                return self._normalize(x, mean, mean_sq)
            ref_mean, ref_mean_sq, n = self.reference_stats
            a = self.example_share(n)
            own_mean = x.mean(spatial, keepdim=True) if spatial else x
            own_mean_sq = (x * x).mean(spatial, keepdim=True) if spatial else x * x
            mean, mean_sq = a * own_mean + (1 - a) * ref_mean, a * own_mean_sq + (1 - a) * ref_mean_sq
            return self._normalize(x, mean, mean_sq)

        def _normalize(self, x, mean, mean_sq):
            y = (x - mean) / torch.sqrt(mean_sq - mean * mean + self.eps)
            if self.affine:
                shape = (1, self.num_features) + (1,) * (x.ndim - 2)
                y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
            return y

    class ReferenceBatchNorm(VirtualBatchNorm):
        """npgan.nn.ReferenceBatchNorm: x normalized with the reference batch's statistics alone."""

        def example_share(self, n_reference):
            return 0.0

    class WithReferenceBatch(torch.nn.Module):
        """npgan.nn.WithReferenceBatch: ``module`` on the ``reference`` buffer (each norm records
        its statistics), then on the input; the statistics forgotten after the call."""
        ATTRIBUTES = ()

        def forward(self, input):
            layers = [m for m in self.module.modules() if isinstance(m, VirtualBatchNorm)]
            for layer in layers:
                layer.reference_stats = None
            try:
                self.module(self.reference)
                return self.module(input)
            finally:
                for layer in layers:
                    layer.reference_stats = None

    class UNet(torch.nn.Module):
        """npgan.gan.unet.UNet: the decoder's output concatenated with the encoder's features."""
        ATTRIBUTES = ()

        def forward(self, x):
            skips = []
            for layer in self.down:
                x = layer(x)
                skips.append(x)
            x = self.up[0](x)
            for layer, skip in zip(self.up[1:], reversed(skips[:-1])):
                x = layer(torch.cat([x, skip], 1))
            return x

    class PatchDiscriminator(torch.nn.Module):
        """npgan.gan.unet.PatchDiscriminator: D(y, x) on cat(x, y)."""
        ATTRIBUTES = ()

        def forward(self, y, x):
            return self.net(torch.cat([x, y], 1))

    _GAN_CLASSES = {c.__name__: c for c in (MLPGenerator, MLPDiscriminator, PackedDiscriminator,
                                            MinibatchMLPDiscriminator, MinibatchDiscrimination, MinibatchStdDev,
                                            VirtualBatchNorm, ReferenceBatchNorm, WithReferenceBatch,
                                            UNet, PatchDiscriminator)}
    return _GAN_CLASSES
