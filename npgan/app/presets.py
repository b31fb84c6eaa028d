"""Named GAN setups for ``npgan train --model NAME``: the game, the models, the data and
the optimizer settings, each with the source of its numbers.

``build(config)`` turns a ``TrainConfig`` into (G, D, opt_g, opt_d, game, dataset).
"""
from dataclasses import asdict, dataclass, field, fields
from typing import Optional

from .. import optim
from ..data import get_dataset
from ..gan.games import BCEGame, HingeGame, LSGANGame, WGANGame, WGANGPGame
from ..gan.models import MLPDiscriminator, MLPGenerator, PackedDiscriminator, dcgan_discriminator, dcgan_generator
from ..gan.minibatch_models import MinibatchMLPDiscriminator
from ..gan.unrolled import UnrolledGame


@dataclass(frozen=True)
class Preset:
    game: str                 # bce-minimax | bce-ns | bce-ml | lsgan | wgan | wgan-gp | hinge
    architecture: str         # mlp | dcgan
    data: str
    optimizer: str            # adam | rmsprop
    lr: float
    betas: tuple = (0.5, 0.999)
    n_critic: int = 1
    batch_size: int = 64
    latent_dim: int = 2
    gp_lambda: float = 10.0
    conditional: bool = False
    pack: int = 1                    # samples D judges at once (PacGAN)
    activation: str = "leaky_relu"   # of the MLPs' hidden layers: leaky_relu | relu
    lr_decay: str = "none"           # none | linear (to zero over the run's steps)
    why: str = ""
    unroll: int = 0                  # simulated D steps in G's cost (unrolled GAN); 0 = the plain game
    minibatch: str = "none"          # D's minibatch features: none | discrimination | stddev


# The 2-D mixture presets: ReLU MLPs (as the WGAN-GP paper's toy script) and both learning
# rates decaying linearly to zero over the run. Measured on ring8 (non-saturating GAN, 20,000
# steps, batch 64, seed 0; `npgan train --model nsgan --steps 20000 --activation A --lr-decay S`,
# then `npgan eval --seeds 3`): LeakyReLU at a constant lr left 59.1% of the samples within
# 3 std of a mode (reverse KL 0.134), ReLU 95.3% (0.013), ReLU with the decay 96.5% (0.004).
TOY = dict(activation="relu", lr_decay="linear")

PRESETS = {
    "gan": Preset("bce-minimax", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "the original minimax game (Goodfellow et al., 2014); Adam 2e-4, beta1 0.5 from DCGAN")),
    "nsgan": Preset("bce-ns", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "non-saturating generator cost (NIPS 2016 tutorial); Adam 2e-4, beta1 0.5 from DCGAN")),
    "mlgan": Preset("bce-ml", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "maximum-likelihood generator cost (NIPS 2016 tutorial, section 3.2.3)")),
    "lsgan": Preset("lsgan", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "least squares with a, b, c = 0, 1, 1 (Mao et al., 2017, eq. 9 setting); Adam 2e-4, beta1 0.5 as the paper")),
    "wgan": Preset("wgan", "mlp", "ring8", "rmsprop", 5e-5, betas=(), n_critic=5, **TOY, why=(
        "weight clipping c = 0.01, RMSprop lr 5e-5, n_critic 5: the WGAN paper's Algorithm 1 defaults")),
    "wgan-gp": Preset("wgan-gp", "mlp", "ring8", "adam", 1e-4, betas=(0.5, 0.9), n_critic=5, batch_size=256,
                      gp_lambda=0.1, **TOY, why=(
        "lambda 0.1, beta1 0.5, Adam 1e-4, n_critic 5: the WGAN-GP paper's own toy script (gan_toy.py). "
        "Measured here on ring8: with it all 8 modes are covered from about step 500; with Algorithm 1's "
        "defaults (lambda 10, betas (0, 0.9), lr 1e-4) it covered 1 mode after 1500 steps")),
    "hinge": Preset("hinge", "mlp", "ring8", "adam", 2e-4, **TOY, why="hinge loss (SNGAN, BigGAN)"),
    "pacgan": Preset("bce-ns", "mlp", "ring8", "adam", 2e-4, batch_size=256, pack=4, **TOY, why=(
        "PacGAN4 (Lin et al., 2018): the non-saturating GAN whose D judges 4 samples at once; "
        "batch 256, so D sees 64 groups per step as the others see 64 samples")),
    "cgan": Preset("bce-ns", "mlp", "digits", "adam", 2e-4, latent_dim=100, conditional=True, why=(
        "conditional GAN (Mirza and Osindero, 2014): one-hot labels concatenated to z and to D's input")),
    "dcgan": Preset("bce-ns", "dcgan", "digits", "adam", 2e-4, latent_dim=100, why=(
        "DCGAN (Radford et al., 2016): Adam 2e-4, beta1 0.5, batch 64 as in the paper")),
    "dcgan-wgan-gp": Preset("wgan-gp", "dcgan", "digits", "adam", 1e-4, betas=(0.0, 0.9), n_critic=5, latent_dim=100,
                            why="the DCGAN generator with a BN-free conv critic and WGAN-GP's Algorithm 1 defaults"),
}

