"""``npgan.nn``: modules, layers, initializers and spectral norm, under PyTorch's names."""
from . import functional  # noqa: F401
from . import init, utils  # noqa: F401
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .containers import ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Linear
from .loss import L1Loss
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d", "Dropout", "Flatten", "L1Loss",
           "LayerNorm", "LeakyReLU", "Linear", "Module", "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
           "Unflatten", "init", "utils"]

# the GAN tutorials' batch-aware layers (NIPS 2016 tutorial, sections 4.3 and 5.1.1)
from .minibatch import MinibatchDiscrimination, MinibatchStdDev  # noqa: E402
from .virtual_batch_norm import ReferenceBatchNorm, VirtualBatchNorm, WithReferenceBatch  # noqa: E402
__all__ += ["MinibatchDiscrimination", "MinibatchStdDev", "ReferenceBatchNorm", "VirtualBatchNorm",
            "WithReferenceBatch"]

# domain-adversarial training's gradient reversal layer (seed 004; Ganin et al., 2016)
from .gradient_reversal import GradientReversal  # noqa: E402
__all__ += ["GradientReversal"]
