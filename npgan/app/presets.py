"""Named GAN setups for ``npgan train --model NAME``: the game, the models, the data and
the optimizer settings, each with the source of its numbers.

One source of truth for every hyper-parameter: a ``TrainConfig`` field holds its help text
(the ``npgan train`` flag is built from it) and ``None`` means "the preset's value"; a
``Preset`` holds the per-preset value, its dataclass default being the common one.
``TrainConfig.resolved()`` fills and checks every value (types, ranges, sizes) before
anything is built or written; ``build(config)`` then turns it into (G, D, opt_g, opt_d,
game, dataset).
"""
from dataclasses import asdict, dataclass, field, fields
from typing import Optional

from .. import optim
from ..data import get_dataset
from ..data import NAMES as DATA_NAMES
from ..data.paired import PAIRINGS
from ..gan.divergences import DIVERGENCES
from ..gan.fgan import FGANGame
from ..gan.games import BCEGame, HingeGame, LSGANGame, WGANGame, WGANGPGame
from ..gan.joint import JointPass
from ..gan.minibatch_models import FEATURES as MINIBATCH_FEATURES
from ..gan.minibatch_models import MinibatchMLPDiscriminator
from ..gan.unet import PatchDiscriminator, UNet
from ..gan.models import MLPDiscriminator, MLPGenerator, PackedDiscriminator, dcgan_discriminator, dcgan_generator
from ..gan.normalized_models import NORMS, normalized_mlp_generator
from ..gan.sngan import spectrally_normalize
from ..gan.trainer import UPDATES
from ..gan.unrolled import UnrolledGame
from .checks import ConfigError, check_choice, check_float, check_int, check_tuple

# The game of each preset: the three BCE games take BCEGame's generator-cost names.
GAMES = ("minimax", "non_saturating", "maximum_likelihood", "lsgan", "wgan", "wgan-gp", "hinge", "fgan")
BCE_GAMES = ("minimax", "non_saturating", "maximum_likelihood")
# fields that only some games or architectures read: anything else given for them is an error
GAME_FIELDS = {"label_smoothing": BCE_GAMES, "lsgan_abc": ("lsgan",), "clip": ("wgan",), "gp_lambda": ("wgan-gp",),
               "divergence": ("fgan",)}
MLP_FIELDS = ("hidden", "activation")


@dataclass(frozen=True)
class Preset:
    game: str                 # one of GAMES
    architecture: str         # mlp | dcgan | unet (pix2pix: trains on image pairs)
    data: str
    optimizer: str            # adam | rmsprop
    lr: float
    betas: tuple = (0.5, 0.999)
    n_critic: int = 1
    batch_size: int = 64
    latent_dim: int = 2
    hidden: tuple = (256, 256, 256)  # MLP hidden widths
    steps: int = 1000                # generator steps of a run
    gp_lambda: float = 10.0
    clip: float = 0.01
    lsgan_abc: tuple = (0.0, 1.0, 1.0)
    conditional: bool = False
    pack: int = 1                    # samples D judges at once (PacGAN)
    activation: str = "leaky_relu"   # of the MLPs' hidden layers: leaky_relu | relu
    lr_decay: str = "none"           # none | linear (to zero over the run's steps)
    joint_pass: bool = True          # D scores real and fake in one pass (npgan.gan.joint.JointPass)
    why: str = ""
    unroll: int = 0                  # simulated D steps in G's cost (unrolled GAN); 0 = the plain game
    minibatch: str = "none"          # D's minibatch features: none | discrimination | stddev
    divergence: str = "gan"          # f-GAN's f-divergence (npgan.gan.divergences)
    spectral_norm: bool = False      # spectral normalization on every layer of D (SNGAN)
    l1_lambda: float = 100.0         # pix2pix: weight of G's L1 distance to the target
    adversarial: bool = True         # False: G minimizes the L1 term alone, D is never trained
    g_norm: str = "none"             # MLP G's hidden normalization: none | batch | virtual (npgan.gan.normalized_models)

    def __post_init__(self):
        if self.game not in GAMES:
            raise ValueError(f"Preset: game must be one of {GAMES}, got {self.game!r}")
        if self.minibatch not in ("none",) + MINIBATCH_FEATURES:
            raise ValueError(f"Preset: minibatch must be none or one of {MINIBATCH_FEATURES}, got {self.minibatch!r}")
        if self.g_norm != "none" and (self.g_norm not in NORMS or self.architecture != "mlp" or self.conditional):
            raise ValueError(f"Preset: g_norm must be none, or one of {NORMS} for an unconditional MLP, "
                             f"got {self.g_norm!r}")
        if self.joint_pass and (self.minibatch != "none" or self.spectral_norm or self.unroll):
            raise ValueError("Preset: joint_pass must be False with minibatch features, spectral norm or "
                             "unrolling (one pass over real and fake would couple them, skip a power "
                             "iteration, or go unused by the simulated steps)")


