"""What every library runs: the workloads, the weights and the data, all made with NumPy.

The weights follow PyTorch's layouts and its default initialization (weights and biases
uniform in +-1/sqrt(fan_in), fan_in = the product of weight dims 1..; BatchNorm weight 1,
bias 0). ``make_arrays`` draws them once from a seeded generator; the parent process
saves them to one ``.npz`` that every worker loads, so all libraries start from the same
numbers. Each library draws its batches from its own ``numpy.random.Generator(SEED)`` in
the order npgan's ``GANTrainer`` does (real batch, then noise, then the penalty's eps),
so all libraries also see the same data and noise; the first step's losses then agree
across libraries, which the table checks.
"""
from dataclasses import dataclass

import numpy as np

SEED = 0
LATENT = 100
IMAGE = (1, 28, 28)
POOL = 512  # real images to draw batches from
SLOPE = 0.2
GP_LAMBDA = 10.0


@dataclass(frozen=True)
class Workload:
    number: str          # the workload's number in issue 7
    title: str
    arch: str            # "mlp" | "dcgan"
    game: str            # "non_saturating" | "lsgan" | "wgan-gp" | "wgan-gp-critic" (one critic update only)
    batch: int
    lr: float
    betas: tuple
    n_critic: int = 1
    steps_per_call: int = 5  # training steps per timing request (a request takes ~0.05-0.5 s)
    dropout: float = 0.3     # DCGAN discriminator only; a WGAN-GP critic has none


WORKLOADS = {
    "mlp_gan_b64": Workload("1", "MLP GAN step, non-saturating BCE, batch 64", "mlp", "non_saturating", 64, 2e-4,
                            (0.5, 0.999), steps_per_call=10),
    "mlp_gan_b1": Workload("1", "MLP GAN step, batch 1", "mlp", "non_saturating", 1, 2e-4, (0.5, 0.999),
                           steps_per_call=20),
    "mlp_gan_b512": Workload("1", "MLP GAN step, batch 512", "mlp", "non_saturating", 512, 2e-4, (0.5, 0.999),
                             steps_per_call=3),
    "mlp_lsgan_b64": Workload("2", "MLP LSGAN step, batch 64", "mlp", "lsgan", 64, 2e-4, (0.5, 0.999),
                              steps_per_call=10),
    "mlp_wgan_gp_b64": Workload("3", "MLP WGAN-GP step: 5 critic updates (GP) + 1 G update", "mlp", "wgan-gp",
                                64, 1e-4, (0.0, 0.9), n_critic=5, steps_per_call=3),
    "dcgan_b64": Workload("4", "DCGAN 28x28 step, non-saturating BCE, batch 64", "dcgan", "non_saturating", 64, 2e-4,
                          (0.5, 0.999), steps_per_call=1),
    "dcgan_critic_gp_b64": Workload("5", "DCGAN WGAN-GP critic update (GP by double backprop)", "dcgan",
                                    "wgan-gp-critic", 64, 1e-4, (0.0, 0.9), steps_per_call=1, dropout=0.0),
}
QUICK_WORKLOADS = ("mlp_gan_b64", "mlp_wgan_gp_b64")


# --------------------------------------------------------------------------- parameters, PyTorch layout
# (name, shape, kind) in the order of torch's / npgan's ``parameters()``.

def mlp_generator_params(hidden=(256, 256)):
    sizes = (LATENT, *hidden, int(np.prod(IMAGE)))
    return [spec for a, b in zip(sizes[:-1], sizes[1:]) for spec in (((b, a), "weight"), ((b,), "bias"))]


def mlp_discriminator_params(hidden=(256, 256)):
    sizes = (int(np.prod(IMAGE)), *hidden, 1)
    return [spec for a, b in zip(sizes[:-1], sizes[1:]) for spec in (((b, a), "weight"), ((b,), "bias"))]


def dcgan_generator_params():
    return [((7 * 7 * 256, LATENT), "weight"), ((7 * 7 * 256,), "bn_weight"), ((7 * 7 * 256,), "bn_bias"),
            ((256, 128, 5, 5), "weight"), ((128,), "bn_weight"), ((128,), "bn_bias"),
            ((128, 64, 5, 5), "weight"), ((64,), "bn_weight"), ((64,), "bn_bias"),
            ((64, 1, 5, 5), "weight")]


def dcgan_discriminator_params():
    return [((64, 1, 5, 5), "weight"), ((64,), "bias"), ((128, 64, 5, 5), "weight"), ((128,), "bias"),
            ((1, 7 * 7 * 128), "weight"), ((1,), "bias")]


def _init(specs, rng):
    arrays, fan_in = [], 1
    for shape, kind in specs:
        if kind == "weight":
            fan_in = int(np.prod(shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        if kind == "bn_weight":
            a = np.ones(shape)
        elif kind == "bn_bias":
            a = np.zeros(shape)
        else:  # a bias uses the fan_in of the weight before it
            a = rng.uniform(-bound, bound, shape)
        arrays.append(a.astype(np.float32))
    return arrays


def make_arrays(seed=SEED):
    """{name: float32 array}: every model's parameters ("<model>.<i>") and the real data."""
    rng = np.random.default_rng(seed)
    out = {}
    for model, specs in (("mlp_G", mlp_generator_params()), ("mlp_D", mlp_discriminator_params()),
                         ("dcgan_G", dcgan_generator_params()), ("dcgan_D", dcgan_discriminator_params())):
        for i, a in enumerate(_init(specs, rng)):
            out[f"{model}.{i}"] = a
    out["real"] = np.tanh(rng.standard_normal((POOL,) + IMAGE)).astype(np.float32)
    return out


def params_of(arrays, model):
    """The parameter arrays of ``model`` ("mlp_G", "dcgan_D", ...) in order."""
    n = sum(1 for k in arrays if k.startswith(model + "."))
    return [arrays[f"{model}.{i}"] for i in range(n)]


def sample_real(pool):
    """GANTrainer's ``sample_real(n, rng)``: n images drawn (with replacement) from ``pool``."""
    def sample(n, rng):
        return pool[rng.integers(0, len(pool), n)], None
    return sample


def interpolation_eps(rng, batch):
    """The penalty's eps ~ U[0, 1), one per sample, drawn as npgan's ``interpolate`` draws it."""
    return rng.random((batch,) + (1,) * len(IMAGE)).astype(np.float32)


def noise(rng, batch):
    """z ~ N(0, I), drawn as ``GANTrainer.noise`` draws it."""
    return rng.standard_normal((batch, LATENT)).astype(np.float32)
