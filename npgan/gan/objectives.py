"""GAN objectives, each written from discriminator *logits* (never ``log(sigmoid)``).

Notation: l_r = D's logit on real x, l_f = D's logit on G(z), D(.) = sigmoid(l),
E = mean over the batch. Every cost is a composition of stable primitives
(``binary_cross_entropy_with_logits``, ``softplus``), so every order of derivative works.
Identities used: -log sigmoid(l) = softplus(-l), -log(1 - sigmoid(l)) = softplus(l).
"""
import numpy as np

from ..autograd.tensor import Tensor
from ..ops import binary_cross_entropy_with_logits, exp, mean, relu, softplus


def _target(logits, value):
    return Tensor(np.full(logits.shape, value, dtype=logits.dtype))


def discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """J(D) = -1/2 E log D(x) - 1/2 E log(1 - D(G(z))) (Goodfellow et al., 2014).

    ``label_smoothing`` = alpha gives one-sided label smoothing (Salimans et al., 2016):
    the real target becomes 1 - alpha, the fake target stays 0, so D is not pushed to
    overconfident real logits while fakes are still pushed down:
    J(D) = 1/2 E BCE(l_r, 1 - alpha) + 1/2 E BCE(l_f, 0)."""
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"discriminator_loss: label_smoothing must be in [0, 1), got {label_smoothing}")
    real = binary_cross_entropy_with_logits(real_logits, _target(real_logits, 1.0 - label_smoothing))
    fake = binary_cross_entropy_with_logits(fake_logits, _target(fake_logits, 0.0))
    return 0.5 * real + 0.5 * fake


def minimax_generator_loss(fake_logits):
    """Minimax (saturating) game: J(G) = -J(D). Only the fake term depends on G, so
    J(G) = 1/2 E log(1 - D(G(z))) = -1/2 E softplus(l_f) (the real term is a constant
    for G and is left out). Its gradient vanishes when D confidently rejects the fakes —
    the saturation the non-saturating cost avoids."""
    return -0.5 * mean(softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """Non-saturating heuristic: J(G) = -1/2 E log D(G(z)) = 1/2 E softplus(-l_f)."""
    return 0.5 * binary_cross_entropy_with_logits(fake_logits, _target(fake_logits, 1.0))


def maximum_likelihood_generator_loss(fake_logits):
    """Maximum-likelihood game (Goodfellow, NIPS 2016 tutorial):
    J(G) = -1/2 E exp(sigma^-1(D(G(z)))) = -1/2 E exp(l_f), since sigma^-1(D) is the logit.
    With an optimal D this makes G's expected gradient that of maximum likelihood."""
    return -0.5 * mean(exp(fake_logits))


def lsgan_discriminator_loss(real_out, fake_out, a=0.0, b=1.0):
    """LSGAN (Mao et al., 2017): min_D 1/2 E (D(x) - b)^2 + 1/2 E (D(G(z)) - a)^2,
    with D's raw output (no sigmoid); a = fake label, b = real label."""
    return 0.5 * mean((real_out - b) ** 2) + 0.5 * mean((fake_out - a) ** 2)


def lsgan_generator_loss(fake_out, c=1.0):
    """LSGAN: min_G 1/2 E (D(G(z)) - c)^2; c = the value G wants D to believe for fakes."""
    return 0.5 * mean((fake_out - c) ** 2)


def wasserstein_critic_loss(real_out, fake_out):
    """WGAN (Arjovsky et al., 2017): the critic maximizes E f(x) - E f(G(z)), so it
    minimizes E f(G(z)) - E f(x); f must be 1-Lipschitz (clipping or a penalty)."""
    return mean(fake_out) - mean(real_out)


def wasserstein_generator_loss(fake_out):
    """WGAN: G minimizes -E f(G(z))."""
    return -mean(fake_out)


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge loss (SNGAN, BigGAN): E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))."""
    return mean(relu(1.0 - real_logits)) + mean(relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """Hinge loss, generator side: -E D(G(z))."""
    return -mean(fake_logits)