# The 2-D mixture presets: ReLU MLPs (as the WGAN-GP paper's toy script) and both learning
# rates decaying linearly to zero over the run. Measured on ring8 (non-saturating GAN, 20,000
# steps, batch 64, seed 0; `npgan train --model nsgan --steps 20000 --activation A --lr-decay S`,
# then `npgan eval --seeds 3`): LeakyReLU at a constant lr left 59.1% of the samples within
# 3 std of a mode (reverse KL 0.134), ReLU 95.3% (0.013), ReLU with the decay 96.5% (0.004).
TOY = dict(activation="relu", lr_decay="linear")

PRESETS = {
    "gan": Preset("minimax", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "the original minimax game (Goodfellow et al., 2014); Adam 2e-4, beta1 0.5 from DCGAN")),
    "nsgan": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
        "non-saturating generator cost (NIPS 2016 tutorial); Adam 2e-4, beta1 0.5 from DCGAN")),
    "mlgan": Preset("maximum_likelihood", "mlp", "ring8", "adam", 2e-4, **TOY, why=(
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
    "wgan-gp-alg1": Preset("wgan-gp", "mlp", "digits", "adam", 1e-4, betas=(0.0, 0.9), n_critic=5, gp_lambda=10.0,
                           latent_dim=100, hidden=(128,), why=(
        "WGAN-GP's Algorithm 1 defaults (lambda 10, n_critic 5, Adam 1e-4, betas (0, 0.9); Gulrajani et al., "
        "2017) on the 784-128-1 MLP critic drawn beside it in the lecture notes, on digits")),
    "hinge": Preset("hinge", "mlp", "ring8", "adam", 2e-4, **TOY, why="hinge loss (SNGAN, BigGAN)"),
    "pacgan": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, batch_size=256, pack=4, **TOY, why=(
        "PacGAN4 (Lin et al., 2018): the non-saturating GAN whose D judges 4 samples at once; "
        "batch 256, so D sees 64 groups per step as the others see 64 samples")),
    "cgan": Preset("non_saturating", "mlp", "digits", "adam", 2e-4, latent_dim=100, conditional=True, steps=10000,
                   why=("conditional GAN (Mirza and Osindero, 2014): one-hot labels concatenated to z and to D's "
                        "input; 10,000 steps, as the README's cgan run")),
    "dcgan": Preset("non_saturating", "dcgan", "digits", "adam", 2e-4, latent_dim=100, joint_pass=False, why=(
        "DCGAN (Radford et al., 2016): Adam 2e-4, beta1 0.5, batch 64 as in the paper")),
    "dcgan-wgan-gp": Preset("wgan-gp", "dcgan", "digits", "adam", 1e-4, betas=(0.0, 0.9), n_critic=5, latent_dim=100,
                            why="the DCGAN generator with a BN-free conv critic and WGAN-GP's Algorithm 1 defaults"),
}

