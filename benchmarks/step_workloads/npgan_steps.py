"""npgan's training steps: the real training loop (``GANTrainer``, the games and models of
``npgan.gan``), as ``npgan train`` runs it -- including the presets' one pass of D on
cat([real, fake]) (``npgan.gan.joint.JointPass``) for every discriminator without Dropout
(the PyTorch and DeZero steps score real and fake in two passes, as their loops are
written). The DCGAN discriminator with Dropout is scored in two passes, like the peers.

``build(w, arrays, compile=True)`` runs the step as ``npgan train`` does by default, as a
captured step (``npgan.compile``; eagerly where capture is refused, with one line on
stderr saying why); ``compile=False`` is ``npgan train --no-compile``, the eager column."""
import os

import npgan
from npgan import optim
from npgan.gan.games import BCEGame, LSGANGame, WGANGPGame
from npgan.gan.joint import JointPass
from npgan.gan.models import MLPDiscriminator, MLPGenerator, dcgan_discriminator, dcgan_generator
from npgan.gan.compiled import compiled_update
from npgan.gan.trainer import GANTrainer

from . import common

HIDDEN = (256, 256)


def version():
    from npgan.kernels import backend_of
    gemm = backend_of("gemm")
    if gemm == "c":  # the GEMM tiles on npgan's threads (npgan/kernels/gemm_tiles.py)
        from npgan.kernels import gemm_tiles
        gemm = f"c: OpenBLAS tiles on {gemm_tiles.get_num_threads()} threads"
    return f"npgan {npgan.__version__} from {os.path.dirname(os.path.dirname(npgan.__file__))} " \
           f"(backend {npgan.get_backend()}, gemm {gemm})"


def _load(module, arrays):
    params = list(module.parameters())
    if len(params) != len(arrays):
        raise ValueError(f"{type(module).__name__}: {len(params)} parameters, {len(arrays)} arrays")
    for p, a in zip(params, arrays):
        if p.shape != a.shape:
            raise ValueError(f"parameter of shape {p.shape} given an array of shape {a.shape}")
        p.data[...] = a


def build(w, arrays, compile=True):
    """A ``step()`` that runs one training step of workload ``w`` and returns its losses."""
    npgan.manual_seed(common.SEED)  # dropout masks
    if w.arch == "mlp":
        G, D = MLPGenerator(common.LATENT, common.IMAGE, HIDDEN), MLPDiscriminator(common.IMAGE, HIDDEN)
    else:
        G, D = dcgan_generator(common.LATENT), dcgan_discriminator(dropout=w.dropout)
    _load(G, common.params_of(arrays, f"{w.arch}_G"))
    _load(D, common.params_of(arrays, f"{w.arch}_D"))
    game = {"non_saturating": BCEGame("non_saturating"), "lsgan": LSGANGame(0.0, 1.0, 1.0)}.get(w.game) or \
        WGANGPGame(common.GP_LAMBDA)
    if w.arch == "mlp" or w.dropout == 0.0:
        game = JointPass(game, D)
    opt_g = optim.Adam(G.parameters(), lr=w.lr, betas=w.betas)
    opt_d = optim.Adam(D.parameters(), lr=w.lr, betas=w.betas)
    trainer = GANTrainer(G, D, opt_g, opt_d, game, common.sample_real(arrays["real"]), common.LATENT,
                         batch_size=w.batch, n_critic=w.n_critic, seed=common.SEED, compile=compile)
    if w.game != "wgan-gp-critic":
        return trainer.step
    return compiled_update(trainer, trainer.discriminator_step) if compile else trainer.discriminator_step


def build_eager(w, arrays):
    """``build`` with every step eager (``npgan train --no-compile``)."""
    return build(w, arrays, compile=False)
