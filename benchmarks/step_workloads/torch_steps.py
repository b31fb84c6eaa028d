"""PyTorch's training steps, written as the npgan trainer runs them: gradients by
``torch.autograd.grad`` of each loss with respect to the updated model's parameters only
(so neither library computes the other network's weight gradients), then ``Adam.step``.
Batches come from NumPy, in the trainer's order (see ``common``)."""
import numpy as np
import torch
from torch import nn

from . import common

F = nn.functional


def version():
    return f"torch {torch.__version__}"


def _mlp(sizes, out_tanh):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(common.SLOPE))
    if out_tanh:
        layers.append(nn.Tanh())
    return layers


def _models(w):
    if w.arch == "mlp":
        n = int(np.prod(common.IMAGE))
        G = nn.Sequential(*_mlp((common.LATENT, 256, 256, n), True), nn.Unflatten(1, common.IMAGE))
        D = nn.Sequential(nn.Flatten(), *_mlp((n, 256, 256, 1), False))
        return G, D
    lrelu = lambda: nn.LeakyReLU(common.SLOPE)  # noqa: E731
    G = nn.Sequential(
        nn.Linear(common.LATENT, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), lrelu(),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), lrelu(),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(64), lrelu(),
        nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
    layers = [nn.Conv2d(1, 64, 5, 2, 2), lrelu()] + ([nn.Dropout(w.dropout)] if w.dropout else [])
    layers += [nn.Conv2d(64, 128, 5, 2, 2), lrelu()] + ([nn.Dropout(w.dropout)] if w.dropout else [])
    D = nn.Sequential(*layers, nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
    return G, D


def _load(module, arrays):
    params = list(module.parameters())
    assert len(params) == len(arrays), (len(params), len(arrays))
    with torch.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(torch.from_numpy(a))


def build(w, arrays):
    torch.manual_seed(common.SEED)
    G, D = _models(w)
    _load(G, common.params_of(arrays, f"{w.arch}_G"))
    _load(D, common.params_of(arrays, f"{w.arch}_D"))
    g_params, d_params = list(G.parameters()), list(D.parameters())
    opt_g = torch.optim.Adam(g_params, lr=w.lr, betas=w.betas)
    opt_d = torch.optim.Adam(d_params, lr=w.lr, betas=w.betas)
    rng = np.random.default_rng(common.SEED)
    sample = common.sample_real(arrays["real"])
    B = w.batch

    def real_and_fake():
        real = torch.from_numpy(sample(B, rng)[0])
        with torch.no_grad():
            fake = G(torch.from_numpy(common.noise(rng, B)))
        return real, fake

    def apply(opt, params, loss):
        for p, g in zip(params, torch.autograd.grad(loss, params)):
            p.grad = g
        opt.step()

    def bce_d_loss(real, fake):
        r, f = D(real), D(fake)
        return 0.5 * F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
            0.5 * F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))

    def lsgan_d_loss(real, fake):
        return 0.5 * ((D(real) - 1.0) ** 2).mean() + 0.5 * (D(fake) ** 2).mean()

    def wgan_gp_d_loss(real, fake):
        critic = D(fake).mean() - D(real).mean()
        eps = torch.from_numpy(common.interpolation_eps(rng, B))
        x_hat = (eps * real + (1.0 - eps) * fake).requires_grad_(True)
        g, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
        norm = torch.sqrt((g * g).sum(dim=tuple(range(1, g.ndim))) + 1e-12)
        return critic + common.GP_LAMBDA * ((norm - 1.0) ** 2).mean()

    def g_loss():
        out = D(G(torch.from_numpy(common.noise(rng, B))))
        if w.game == "non_saturating":
            return 0.5 * F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        if w.game == "lsgan":
            return 0.5 * ((out - 1.0) ** 2).mean()
        return -out.mean()

    d_loss_fn = {"non_saturating": bce_d_loss, "lsgan": lsgan_d_loss}.get(w.game, wgan_gp_d_loss)

    def step():
        for _ in range(w.n_critic):
            d_loss = d_loss_fn(*real_and_fake())
            apply(opt_d, d_params, d_loss)
        if w.game == "wgan-gp-critic":
            return {"d_loss": d_loss.item()}
        loss = g_loss()
        apply(opt_g, g_params, loss)
        return {"d_loss": d_loss.item(), "g_loss": loss.item()}
    return step