# The unrolled GAN and minibatch features (NIPS 2016 tutorial, section 5.1.1): the nsgan
# setup with one change each, so a comparison with nsgan isolates it.
PRESETS.update({
    "unrolled": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, unroll=5, joint_pass=False, **TOY, why=(
        "unrolled GAN (Metz et al., 2017): G's cost is D's after 5 simulated Adam steps of D, "
        "differentiated through them; otherwise nsgan")),
    "minibatch": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, minibatch="discrimination", joint_pass=False,
                        **TOY, why=(
        "minibatch discrimination (Salimans et al., 2016): D's last hidden features get 50 kernels of "
        "dimension 5 comparing each sample with its batch; otherwise nsgan")),
    "mbstd": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, minibatch="stddev", joint_pass=False, **TOY, why=(
        "minibatch standard deviation (Karras et al., 2018): D's last hidden features get the batch's mean "
        "standard deviation as one more feature; otherwise nsgan")),
    "minibatch-digits": Preset("non_saturating", "mlp", "digits", "adam", 2e-4, latent_dim=100,
                               minibatch="discrimination", joint_pass=False,
                               why="minibatch discrimination (Salimans et al., 2016) with MLPs on the digits"),
})

# f-GAN and SNGAN (seed 003: "Can we use other divergence?", and its last slides).
PRESETS.update({
    "fgan": Preset("fgan", "mlp", "ring8", "adam", 2e-4, divergence="kl", **TOY, why=(
        "f-GAN (Nowozin et al., 2016): D's output through g_f is the critic of the variational bound "
        "E_data T - E_G f*(T) on D_f(P_data || P_G); KL by default, --divergence picks another; "
        "otherwise nsgan")),
    "sngan": Preset("hinge", "mlp", "ring8", "adam", 2e-4, betas=(0.0, 0.9), spectral_norm=True, joint_pass=False,
                    **TOY, why=(
        "SNGAN (Miyato et al., 2018): spectral normalization on every layer of D and the hinge loss, Adam 2e-4 "
        "with betas (0, 0.9) as the paper's hinge-loss runs (with nsgan's betas (0.5, 0.999) it collapsed on "
        "ring8: README.md, SNGAN); otherwise nsgan's MLPs")),
    "sngan-dcgan": Preset("hinge", "dcgan", "digits", "adam", 2e-4, latent_dim=100, spectral_norm=True,
                          joint_pass=False, why=(
        "SNGAN with the DCGAN pair on digits: every conv and linear layer of the (dropout-free) conv critic "
        "spectrally normalized, hinge loss, Adam 2e-4, beta1 0.5")),
})


# Virtual batch norm (seed 001 section 4.3; Salimans et al., 2016) and its control: nsgan with a
# normalization after each of G's hidden layers, as DCGAN's G has. On ring8 a sample is judged
# within 3 std (0.03) of a mode, so BN's batch coupling shows: its batch statistics move with
# the z drawn together and shift the samples of a batch together, off their modes, and D is
# trained on fakes that share that shift. "bn" and "vbn" differ only in where G's statistics
# come from; each differs from nsgan by the normalization layers.
PRESETS.update({
    "vbn": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, g_norm="virtual", **TOY, why=(
        "virtual batch norm (Salimans et al., 2016) after each hidden layer of G: each sample normalized "
        "with the statistics of itself and a reference batch of 64 z fixed at the start; otherwise nsgan")),
    "bn": Preset("non_saturating", "mlp", "ring8", "adam", 2e-4, g_norm="batch", **TOY, why=(
        "the vbn preset's G with BatchNorm (each sample normalized with its batch's statistics), vbn's "
        "control; otherwise nsgan")),
})

