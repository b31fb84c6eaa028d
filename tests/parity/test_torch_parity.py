"""The same model in npgan and in PyTorch (weights copied through state_dict, float64)
gives the same outputs, gradients and post-step parameters and statistics, to 1e-10:
an MLP under SGD / Adam / RMSprop, and a small DCGAN pair trained for a few alternating
steps with Adam. Skipped when PyTorch is not installed (it is never a dependency)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import npgan as ng  # noqa: E402
import npgan.nn as nn  # noqa: E402
import npgan.nn.functional as F  # noqa: E402
import npgan.optim as optim  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-10)


def build_pair(build):
    """``build(nn_namespace)`` in both libraries; npgan's random init copied into torch."""
    ng.manual_seed(0)
    ours = build(nn).double()
    theirs = build(torch.nn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(value.shape) == ours.state_dict()[key].shape, key
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def assert_same_state(ours, theirs):
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), err_msg=key, **TOL)


def assert_same_grads(ours, theirs):
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), err_msg=f"grad of {name}", **TOL)


def mlp(lib):
    # no bias right before a norm: its exact gradient is 0, and Adam would amplify
    # rounding noise of order 1e-17 into steps of size lr
    return lib.Sequential(lib.Linear(4, 16), lib.LeakyReLU(0.2), lib.BatchNorm1d(16), lib.Linear(16, 8), lib.Tanh(),
                          lib.LayerNorm(8), lib.Linear(8, 3), lib.Sigmoid())


OPTIMIZERS = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    "adam": (lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.999), weight_decay=1e-3),
             lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.5, 0.999), weight_decay=1e-3)),
    "adam-amsgrad": (lambda p: optim.Adam(p, lr=1e-2, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=1e-3, momentum=0.5, centered=True),
                lambda p: torch.optim.RMSprop(p, lr=1e-3, momentum=0.5, centered=True)),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_mlp_outputs_gradients_and_steps_match(name):
    ours, theirs = build_pair(mlp)
    make_ours, make_theirs = OPTIMIZERS[name]
    opt_ours, opt_theirs = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((8, 3))
    for _ in range(4):
        x = rng.standard_normal((8, 4))
        x_ours = ng.tensor(x, requires_grad=True)
        x_theirs = torch.tensor(x, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        np.testing.assert_allclose(y_ours.data, y_theirs.detach().numpy(), **TOL)
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        (y_ours * ng.tensor(weights)).sum().backward()
        (y_theirs * torch.from_numpy(weights)).sum().backward()
        np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), **TOL)
        assert_same_grads(ours, theirs)
        opt_ours.step()
        opt_theirs.step()
        assert_same_state(ours, theirs)
    x = rng.standard_normal((5, 4))
    with torch.no_grad():
        expected = theirs.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.eval()(ng.tensor(x)).data, expected, **TOL)


def generator(lib, nz=4):
    """DCGAN generator: latent (N, nz, 1, 1) -> image (N, 1, 16, 16) in [-1, 1]."""
    return lib.Sequential(
        lib.ConvTranspose2d(nz, 8, 4, 1, 0, bias=False), lib.BatchNorm2d(8), lib.ReLU(),
        lib.ConvTranspose2d(8, 4, 4, 2, 1, bias=False), lib.BatchNorm2d(4), lib.ReLU(),
        lib.ConvTranspose2d(4, 1, 4, 2, 1, bias=False), lib.Tanh())


def discriminator(lib):
    """DCGAN discriminator: image (N, 1, 16, 16) -> one logit per image."""
    return lib.Sequential(
        lib.Conv2d(1, 4, 4, 2, 1, bias=False), lib.LeakyReLU(0.2),
        lib.Conv2d(4, 8, 4, 2, 1, bias=False), lib.BatchNorm2d(8), lib.LeakyReLU(0.2),
        lib.Conv2d(8, 1, 4, 1, 0), lib.Flatten(0))


def test_dcgan_pair_trains_in_lockstep_with_adam():
    g_ours, g_theirs = build_pair(generator)
    d_ours, d_theirs = build_pair(discriminator)
    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    opts_ours = optim.Adam(g_ours.parameters(), **adam), optim.Adam(d_ours.parameters(), **adam)
    opts_theirs = torch.optim.Adam(g_theirs.parameters(), **adam), torch.optim.Adam(d_theirs.parameters(), **adam)
    bce_ours, bce_theirs = F.binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits
    rng = np.random.default_rng(2)

    def gan_step(G, D, opt_g, opt_d, bce, as_tensor, z, real, ones, zeros):
        """One alternating step (non-saturating generator loss); returns the losses and the fake batch."""
        fake = G(as_tensor(z))
        d_loss = bce(D(as_tensor(real)), as_tensor(ones)) + bce(D(fake.detach()), as_tensor(zeros))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = bce(D(fake), as_tensor(ones))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return d_loss, g_loss, fake

    for step in range(3):
        z, real = rng.standard_normal((4, 4, 1, 1)), np.tanh(rng.standard_normal((4, 1, 16, 16)))
        batch = (z, real, np.ones(4), np.zeros(4))
        d_o, g_o, fake_o = gan_step(g_ours, d_ours, *opts_ours, bce_ours, ng.tensor, *batch)
        d_t, g_t, fake_t = gan_step(g_theirs, d_theirs, *opts_theirs, bce_theirs, torch.from_numpy, *batch)
        np.testing.assert_allclose(fake_o.data, fake_t.detach().numpy(), **TOL)
        np.testing.assert_allclose([d_o.item(), g_o.item()], [d_t.item(), g_t.item()], **TOL)
        assert_same_grads(g_ours, g_theirs)
        assert_same_state(g_ours, g_theirs)
        assert_same_state(d_ours, d_theirs)


def test_weights_load_from_pytorch_into_npgan():
    theirs = discriminator(torch.nn).double()
    ours = discriminator(nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 1, 16, 16))
    with torch.no_grad():
        expected = theirs.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.eval()(ng.tensor(x)).data, expected, **TOL)
