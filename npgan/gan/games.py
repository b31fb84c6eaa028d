"""A *game* pairs a discriminator cost and a generator cost (plus any constraint on
D), so one training loop runs them all. Each game takes D as a callable on a batch
(conditional models get the labels bound in by the trainer).

| game | D minimizes | G minimizes | constraint on D |
| --- | --- | --- | --- |
| ``BCEGame("minimax")`` | J(D), BCE | -J(D) (saturating) | — |
| ``BCEGame("non_saturating")`` | J(D) | -1/2 E log D(G(z)) | — |
| ``BCEGame("maximum_likelihood")`` | J(D) | -1/2 E exp(logit D(G(z))) | — |
| ``LSGANGame(a, b, c)`` | 1/2 E (D(x)-b)^2 + 1/2 E (D(G(z))-a)^2 | 1/2 E (D(G(z))-c)^2 | — |
| ``WGANGame(clip)`` | E f(G(z)) - E f(x) | -E f(G(z)) | weights clipped to [-c, c] |
| ``WGANGPGame(lam)`` | E f(G(z)) - E f(x) + GP | -E f(G(z)) | gradient penalty |
| ``HingeGame()`` | E relu(1-D(x)) + E relu(1+D(G(z))) | -E D(G(z)) | — |

``discriminator_loss(D, real, fake, rng)`` returns the loss and its metrics (a dict of
detached 0-d Tensors: the trainer turns them into floats after the step, so a captured
step, ``npgan.compile``, can return them),
``generator_loss(D, fake, rng)`` the loss; ``rng`` is the trainer's random stream, for the
games whose loss draws at random (WGAN-GP's eps, the unrolled GAN's real batch; ``None``:
npgan's global one). ``after_discriminator_step(D)`` enforces the constraint.
"""
from . import objectives as obj
from .penalties import clip_weights, gradient_penalty


_GENERATOR_COSTS = {
    "minimax": obj.minimax_generator_loss,
    "non_saturating": obj.non_saturating_generator_loss,
    "maximum_likelihood": obj.maximum_likelihood_generator_loss,
}


class BCEGame:
    """The original GAN game from logits, with a choice of generator cost and optional
    one-sided label smoothing."""

    def __init__(self, generator_cost="non_saturating", label_smoothing=0.0):
        if generator_cost not in _GENERATOR_COSTS:
            raise ValueError(f"BCEGame: generator_cost must be one of {sorted(_GENERATOR_COSTS)}, "
                             f"got {generator_cost!r}")
        self.generator_cost = generator_cost
        self.label_smoothing = label_smoothing

    def discriminator_loss(self, D, real, fake, rng=None):
        loss = obj.discriminator_loss(D(real), D(fake), self.label_smoothing)
        return loss, {"d_loss": loss.detach()}

    def generator_loss(self, D, fake, rng=None):
        return _GENERATOR_COSTS[self.generator_cost](D(fake))

    def after_discriminator_step(self, D_module):
        pass


class LSGANGame:
    def __init__(self, a=0.0, b=1.0, c=1.0):
        self.a, self.b, self.c = a, b, c

    def discriminator_loss(self, D, real, fake, rng=None):
        loss = obj.lsgan_discriminator_loss(D(real), D(fake), self.a, self.b)
        return loss, {"d_loss": loss.detach()}

    def generator_loss(self, D, fake, rng=None):
        return obj.lsgan_generator_loss(D(fake), self.c)

    def after_discriminator_step(self, D_module):
        pass


class WGANGame:
    """WGAN with weight clipping (c = 0.01 in the paper)."""

    def __init__(self, clip=0.01):
        self.clip = clip

    def discriminator_loss(self, D, real, fake, rng=None):
        loss = obj.wasserstein_critic_loss(D(real), D(fake))
        return loss, {"d_loss": loss.detach(), "wasserstein": -loss.detach()}

    def generator_loss(self, D, fake, rng=None):
        return obj.wasserstein_generator_loss(D(fake))

    def after_discriminator_step(self, D_module):
        clip_weights(D_module.parameters(), self.clip)


class WGANGPGame:
    """WGAN-GP: the critic's loss gets lam E (||grad D(x_hat)|| - 1)^2 (lam = 10)."""

    def __init__(self, lam=10.0):
        self.lam = lam

    def discriminator_loss(self, D, real, fake, rng=None):
        critic = obj.wasserstein_critic_loss(D(real), D(fake))
        penalty = gradient_penalty(D, real, fake, self.lam, rng=rng)
        loss = critic + penalty
        return loss, {"d_loss": loss.detach(), "wasserstein": -critic.detach(), "gp": penalty.detach()}

    def generator_loss(self, D, fake, rng=None):
        return obj.wasserstein_generator_loss(D(fake))

    def after_discriminator_step(self, D_module):
        pass


class HingeGame:
    def discriminator_loss(self, D, real, fake, rng=None):
        loss = obj.hinge_discriminator_loss(D(real), D(fake))
        return loss, {"d_loss": loss.detach()}

    def generator_loss(self, D, fake, rng=None):
        return obj.hinge_generator_loss(D(fake))

    def after_discriminator_step(self, D_module):
        pass
