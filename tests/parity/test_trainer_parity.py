"""The whole WGAN-GP training step against the same loop written in PyTorch: the same
weights and the same random numbers give the same parameters after several steps
(float64, to rounding). Skipped when torch is not installed."""
import numpy as np
import pytest

import npgan as ng
from npgan.gan.games import WGANGPGame
from npgan.gan.joint import JointPass
from npgan.gan.models import MLPDiscriminator, MLPGenerator
from npgan.gan.trainer import GANTrainer

torch = pytest.importorskip("torch")

B, LATENT, LR, BETAS, N_CRITIC, LAM = 16, 4, 1e-3, (0.5, 0.9), 5, 10.0


def torch_mlp(sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.LeakyReLU(0.2))
    return torch.nn.Sequential(*layers).double()


def sample_real(n, rng):
    return rng.normal(3.0, 0.5, (n, 1)), None


def copy_weights(npgan_module, torch_module):
    torch_module.load_state_dict({k[len("net."):]: torch.tensor(v) for k, v in npgan_module.state_dict().items()})


def torch_step(G, D, opt_g, opt_d, rng):
    """WGAN-GP Algorithm 1, consuming ``rng`` in the same order as GANTrainer."""
    for _ in range(N_CRITIC):
        real = torch.tensor(sample_real(B, rng)[0])
        z = torch.tensor(rng.standard_normal((B, LATENT)))
        with torch.no_grad():
            fake = G(z)
        critic = D(fake).mean() - D(real).mean()
        eps = torch.tensor(rng.random((B, 1)))
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_()
        g, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
        norm = torch.sqrt((g * g).sum(1) + 1e-12)  # npgan's norm keeps sqrt differentiable at 0
        loss = critic + LAM * ((norm - 1) ** 2).mean()
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
    g_loss = -D(G(torch.tensor(rng.standard_normal((B, LATENT))))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()


# The plain game scores real and fake in two passes, as the PyTorch loop does, and matches
# it to 1e-12. JointPass (the presets' choice) scores them in one pass of D on
# cat([real, fake]): the same function, but the weight gradients sum 2B rows at once, so
# a bias gradient that two passes make exactly 0 (the critic's E f(fake) - E f(real)
# cancels for a unit with one slope on every sample) comes out ~1e-18, and Adam's first
# update lr g / (|g| + eps) of it is ~1e-12: measured 7.1e-12 after 10 steps.
@pytest.mark.parametrize("joint,atol", [(False, 1e-12), (True, 1e-10)], ids=["two-passes", "joint-pass"])
def test_wgan_gp_training_matches_pytorch_step_for_step(joint, atol):
    ng.manual_seed(0)
    G = MLPGenerator(LATENT, (1,), (32, 32)).double()
    D = MLPDiscriminator((1,), (32, 32)).double()
    tG, tD = torch_mlp([LATENT, 32, 32, 1]), torch_mlp([1, 32, 32, 1])
    copy_weights(G, tG)
    copy_weights(D, tD)
    game = JointPass(WGANGPGame(LAM), D) if joint else WGANGPGame(LAM)
    trainer = GANTrainer(G, D, ng.optim.Adam(G.parameters(), lr=LR, betas=BETAS),
                         ng.optim.Adam(D.parameters(), lr=LR, betas=BETAS), game, sample_real,
                         LATENT, B, N_CRITIC, seed=3)
    opt_g = torch.optim.Adam(tG.parameters(), LR, betas=BETAS)
    opt_d = torch.optim.Adam(tD.parameters(), LR, betas=BETAS)
    rng = np.random.default_rng(3)
    for _ in range(10):
        trainer.step()
        torch_step(tG, tD, opt_g, opt_d, rng)
    for mine, theirs in ((G, tG), (D, tD)):
        for k, v in mine.state_dict().items():
            np.testing.assert_allclose(v, theirs.state_dict()[k[len("net."):]].numpy(), rtol=0, atol=atol,
                                       err_msg=k)
