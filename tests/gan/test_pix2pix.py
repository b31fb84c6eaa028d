"""pix2pix training (npgan.gan.pix2pix): one step of the trainer equals the update written
out by hand from the equations (D on (x, y) vs (x, G(x)), then G on the non-saturating
cost + lambda L1 on a fresh pair batch; L1 alone without a game), and bad settings fail."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F
from npgan.data import get_dataset
from npgan.gan import objectives as obj
from npgan.gan.games import BCEGame
from npgan.gan.pix2pix import Pix2PixTrainer
from npgan.gan.unet import PatchDiscriminator, UNet

LR = 0.01


def nets(seed=0):
    ng.manual_seed(seed)
    return UNet(dropout=0.0).double(), PatchDiscriminator().double()  # no dropout: a deterministic G


def sgd(module):
    return ng.optim.SGD(module.parameters(), lr=LR)


def pairs(n, rng):
    return get_dataset("digits-edges").sample(n, rng)


def tensors(batch):
    return [ng.tensor(np.asarray(a, np.float64)) for a in batch]


def sgd_step(module, loss):
    params = list(module.parameters())
    return [p.data - LR * g.data for p, g in zip(params, ng.grad(loss, params))]


def test_one_step_is_the_cgan_update_then_the_cgan_plus_l1_update():
    G, D = nets()
    trainer = Pix2PixTrainer(G, D, sgd(G), sgd(D), BCEGame("non_saturating"), pairs, l1_lambda=100.0,
                             batch_size=3, seed=4)
    G_ref, D_ref = nets()
    rng = np.random.default_rng(4)  # the trainer's stream: D's batch first, then G's
    x1, y1 = tensors(pairs(3, rng))
    with ng.no_grad():
        fake1 = G_ref(x1)
    d_loss = obj.discriminator_loss(D_ref(y1, x1), D_ref(fake1, x1))
    d_new = sgd_step(D_ref, d_loss)
    for p, v in zip(D_ref.parameters(), d_new):
        p.data[...] = v
    x2, y2 = tensors(pairs(3, rng))
    fake2 = G_ref(x2)
    g_loss = obj.non_saturating_generator_loss(D_ref(fake2, x2)) + 100.0 * F.l1_loss(fake2, y2)
    g_new = sgd_step(G_ref, g_loss)

    metrics = trainer.step()
    assert metrics["d_loss"] == pytest.approx(d_loss.item(), rel=1e-12)
    assert metrics["l1"] == pytest.approx(F.l1_loss(fake2, y2).item(), rel=1e-12)
    for p, want in zip(D.parameters(), d_new):
        np.testing.assert_allclose(p.data, want, rtol=1e-10, atol=1e-13)
    for p, want in zip(G.parameters(), g_new):
        np.testing.assert_allclose(p.data, want, rtol=1e-10, atol=1e-13)


def test_without_a_game_g_minimizes_lambda_l1_and_d_is_untouched():
    G, D = nets(1)
    d_before = [p.data.copy() for p in D.parameters()]
    trainer = Pix2PixTrainer(G, D, sgd(G), sgd(D), None, pairs, l1_lambda=100.0, batch_size=2, seed=5)
    G_ref, _ = nets(1)
    x, y = tensors(pairs(2, np.random.default_rng(5)))
    want = sgd_step(G_ref, 100.0 * F.l1_loss(G_ref(x), y))
    assert set(trainer.step()) == {"l1"} and trainer.step_count == 1
    for p, w in zip(G.parameters(), want):
        np.testing.assert_allclose(p.data, w, rtol=1e-10, atol=1e-13)
    for p, before in zip(D.parameters(), d_before):
        np.testing.assert_array_equal(p.data, before)


def test_bad_settings_are_refused():
    G, D = nets()
    with pytest.raises(ValueError, match="l1_lambda must be a number >= 0, got -1"):
        Pix2PixTrainer(G, D, sgd(G), sgd(D), BCEGame(), pairs, l1_lambda=-1)
    with pytest.raises(ValueError, match="G has nothing to minimize"):
        Pix2PixTrainer(G, D, sgd(G), sgd(D), None, pairs, l1_lambda=0)