# pix2pix (seed 004, "Pix2Pix"; Isola et al., 2017): U-Net G, PatchGAN D on (input, output),
# non-saturating cGAN loss + 100 L1, Adam 2e-4 with beta1 0.5 and batch 1 in the paper (64 here:
# npgan pays per op, not per sample). The L1-only twin is the paper's "L1" ablation.
PIX2PIX = dict(latent_dim=1, batch_size=64, steps=1500)
PRESETS.update({
    "pix2pix": Preset("non_saturating", "unet", "digits-edges", "adam", 2e-4, **PIX2PIX, why=(
        "pix2pix (Isola et al., 2017): U-Net generator with dropout as its noise, PatchGAN D on the "
        "(input, output) pair, non-saturating cGAN loss + 100 * L1; Adam 2e-4, beta1 0.5 as the paper")),
    "pix2pix-l1": Preset("non_saturating", "unet", "digits-edges", "adam", 2e-4, adversarial=False,
                         joint_pass=False, **PIX2PIX, why=(
        "pix2pix's L1 ablation: the same U-Net trained on 100 * L1 alone, no discriminator")),
})


ACTIVATIONS = ("leaky_relu", "relu")
LR_DECAYS = ("none", "linear")
DTYPES = ("float32", "float64")
# Bounds that keep a config (typed by hand or read from a hostile checkpoint) from
# allocating without limit before anything is checked.
MAX_PARAMETERS = 50_000_000      # per network: 200 MB of float32 weights
MAX_WIDTH = 65536
MAX_LAYERS = 32
MAX_BATCH = 65536
MAX_STEPS = 10 ** 9


def option(default=None, help="", **flag):
    """A TrainConfig field: its default (``None``: the preset's value), the help text of its
    ``npgan train`` flag and any argparse settings of that flag (``nargs``, ``type``, ``choices``)."""
    return field(default=default, metadata={"help": help, **flag})


