"""GANs: objectives, penalties, games, models and the training loop (the application
on top of them -- presets, run directories, the command line -- is ``npgan.app``)."""
from .objectives import (discriminator_loss, hinge_discriminator_loss, hinge_generator_loss,
                         lsgan_discriminator_loss, lsgan_generator_loss, maximum_likelihood_generator_loss,
                         minimax_generator_loss, non_saturating_generator_loss, wasserstein_critic_loss,
                         wasserstein_generator_loss)
from .penalties import clip_weights, gradient_penalty, interpolate, per_sample_grad_norm, r1_penalty
