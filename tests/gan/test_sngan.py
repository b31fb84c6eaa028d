"""SNGAN: spectral normalization on every layer of the MLP and DCGAN critics. Once the
power iteration has converged, every normalized weight's largest singular value is 1
(numpy.linalg.svd), and so the MLP critic's input gradient never exceeds norm 1."""
import numpy as np
import pytest

import npgan as ng
from npgan.gan.games import HingeGame
from npgan.gan.models import MLPDiscriminator, dcgan_discriminator
from npgan.gan.sngan import NORMALIZED_LAYERS, spectrally_normalize
from npgan.nn.utils import SpectralNorm


def normalized_layers(D):
    return [m for m in D.modules() if isinstance(m, NORMALIZED_LAYERS)]


def weight_matrix(layer):
    """The weight that the layer uses, as SN's matrix: (out, everything else)."""
    w = layer.weight.data
    return w.reshape(w.shape[0], -1)


def converge_power_iteration(D, x, iterations):
    """Forward passes in training mode: each runs one power-iteration step per layer."""
    D.train()
    for _ in range(iterations):
        D(x)


def hinge_steps(D, x, steps, seed=0):
    """A few hinge-loss updates of D (real x against shifted x), so the weights are trained ones."""
    rng = np.random.default_rng(seed)
    optimizer = ng.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        fake = ng.tensor(x.data + rng.normal(size=x.shape))
        loss, _ = HingeGame().discriminator_loss(D, x, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("hidden", [(256, 256, 256), (7, 33)])
def test_mlp_critic_every_layer_has_largest_singular_value_one(hidden):
    ng.manual_seed(0)
    D = spectrally_normalize(MLPDiscriminator((2,), hidden, activation="relu").double())
    x = ng.tensor(np.random.default_rng(0).normal(size=(64, 2)))
    hinge_steps(D, x, 20)
    converge_power_iteration(D, x, 300)
    layers = normalized_layers(D)
    assert len(layers) == len(hidden) + 1
    for layer in layers:
        assert any(isinstance(h, SpectralNorm) for h in layer._forward_pre_hooks.values())
        assert np.linalg.svd(weight_matrix(layer), compute_uv=False)[0] == pytest.approx(1.0, abs=1e-3)


def test_dcgan_critic_every_layer_has_largest_singular_value_one():
    ng.manual_seed(0)
    D = spectrally_normalize(dcgan_discriminator(dropout=0.0).double())
    x = ng.tensor(np.random.default_rng(0).normal(size=(2, 1, 28, 28)))
    converge_power_iteration(D, x, 500)
    layers = normalized_layers(D)
    assert [type(m).__name__ for m in layers] == ["Conv2d", "Conv2d", "Linear"]
    for layer in layers:
        assert np.linalg.svd(weight_matrix(layer), compute_uv=False)[0] == pytest.approx(1.0, abs=1e-3)


def test_mlp_critic_is_1_lipschitz():
    """||grad_x D(x)|| <= prod of the layers' norms (1 each) times ReLU's slope 1."""
    ng.manual_seed(1)
    D = spectrally_normalize(MLPDiscriminator((2,), (64, 64), activation="relu").double())
    x = ng.tensor(np.random.default_rng(1).normal(size=(256, 2)), requires_grad=True)
    converge_power_iteration(D, x, 300)
    D.eval()
    g, = ng.grad(D(x).sum(), [x])
    assert np.linalg.norm(g.data, axis=1).max() <= 1.0 + 1e-6


def test_a_module_without_weights_is_rejected():
    with pytest.raises(ValueError, match="spectrally_normalize: ReLU has no Linear"):
        spectrally_normalize(ng.nn.ReLU())
