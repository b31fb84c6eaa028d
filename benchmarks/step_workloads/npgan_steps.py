"""npgan's training steps: the real training loop (``GANTrainer``, the games and models of
``npgan.gan``), exactly what ``npgan train`` runs -- including its one pass of D on
cat([real, fake]) for the MLP discriminators (``joint_discriminator_pass="auto"``; the
PyTorch and DeZero steps score real and fake in two passes, as their loops are written).
The DCGAN discriminator has Dropout, so "auto" scores it in two passes, like the peers."""
import os

import npgan
from npgan import optim
from npgan.gan.games import BCEGame, LSGANGame, WGANGPGame
from npgan.gan.models import MLPDiscriminator, MLPGenerator, dcgan_discriminator, dcgan_generator
from npgan.gan.trainer import GANTrainer

from . import common

HIDDEN = (256, 256)


def version():
    return f"npgan {npgan.__version__} from {os.path.dirname(os.path.dirname(npgan.__file__))} " \
           f"(backend {npgan.get_backend()})"


def _load(module, arrays):
    params = list(module.parameters())
    if len(params) != len(arrays):
        raise ValueError(f"{type(module).__name__}: {len(params)} parameters, {len(arrays)} arrays")
    for p, a in zip(params, arrays):
        if p.shape != a.shape:
            raise ValueError(f"parameter of shape {p.shape} given an array of shape {a.shape}")
        p.data[...] = a


def build(w, arrays):
    """A ``step()`` that runs one training step of workload ``w`` and returns its losses."""
    npgan.manual_seed(common.SEED)  # dropout masks
    if w.arch == "mlp":
        G, D = MLPGenerator(common.LATENT, common.IMAGE, HIDDEN), MLPDiscriminator(common.IMAGE, HIDDEN)
    else:
        G, D = dcgan_generator(common.LATENT), dcgan_discriminator(dropout=w.dropout)
    _load(G, common.params_of(arrays, f"{w.arch}_G"))
    _load(D, common.params_of(arrays, f"{w.arch}_D"))
    game = {"bce": BCEGame("non_saturating"), "lsgan": LSGANGame(0.0, 1.0, 1.0)}.get(w.game) or WGANGPGame(
        common.GP_LAMBDA)
    opt_g = optim.Adam(G.parameters(), lr=w.lr, betas=w.betas)
    opt_d = optim.Adam(D.parameters(), lr=w.lr, betas=w.betas)
    trainer = GANTrainer(G, D, opt_g, opt_d, game, common.sample_real(arrays["real"]), common.LATENT,
                         batch_size=w.batch, n_critic=w.n_critic, seed=common.SEED)
    if w.game != "wgan-gp-critic":
        return trainer.step
    d_params = list(D.parameters())

    def critic_update():
        # the body of GANTrainer.step's critic loop, once
        d_loss, metrics = trainer._discriminator_loss()
        trainer._apply(trainer.opt_d, d_params, d_loss)
        return metrics
    return critic_update