# The unrolled GAN and minibatch features (NIPS 2016 tutorial, section 5.1.1): the nsgan
# setup with one change each, so a comparison with nsgan isolates it.
PRESETS.update({
    "unrolled": Preset("bce-ns", "mlp", "ring8", "adam", 2e-4, unroll=5, **TOY, why=(
        "unrolled GAN (Metz et al., 2017): G's cost is D's after 5 simulated Adam steps of D, "
        "differentiated through them; otherwise nsgan")),
    "minibatch": Preset("bce-ns", "mlp", "ring8", "adam", 2e-4, minibatch="discrimination", **TOY, why=(
        "minibatch discrimination (Salimans et al., 2016): D's last hidden features get 50 kernels of "
        "dimension 5 comparing each sample with its batch; otherwise nsgan")),
    "mbstd": Preset("bce-ns", "mlp", "ring8", "adam", 2e-4, minibatch="stddev", **TOY, why=(
        "minibatch standard deviation (Karras et al., 2018): D's last hidden features get the batch's mean "
        "standard deviation as one more feature; otherwise nsgan")),
    "minibatch-digits": Preset("bce-ns", "mlp", "digits", "adam", 2e-4, latent_dim=100, minibatch="discrimination",
                               why="minibatch discrimination (Salimans et al., 2016) with MLPs on the digits"),
})


ACTIVATIONS = ("leaky_relu", "relu")
LR_DECAYS = ("none", "linear")


@dataclass
class TrainConfig:
    """Everything that defines a run (saved as config.json and in every checkpoint).
    ``None`` fields take the preset's value."""
    model: str = "wgan-gp"
    data: Optional[str] = None
    steps: int = 2000
    batch_size: Optional[int] = None
    lr: Optional[float] = None
    n_critic: Optional[int] = None
    latent_dim: Optional[int] = None
    hidden: tuple = (256, 256, 256)
    update: str = "alternating"
    gp_lambda: Optional[float] = None
    clip: float = 0.01
    label_smoothing: float = 0.0
    lsgan_abc: tuple = (0.0, 1.0, 1.0)
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 500
    log_every: int = 10
    dtype: str = "float32"
    activation: Optional[str] = None
    lr_decay: Optional[str] = None
    pack: Optional[int] = None
    unroll: Optional[int] = field(default=None, metadata={"help": (
        "unrolled GAN: simulated D optimizer steps that G's cost looks ahead and differentiates "
        "through, an int >= 0; 0 is the plain game (default: the preset's; unrolled: 5)")})
    extra: dict = field(default_factory=dict)

    def resolved(self):
        """A copy with every ``None`` filled from the preset."""
        if self.model not in PRESETS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(PRESETS)}")
        p = PRESETS[self.model]
        values = asdict(self)
        for name, preset_value in (("data", p.data), ("batch_size", p.batch_size), ("lr", p.lr),
                                   ("n_critic", p.n_critic), ("latent_dim", p.latent_dim),
                                   ("gp_lambda", p.gp_lambda), ("activation", p.activation),
                                   ("lr_decay", p.lr_decay), ("pack", p.pack), ("unroll", p.unroll)):
            if values[name] is None:
                values[name] = preset_value
        values["hidden"] = tuple(values["hidden"])
        values["lsgan_abc"] = tuple(values["lsgan_abc"])
        if values["activation"] not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {values['activation']!r}")
        if values["lr_decay"] not in LR_DECAYS:
            raise ValueError(f"lr_decay must be one of {LR_DECAYS}, got {values['lr_decay']!r}")
        _check_pack(self.model, p, values["pack"], values["batch_size"])
        _check_unroll(self.model, p, values["unroll"])
        return TrainConfig(**values)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"TrainConfig: unknown keys {sorted(unknown)}")
        values = dict(data)
        # runs saved before these fields existed trained LeakyReLU MLPs at a constant lr
        values.setdefault("activation", "leaky_relu")
        values.setdefault("lr_decay", "none")
        for key in ("hidden", "lsgan_abc"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)


