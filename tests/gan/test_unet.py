"""pix2pix's networks (npgan.gan.unet): output shapes, the skip wiring of the U-Net
(checked against a two-layer computation written with the functional ops), its dropout
as the noise source, and the PatchGAN's receptive field (a pixel outside a patch's
window leaves that patch's score exactly unchanged, one inside changes it)."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F
from npgan.gan.joint import batch_coupling
from npgan.gan.unet import LEAKY_SLOPE, PatchDiscriminator, UNet, patch_window


def images(n, seed=0, channels=1):
    return ng.tensor(np.random.default_rng(seed).uniform(-1, 1, (n, channels, 28, 28)))


@pytest.mark.parametrize("n", [1, 3])
def test_shapes(n):
    ng.manual_seed(0)
    G, D = UNet().double(), PatchDiscriminator().double()
    x = images(n)
    y = G(x)
    assert y.shape == (n, 1, 28, 28) and np.all(np.abs(y.data) < 1)
    assert D(y, x).shape == (n, 1, 7, 7)
    with pytest.raises(ValueError, match="PatchDiscriminator: the input x"):
        D(y[:, :, :14], x)


def test_the_outer_skip_carries_the_first_encoder_features_to_the_last_layer():
    """With the last layer's weights on the decoder's channels (the first 32 of its
    input) zeroed, G(x) = tanh(convT(e1(x), W[32:])) with e1 = lrelu(conv(x, W_0)): the
    output then depends on x through the skip alone, and through the right one."""
    ng.manual_seed(1)
    G = UNet().double().eval()
    last = G.up[2][0]
    with ng.no_grad():
        last.weight.data[:32] = 0.0
    x = images(2, seed=2)
    first = G.down[0][0]
    e1 = F.leaky_relu(F.conv2d(x, first.weight, first.bias, stride=2, padding=1), LEAKY_SLOPE)
    w_skip = ng.tensor(last.weight.data[32:])
    want = ng.tanh(F.conv_transpose2d(e1, w_skip, last.bias, stride=2, padding=1))
    np.testing.assert_allclose(G(x).data, want.data, rtol=1e-12, atol=1e-14)
    with ng.no_grad():  # the deeper layers no longer matter
        G.down[2][0].weight.data[:] = 0.0
    np.testing.assert_allclose(G(x).data, want.data, rtol=1e-12, atol=1e-14)


def test_the_inner_skip_is_concatenated_after_the_decoder_channels():
    """Zeroing up[1]'s weights on its last 64 input channels makes G equal a U-Net whose e2
    skip is replaced by zeros, computed by hand from the same layers: the concatenation
    puts the decoder's channels first and e2's second."""
    ng.manual_seed(3)
    G = UNet().double().eval()
    with ng.no_grad():
        G.up[1][0].weight.data[64:] = 0.0
    x = images(2, seed=4)
    e1 = G.down[0](x)
    e2 = G.down[1](e1)
    h = G.up[0](G.down[2](e2))
    h = G.up[1](ng.cat([h, e2 * 0.0], 1))
    want = G.up[2](ng.cat([h, e1], 1))
    np.testing.assert_allclose(G(x).data, want.data, rtol=1e-12, atol=1e-14)


def test_dropout_is_the_noise_in_training_mode_only():
    ng.manual_seed(5)
    G = UNet().double()
    x = images(2, seed=6)
    ng.manual_seed(7)
    a = G(x).data
    ng.manual_seed(7)
    np.testing.assert_array_equal(G(x).data, a)  # the masks come from npgan's seeded stream
    assert not np.allclose(G(x).data, a)       # new masks, a new output
    G.eval()
    np.testing.assert_array_equal(G(x).data, G(x).data)
    assert not np.allclose(G(x).data, a)


@pytest.mark.parametrize("channel", [0, 1])
def test_a_patch_score_depends_on_its_window_exactly(channel):
    ng.manual_seed(8)
    D = PatchDiscriminator().double()
    pair = images(1, seed=9, channels=2)
    base = D(pair[:, 1:], pair[:, :1]).data[0, 0]
    for r, c in [(0, 0), (5, 9), (13, 14), (27, 27), (20, 3)]:
        moved = pair.data.copy()
        moved[0, channel, r, c] += 0.5
        scores = D(ng.tensor(moved[:, 1:]), ng.tensor(moved[:, :1])).data[0, 0]
        for i in range(7):
            for j in range(7):
                rows, cols = patch_window(i, j)
                if r in rows and c in cols:
                    assert scores[i, j] != base[i, j], (r, c, i, j)
                else:
                    assert scores[i, j] == base[i, j], (r, c, i, j)


def test_the_patch_discriminator_is_per_sample():
    assert batch_coupling(PatchDiscriminator()) == []
