"""npgan.compile on the layers that carry state or randomness through a step --
training-mode BatchNorm (batch statistics, running statistics, num_batches_tracked),
dropout (a fresh mask per call) and spectral norm (the power iteration's u, v) --
against eager, the oracle: several whole training steps (forward, backward, Adam) of
DCGAN's G and D, a pix2pix U-Net with its PatchGAN and an SNGAN critic, compiled and
eager from the same seed, give the same losses, parameters and buffers bit for bit; so
do a generator with virtual batch norm and BatchNorm's cumulative average (momentum=None)."""
import numpy as np
import pytest

import npgan as ng
from npgan.gan.models import dcgan_discriminator, dcgan_generator
from npgan.gan.objectives import (discriminator_loss, hinge_discriminator_loss, hinge_generator_loss,
                                  non_saturating_generator_loss)
from npgan.gan.sngan import spectrally_normalize
from npgan.gan.unet import PatchDiscriminator, UNet

F = ng.nn.functional
DTYPES = [np.float32, np.float64]


def _cast(module, dtype):
    return module.double() if dtype == np.float64 else module.float()


def _adam(module):
    return ng.optim.Adam(module.parameters(), 1e-3, betas=(0.5, 0.999))


def _alternating_step(G, D, latent, dtype, d_cost, g_cost):
    """One D update on real and fake (G(z) detached), then one G update, each with Adam."""
    og, od = _adam(G), _adam(D)

    def step(real):
        fake = G(ng.randn(real.shape[0], latent, dtype=dtype))
        od.zero_grad()
        d_loss = d_cost(D(real), D(fake.detach()))
        d_loss.backward()
        od.step()
        og.zero_grad()
        g_loss = g_cost(D(fake))
        g_loss.backward()
        og.step()
        return d_loss, g_loss
    return step


def _dcgan(dtype):
    """DCGAN (BatchNorm in G, dropout in D): one D update on real and fake, one G update."""
    G, D = _cast(dcgan_generator(latent_dim=16), dtype), _cast(dcgan_discriminator(dropout=0.3), dtype)
    step = _alternating_step(G, D, 16, dtype, discriminator_loss, non_saturating_generator_loss)
    return (G, D), step, (4, 1, 28, 28)


def _pix2pix(dtype):
    """pix2pix: the U-Net (dropout in its decoder) against a PatchGAN, BCE plus L1."""
    G, D = _cast(UNet(dropout=0.5), dtype), _cast(PatchDiscriminator(), dtype)
    og, od = _adam(G), _adam(D)

    def step(pair):
        x, y = pair[:, :1], pair[:, 1:]
        fake = G(x)
        od.zero_grad()
        d_loss = discriminator_loss(D(y, x), D(fake.detach(), x))
        d_loss.backward()
        od.step()
        og.zero_grad()
        g_loss = non_saturating_generator_loss(D(fake, x)) + 100.0 * F.l1_loss(fake, y)
        g_loss.backward()
        og.step()
        return d_loss, g_loss
    return (G, D), step, (3, 2, 28, 28)


def _sngan(dtype):
    """SNGAN on 2-D points: a spectrally normalized MLP critic, the hinge loss."""
    nn = ng.nn
    G = _cast(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2)), dtype)
    D = _cast(spectrally_normalize(nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))), dtype)
    step = _alternating_step(G, D, 2, dtype, hinge_discriminator_loss, hinge_generator_loss)
    return (G, D), step, (8, 2)


def _run(game, dtype, batches, compiled):
    ng.manual_seed(0)
    modules, step, _ = game(dtype)
    if compiled:
        step = ng.compile(step)
    losses = [[t.data.copy() for t in step(ng.tensor(b))] for b in batches]
    return losses, [{k: v.copy() for k, v in m.state_dict().items()} for m in modules]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("game", [_dcgan, _pix2pix, _sngan], ids=["dcgan", "pix2pix_unet", "sngan"])
def test_compiled_training_steps_equal_eager_bit_for_bit(game, dtype):
    rng = np.random.default_rng(1)
    shape = game(dtype)[2]
    batches = [rng.uniform(-1, 1, shape).astype(dtype) for _ in range(5)]  # 2 traces, then 3 replays
    eager_losses, eager_state = _run(game, dtype, batches, compiled=False)
    losses, state = _run(game, dtype, batches, compiled=True)
    np.testing.assert_array_equal(losses, eager_losses)
    for got, want in zip(state, eager_state):
        assert got.keys() == want.keys()
        for k in want:  # parameters, running statistics, num_batches_tracked, u and v
            assert got[k].dtype == want[k].dtype, k
            np.testing.assert_array_equal(got[k], want[k], err_msg=k)
    # the steps moved the state (the checks above compare something that changed)
    _, start = _run(game, dtype, batches[:0], compiled=False)
    assert all(not np.array_equal(start[0][k], eager_state[0][k]) for k in start[0])


