"""Drawing samples from a trained generator, without disturbing its training.

``generate(trainer, n)`` runs G in eval mode (BatchNorm on its running statistics) under
``no_grad`` with its own latent stream (a fixed seed by default), so the same checkpoint
gives the same samples and the trainer's random stream is left untouched: drawing
pictures during a run never changes the run. ``translate(trainer, x)`` does the same for
a pix2pix G(x), dropout on as in the paper's test time, masks from their own seed.
"""
import contextlib

import numpy as np

from .. import random as ng_random
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor


def generate(trainer, n, labels=None, rng=None):
    """``n`` samples from G in eval mode (BN uses running statistics), as a NumPy array.
    ``rng`` defaults to a fixed seed so the same checkpoint gives the same samples and
    the trainer's own random stream is left untouched."""
    rng = rng or np.random.default_rng(12345)
    z = Tensor(rng.standard_normal((n, trainer.latent_dim)).astype(trainer.dtype))
    with in_mode(trainer.G, training=False), no_grad():
        return trainer.generate(z, labels).data


def translate(trainer, inputs, seed=12345):
    """G(x) of a pix2pix trainer for NumPy ``inputs``, with the U-Net's dropout on as in the
    paper's test time, its masks drawn from ``seed`` (npgan's own stream is left as it was)."""
    state = ng_random.get_rng_state()
    ng_random.manual_seed(seed)
    try:
        with in_mode(trainer.G, training=True), no_grad():
            return trainer.translate(Tensor(np.asarray(inputs, dtype=trainer.dtype))).data
    finally:
        ng_random.set_rng_state(state)


@contextlib.contextmanager
def in_mode(module, training):
    """``module`` in train (``training=True``) or eval mode for the block, then as it was."""
    was_training = module.training
    module.train(training)
    try:
        yield module
    finally:
        module.train(was_training)