def _check_pack(model, preset, pack, batch_size):
    if isinstance(pack, bool) or not isinstance(pack, int) or pack < 1:
        raise ValueError(f"pack must be an int >= 1, got {pack!r}")
    if pack == 1:
        return
    if preset.architecture != "mlp" or preset.conditional or preset.game == "wgan-gp":
        raise ValueError(f"pack = {pack}: model {model!r} can't pack; packing needs an unconditional MLP "
                         f"discriminator and no gradient penalty (whose norm is per sample)")
    if batch_size % pack:
        raise ValueError(f"pack = {pack} must divide batch_size = {batch_size}")


def _check_unroll(model, preset, unroll):
    if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll < 0:
        raise ValueError(f"unroll must be an int >= 0, got {unroll!r}")
    if unroll and (preset.optimizer != "adam" or preset.game == "wgan" or preset.conditional):
        raise ValueError(f"unroll = {unroll}: model {model!r} can't be unrolled; unrolling needs an unconditional "
                         f"model whose D uses Adam and no weight clipping")


def _game(preset, config):
    if preset.game.startswith("bce"):
        cost = {"bce-minimax": "minimax", "bce-ns": "non_saturating", "bce-ml": "maximum_likelihood"}[preset.game]
        return BCEGame(cost, config.label_smoothing)
    if preset.game == "lsgan":
        return LSGANGame(*config.lsgan_abc)
    if preset.game == "wgan":
        return WGANGame(config.clip)
    if preset.game == "wgan-gp":
        return WGANGPGame(config.gp_lambda)
    return HingeGame()


def _optimizer(preset, params, lr):
    if preset.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.Adam(params, lr=lr, betas=preset.betas)


def _mlp_discriminator(preset, config, shape, num_classes):
    if preset.minibatch != "none":
        if config.pack != 1:
            raise ValueError(f"pack = {config.pack}: model {config.model!r} has minibatch features, which already "
                             "compare the samples of a batch; use pack = 1")
        return MinibatchMLPDiscriminator(shape, config.hidden, preset.minibatch, activation=config.activation)
    if config.pack == 1:
        return MLPDiscriminator(shape, config.hidden, num_classes, config.activation)
    return PackedDiscriminator(shape, config.pack, config.hidden, config.activation)


def build(config):
    """(G, D, opt_g, opt_d, game, dataset) for a resolved ``config``."""
    preset = PRESETS[config.model]
    dataset = get_dataset(config.data)
    num_classes = dataset.num_classes if preset.conditional else None
    if preset.conditional and num_classes is None:
        raise ValueError(f"model {config.model!r} is conditional but data set {config.data!r} has no labels")
    if preset.architecture == "dcgan":
        if dataset.shape != (1, 28, 28):
            raise ValueError(f"model {config.model!r} needs 28x28x1 images, data set {config.data!r} "
                             f"has samples of shape {dataset.shape}")
        G = dcgan_generator(config.latent_dim)
        D = dcgan_discriminator(dropout=0.0 if preset.game in ("wgan", "wgan-gp") else 0.3)
    else:
        G = MLPGenerator(config.latent_dim, dataset.shape, config.hidden, num_classes, config.activation)
        D = _mlp_discriminator(preset, config, dataset.shape, num_classes)
    if config.dtype == "float64":
        G.double()
        D.double()
    opt_g = _optimizer(preset, G.parameters(), config.lr)
    opt_d = _optimizer(preset, D.parameters(), config.lr)
    game = _game(preset, config)
    if config.unroll:
        game = UnrolledGame(game, D, opt_d, dataset.sample, config.unroll)
    return G, D, opt_g, opt_d, game, dataset


def schedulers(config, opt_g, opt_d):
    """The learning-rate schedules of a resolved ``config``, stepped once per generator step:
    none, or both players' lr decaying linearly to zero over ``config.steps``."""
    if config.lr_decay == "none":
        return []
    return [optim.lr_scheduler.LinearLR(opt, 1.0, 0.0, total_iters=config.steps) for opt in (opt_g, opt_d)]