def test_running_statistics_follow_their_equations_under_replay():
    """After compiled steps, running_mean / running_var are the moving averages of the
    steps' batch statistics (NumPy, from the inputs) and num_batches_tracked counts them."""
    bn = ng.nn.BatchNorm2d(3, momentum=0.25, dtype=np.float64)
    step = ng.compile(lambda x: bn(x))
    rng = np.random.default_rng(2)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(5):
        x = rng.normal(2.0, 3.0, (4, 3, 2, 2))
        step(ng.tensor(x))
        mean = 0.75 * mean + 0.25 * x.mean((0, 2, 3))
        var = 0.75 * var + 0.25 * x.var((0, 2, 3), ddof=1)
    np.testing.assert_allclose(bn.running_mean.data, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.data, var, rtol=1e-13)
    assert int(bn.num_batches_tracked.data) == 5


def test_dropout_masks_are_fresh_at_every_replay_and_follow_eagers_stream():
    x = ng.tensor(np.ones((6, 50)))

    def f(x):
        return F.dropout(x, 0.5) * 2.0
    ng.manual_seed(3)
    want = [f(x).data for _ in range(6)]
    step = ng.compile(f)
    ng.manual_seed(3)
    got = [step(x).data for _ in range(6)]
    np.testing.assert_array_equal(got, want)
    masks = [g != 0 for g in got]
    assert all(not np.array_equal(a, b) for a, b in zip(masks, masks[1:]))
    assert 0.3 < np.mean(masks) < 0.7  # the kept share is about 1 - p


def test_spectral_norm_power_iteration_replays_on_the_live_weight():
    """Compiled forwards of a spectrally normalized layer run the power iteration on the
    current weight (changed between calls): u, v and the output equal eager's."""
    def make():
        ng.manual_seed(4)
        return ng.nn.utils.spectral_norm(ng.nn.Linear(5, 4, dtype=np.float64))
    eager, compiled = make(), make()
    step = ng.compile(lambda x: compiled(x))
    x = ng.tensor(np.random.default_rng(5).standard_normal((3, 5)))
    for k in range(5):
        for layer in (eager, compiled):
            layer.weight_orig.data[...] += 0.1 * k  # the weight moves between steps, as in training
        np.testing.assert_array_equal(step(x).data, eager(x).data)
        np.testing.assert_array_equal(compiled.weight_u.data, eager.weight_u.data)
        np.testing.assert_array_equal(compiled.weight_v.data, eager.weight_v.data)


def test_batch_norm_cumulative_average_replays_equal_to_eager():
    """momentum=None: the factor 1 / num_batches_tracked is an op, recomputed at each
    replay; the running mean is the mean of the batch means."""
    def make():
        return ng.nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    eager, compiled = make(), make()
    step = ng.compile(lambda x: compiled(x))
    rng = np.random.default_rng(6)
    batches = [ng.tensor(rng.standard_normal((4, 3))) for _ in range(5)]
    for x in batches:
        np.testing.assert_array_equal(step(x).data, eager(x).data)
    for k, v in eager.state_dict().items():
        np.testing.assert_array_equal(compiled.state_dict()[k], v, err_msg=k)
    np.testing.assert_allclose(compiled.running_mean.data, np.mean([x.data.mean(0) for x in batches], 0),
                               rtol=1e-13)


def test_virtual_batch_norm_steps_replay_equal_to_eager():
    """A generator with virtual batch norm (the reference pass runs inside every call):
    compiled Adam steps equal eager, parameters and the reference-batch buffer included."""
    nn = ng.nn
    reference = np.random.default_rng(7).standard_normal((6, 3))

    def make():
        ng.manual_seed(0)
        G = nn.WithReferenceBatch(nn.Sequential(nn.Linear(3, 5), nn.VirtualBatchNorm(5), nn.ReLU(),
                                                nn.Linear(5, 2)).double(), reference)
        opt = _adam(G)

        def step(z):
            opt.zero_grad()
            loss = (G(z) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return G, step
    rng = np.random.default_rng(8)
    zs = [ng.tensor(rng.standard_normal((4, 3))) for _ in range(5)]
    G1, eager = make()
    want = [eager(z).data.copy() for z in zs]
    G2, step = make()
    step = ng.compile(step)
    np.testing.assert_array_equal([step(z).data.copy() for z in zs], want)
    for k, v in G1.state_dict().items():
        np.testing.assert_array_equal(G2.state_dict()[k], v, err_msg=k)