@dataclass
class TrainConfig:
    """Everything that defines a run (saved as config.json and in every checkpoint).
    ``None`` fields take the preset's value."""
    model: str = option("wgan-gp", "the GAN preset", choices=tuple(PRESETS))
    data: Optional[str] = option(None, "ring8 | grid25 | swissroll | digits | mnist:PATH; image pairs (pix2pix "
                                       "models): digits-edges | digits-denoise")
    steps: Optional[int] = option(None, "generator steps of the run (with --resume: the new total)")
    batch_size: Optional[int] = option(None, "samples per batch")
    lr: Optional[float] = option(None, "learning rate of both players")
    betas: Optional[tuple] = option(None, "Adam's (beta1, beta2), each in [0, 1)", nargs=2, type=float,
                                   metavar=("BETA1", "BETA2"))
    n_critic: Optional[int] = option(None, "D steps per G step")
    latent_dim: Optional[int] = option(None, "size of the latent vector z")
    hidden: Optional[tuple] = option(None, "hidden widths of the MLP generator and discriminator, e.g. 128 128",
                                     nargs="+", type=int, metavar="WIDTH")
    update: str = option("alternating", "alternating (D then G) or simultaneous updates", choices=UPDATES)
    gp_lambda: Optional[float] = option(None, "WGAN-GP: weight lambda of the gradient penalty")
    clip: Optional[float] = option(None, "WGAN: clip the critic's weights to [-c, c]")
    label_smoothing: float = option(0.0, "BCE games: one-sided label smoothing alpha (real target 1 - alpha)")
    lsgan_abc: Optional[tuple] = option(None, "LSGAN: targets a (fake), b (real), c (G's wish)", nargs=3,
                                       type=float, metavar=("A", "B", "C"))
    seed: int = option(0, "seed of the weights and of every random draw")
    sample_every: int = option(250, "write a sample picture every N steps")
    checkpoint_every: int = option(250, "write checkpoint.npz every N steps")
    log_every: int = option(10, "append to metrics.csv every N steps")
    dtype: str = option("float32", "float32 or float64 weights", choices=DTYPES)
    activation: Optional[str] = option(None, "hidden activation of the MLPs", choices=ACTIVATIONS)
    lr_decay: Optional[str] = option(None, "learning-rate schedule: none, or linear decay to zero over --steps",
                                     choices=LR_DECAYS)
    pack: Optional[int] = option(None, "samples the discriminator judges at once (PacGAN)")
    unroll: Optional[int] = option(None, "unrolled GAN: simulated D optimizer steps that G's cost looks ahead "
                                         "and differentiates through, >= 0; 0 is the plain game")
    divergence: Optional[str] = option(None, "f-GAN: the f-divergence D_f(P_data || P_G) the critic bounds",
                                       choices=tuple(DIVERGENCES))
    l1_lambda: Optional[float] = option(None, "pix2pix: weight lambda of the L1 term in G's cost")
    compile: bool = option(True, "run each training step as a captured step (npgan.compile: traced on the first "
                                 "two steps, replayed after); where capture is refused (one line says why) the "
                                 "step runs eagerly. The numbers are the same either way, so --resume may change "
                                 "it; --no-compile runs every step eagerly")

    def resolved(self):
        """A checked copy with every ``None`` filled from the preset; ``ConfigError`` (a
        ``ValueError`` naming the field) for any bad value, before anything is built."""
        model = check_choice("model", self.model, tuple(PRESETS))
        preset = PRESETS[model]
        values = asdict(self)
        for name, value in values.items():
            if value is None:
                values[name] = getattr(preset, name)
        _check_values(values)
        _check_applicable(values, preset)
        _check_pack(model, preset, values["pack"], values["batch_size"])
        _check_unroll(model, preset, values["unroll"])
        _check_size(values, preset)
        return TrainConfig(**values)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        if not isinstance(data, dict):
            raise ConfigError("config", f"must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        values = dict(data)
        if values.get("extra", None) == {}:  # an unused field of configs saved before 2026-12
            del values["extra"]
        unknown = set(values) - known
        if unknown:
            raise ConfigError("config", f"unknown keys {sorted(unknown)}")
        # runs saved before these fields existed trained LeakyReLU MLPs at a constant lr
        values.setdefault("activation", "leaky_relu")
        values.setdefault("lr_decay", "none")
        for key in ("hidden", "lsgan_abc", "betas"):
            if isinstance(values.get(key), list):
                values[key] = tuple(values[key])
        return cls(**values)


def _check_values(v):
    """Types and ranges of every resolved value (names are the fields: the CLI turns them into flags)."""
    if not isinstance(v["data"], str) or not (v["data"] in DATA_NAMES or
                                              (v["data"].startswith("mnist:") and len(v["data"]) > 6)):
        raise ConfigError("data", f"unknown data set {v['data']!r}; valid: ring8, grid25, swissroll, digits, "
                                  "mnist:PATH, digits-edges, digits-denoise")
    check_int("steps", v["steps"], 1, MAX_STEPS)
    check_int("batch_size", v["batch_size"], 1, MAX_BATCH)
    check_float("lr", v["lr"], 0.0, None, low_open=True)
    check_int("n_critic", v["n_critic"], 1, 1000)
    check_int("latent_dim", v["latent_dim"], 1, MAX_WIDTH)
    check_tuple("hidden", v["hidden"], lambda name, x: check_int(name, x, 1, MAX_WIDTH), 1, MAX_LAYERS)
    check_choice("update", v["update"], UPDATES)
    check_float("gp_lambda", v["gp_lambda"], 0.0, None)
    check_float("clip", v["clip"], 0.0, None, low_open=True)
    check_float("label_smoothing", v["label_smoothing"], 0.0, 1.0, high_open=True)
    check_tuple("lsgan_abc", v["lsgan_abc"], lambda name, x: check_float(name, x, None, None), 3, 3)
    check_int("seed", v["seed"], 0, 2 ** 63 - 1)
    for name in ("sample_every", "checkpoint_every", "log_every"):
        check_int(name, v[name], 1, MAX_STEPS)
    check_choice("dtype", v["dtype"], DTYPES)
    check_choice("activation", v["activation"], ACTIVATIONS)
    check_choice("lr_decay", v["lr_decay"], LR_DECAYS)
    check_choice("divergence", v["divergence"], tuple(DIVERGENCES))
    check_float("l1_lambda", v["l1_lambda"], 0.0, None)
    if not isinstance(v["compile"], bool):
        raise ConfigError("compile", f"must be true or false, got {v['compile']!r}")


def _check_applicable(v, preset):
    """A value for a field the preset's game or architecture does not read is a mistake."""
    model = v["model"]
    if preset.optimizer == "adam":
        check_tuple("betas", v["betas"], lambda name, x: check_float(name, x, 0.0, 1.0, high_open=True), 2, 2)
    elif tuple(v["betas"]) != tuple(preset.betas):
        raise ConfigError("betas", f"model {model!r} trains with {preset.optimizer}, which has no betas")
    for name, games in GAME_FIELDS.items():
        if preset.game not in games and v[name] != _default(name, preset):
            raise ConfigError(name, f"model {model!r} plays {preset.game!r}, which does not use it "
                                    f"(read by {', '.join(games)})")
    paired = preset.architecture == "unet"
    if paired != (v["data"] in PAIRINGS):
        wants = "image pairs (" + ", ".join(PAIRINGS) + ")" if paired else "samples, not image pairs"
        raise ConfigError("data", f"{v['data']!r} does not fit model {model!r}, which trains on {wants}"
                                  + ("" if paired else "; the pix2pix models train on pairs: --model pix2pix"))
    if paired and v["latent_dim"] != preset.latent_dim:
        raise ConfigError("latent_dim", f"model {model!r} takes no z (its noise is the U-Net's dropout)")
    if not paired and v["l1_lambda"] != preset.l1_lambda:
        raise ConfigError("l1_lambda", f"model {model!r} has no L1 term (read by the pix2pix models)")
    if preset.architecture != "mlp":
        for name in MLP_FIELDS:
            if v[name] != _default(name, preset):
                raise ConfigError(name, f"model {model!r} has a {preset.architecture} architecture; "
                                        f"{name} sets the MLP models only")


def _default(name, preset):
    if hasattr(preset, name):
        return getattr(preset, name)
    return next(f.default for f in fields(TrainConfig) if f.name == name)


def _check_pack(model, preset, pack, batch_size):
    check_int("pack", pack, 1, MAX_BATCH)
    if pack == 1:
        return
    if preset.architecture != "mlp" or preset.conditional or preset.game == "wgan-gp":
        raise ConfigError("pack", f"{pack}: model {model!r} can't pack; packing needs an unconditional MLP "
                                  f"discriminator and no gradient penalty (whose norm is per sample)")
    if preset.minibatch != "none":
        raise ConfigError("pack", f"{pack}: model {model!r} has minibatch features, which already compare the "
                                  "samples of a batch; use pack 1")
    if batch_size % pack:
        raise ConfigError("pack", f"pack = {pack} must divide batch_size = {batch_size}")


def _check_unroll(model, preset, unroll):
    check_int("unroll", unroll, 0, 100)
    if unroll and (preset.optimizer != "adam" or preset.game == "wgan" or preset.conditional
                   or preset.architecture == "unet"):
        raise ConfigError("unroll", f"{unroll}: model {model!r} can't be unrolled; unrolling needs an "
                                    "unconditional model whose D uses Adam and no weight clipping")


def _mlp_parameters(widths):
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def _check_size(v, preset):
    """Bound the MLPs' parameter counts (from the data set's declared shape, nothing built)."""
    if preset.architecture != "mlp":
        return
    sample = 2 if v["data"] in ("ring8", "grid25", "swissroll") else 28 * 28
    classes = 10 if preset.conditional else 0
    hidden = list(v["hidden"])
    counts = {"G": _mlp_parameters([v["latent_dim"] + classes] + hidden + [sample]),
              "D": _mlp_parameters([sample * v["pack"] + classes] + hidden + [1])}
    for net, count in counts.items():
        if count > MAX_PARAMETERS:
            raise ConfigError("hidden", f"{tuple(hidden)} gives {net} {count:,} parameters, more than the "
                                        f"{MAX_PARAMETERS:,} npgan trains on a CPU")


def base_game(preset, config):
    """The game of ``preset`` with ``config``'s settings (label smoothing, LSGAN's a, b, c,
    the clip, the penalty weight, the divergence), without the wrappers ``build`` may add
    around it (the unrolled look-ahead, the joint real-and-fake pass): the objective itself,
    as the pictures need it to draw G's gradient field."""
    if preset.game in BCE_GAMES:
        return BCEGame(preset.game, config.label_smoothing)
    if preset.game == "lsgan":
        return LSGANGame(*config.lsgan_abc)
    if preset.game == "wgan":
        return WGANGame(config.clip)
    if preset.game == "wgan-gp":
        return WGANGPGame(config.gp_lambda)
    if preset.game == "fgan":
        return FGANGame(config.divergence)
    return HingeGame()


def _optimizer(preset, params, config):
    if preset.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=config.lr)
    return optim.Adam(params, lr=config.lr, betas=tuple(config.betas))


