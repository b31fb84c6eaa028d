"""The PacGAN discriminator against a NumPy forward pass written out here, its gradient
by finite differences, and the configuration errors of packing."""
import numpy as np
import pytest

import npgan as ng
from npgan.gan.models import PackedDiscriminator
from npgan.app.presets import TrainConfig


def numpy_mlp(module, x):
    """The ReLU MLP ``module.net.net`` (Linear, ReLU, ..., Linear) on a NumPy array."""
    layers = [m for m in module.net.net]
    h = x
    for layer in layers:
        if isinstance(layer, ng.nn.Linear):
            h = h @ layer.weight.data.T + layer.bias.data
        else:
            h = np.maximum(h, 0.0)
    return h


@pytest.mark.parametrize("n,pack", [(8, 4), (6, 3), (4, 1), (2, 2)])
def test_packed_discriminator_judges_groups_of_consecutive_samples(n, pack):
    ng.manual_seed(0)
    D = PackedDiscriminator((2,), pack, hidden=(5, 3), activation="relu").double()
    x = np.random.default_rng(1).standard_normal((n, 2))
    out = D(ng.tensor(x)).data
    groups = np.stack([np.concatenate(x[i:i + pack]) for i in range(0, n, pack)])  # (n/pack, 2*pack)
    np.testing.assert_allclose(out, numpy_mlp(D, groups), rtol=1e-12, atol=1e-14)
    assert out.shape == (n // pack, 1)


def test_packed_discriminator_gradient_by_finite_differences():
    ng.manual_seed(0)
    D = PackedDiscriminator((2,), 2, hidden=(4,), activation="leaky_relu").double()
    x = ng.tensor(np.random.default_rng(2).standard_normal((4, 2)), requires_grad=True)
    assert ng.gradcheck(lambda t: D(t), [x])
    assert ng.gradgradcheck(lambda t: D(t), [x])


def test_a_batch_that_does_not_split_into_groups_is_a_clear_error():
    D = PackedDiscriminator((2,), 4)
    with pytest.raises(ValueError, match="PackedDiscriminator.*6 samples.*pack = 4"):
        D(ng.tensor(np.zeros((6, 2), np.float32)))


@pytest.mark.parametrize("kw,match", [
    (dict(model="wgan-gp", pack=2), "can't pack"),
    (dict(model="dcgan", pack=2), "can't pack"),
    (dict(model="cgan", pack=2), "can't pack"),
    (dict(model="pacgan", batch_size=30), "pack = 4 must divide batch_size = 30"),
    (dict(model="nsgan", pack=0), "pack: must be an integer in \\[1, "),
])
def test_packing_configuration_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kw).resolved()