def _mlp_generator(preset, config, shape, num_classes):
    if preset.g_norm != "none":  # a reference batch of batch_size z for VBN, drawn after the weights
        return normalized_mlp_generator(config.latent_dim, shape, config.hidden, preset.g_norm, config.batch_size,
                                        config.activation)
    return MLPGenerator(config.latent_dim, shape, config.hidden, num_classes, config.activation)


def _mlp_discriminator(preset, config, shape, num_classes):
    if preset.minibatch != "none":
        return MinibatchMLPDiscriminator(shape, config.hidden, preset.minibatch, activation=config.activation)
    if config.pack == 1:
        return MLPDiscriminator(shape, config.hidden, num_classes, config.activation)
    return PackedDiscriminator(shape, config.pack, config.hidden, config.activation)


def build(config):
    """(G, D, opt_g, opt_d, game, dataset) for a resolved ``config``; ``game`` is None for a
    model without an adversarial term (pix2pix-l1)."""
    preset = PRESETS[config.model]
    dataset = get_dataset(config.data)
    num_classes = dataset.num_classes if preset.conditional else None
    if preset.conditional and num_classes is None:
        raise ValueError(f"model {config.model!r} is conditional but data set {config.data!r} has no labels")
    if preset.architecture == "unet":
        G, D = UNet(), PatchDiscriminator()
    elif preset.architecture == "dcgan":
        if dataset.shape != (1, 28, 28):
            raise ValueError(f"model {config.model!r} needs 28x28x1 images, data set {config.data!r} "
                             f"has samples of shape {dataset.shape}")
        G = dcgan_generator(config.latent_dim)
        D = dcgan_discriminator(dropout=0.0 if preset.game in ("wgan", "wgan-gp") or preset.spectral_norm else 0.3)
    else:
        G = _mlp_generator(preset, config, dataset.shape, num_classes)
        D = _mlp_discriminator(preset, config, dataset.shape, num_classes)
    if preset.spectral_norm:
        spectrally_normalize(D)
    if config.dtype == "float64":
        G.double()
        D.double()
    opt_g = _optimizer(preset, G.parameters(), config)
    opt_d = _optimizer(preset, D.parameters(), config)
    game = base_game(preset, config) if preset.adversarial else None  # None: pix2pix's L1 ablation
    if game is not None and config.unroll:  # D's simulated steps run through functional_call: two passes, as written
        game = UnrolledGame(game, D, opt_d, dataset.sample, config.unroll)
    elif game is not None and preset.joint_pass:  # not for a D that couples samples or draws (JointPass refuses those)
        game = JointPass(game, D)
    return G, D, opt_g, opt_d, game, dataset


def schedulers(config, opt_g, opt_d):
    """The learning-rate schedules of a resolved ``config``, stepped once per generator step:
    none, or both players' lr decaying linearly to zero over ``config.steps``."""
    if config.lr_decay == "none":
        return []
    return [optim.lr_scheduler.LinearLR(opt, 1.0, 0.0, total_iters=config.steps) for opt in (opt_g, opt_d)]
