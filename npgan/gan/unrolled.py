"""The unrolled GAN (Metz et al., 2017; NIPS 2016 tutorial, section 5.1.1): G's cost is the
cost it would have against D *after* D had answered with k more optimizer steps, and G's
gradient flows through those k steps.

In theory G should minimize max_D V(G, D); in practice the alternating updates give G the
gradient of V at the current D and ignore the max, so G may jump to whatever fools the
current D -- one mode -- and D chases it from mode to mode. Unrolling looks k steps ahead:

    theta_D^0     = theta_D                                   (D's current parameters)
    theta_D^{j+1} = theta_D^j - step(grad_{theta_D} L_D(theta_G, theta_D^j))   j = 0 .. k-1
    f_k(theta_G)  = L_G(theta_G, theta_D^k(theta_G))

with D's own optimizer update for ``step`` (SGD or Adam, from D's optimizer's
hyper-parameters and a copy of its state; ``npgan.gan.differentiable_optim``). G descends
d f_k / d theta_G: each theta_D^j depends on theta_G through the fakes in L_D, and the
gradient of f_k runs back through every step -- a gradient of gradients, since each step
contains grad_{theta_D} L_D (recorded with ``create_graph=True``). The k simulated steps are
thrown away: D itself takes its usual step, on L_D. With k = 0, f_0 is the plain game's G
cost. ``first_order=True`` treats theta_D^k as a constant (the "stop gradient" variant the
paper compares against): G's gradient is the plain one, taken at the look-ahead D.

All k steps and the final cost use the same batches: the G(z) the trainer hands to
``generator_loss`` and one real batch drawn here with the trainer's random generator
(through ``npgan.random.draw``, so a captured step draws it afresh at each replay).
L_D and L_G are the wrapped game's (any game here but weight-clipped WGAN, whose clipping
is not part of the step; WGAN-GP's interpolates x_hat are constants for G, as
``npgan.gan.penalties`` makes them); D is called through ``npgan.nn.utils.functional_call`` with
the simulated parameters. The game needs no trainer change: it is given D (the module),
D's optimizer and the real-data sampler when it is built.
"""
import numpy as np

from ..autograd.engine import grad
from ..autograd.tensor import Tensor
from ..nn.utils import functional_call
from ..random import draw
from .differentiable_optim import differentiable_optimizer
from .games import WGANGame


class UnrolledGame:
    """``game`` with G's cost unrolled through ``unroll`` = k steps of ``optimizer`` (D's
    optimizer) on ``discriminator``'s parameters; ``sample_real(n, rng) -> (x, labels)``
    draws the real batch of those steps. Unconditional D only."""

    def __init__(self, game, discriminator, optimizer, sample_real, unroll=5, first_order=False):
        if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll < 0:
            raise ValueError(f"UnrolledGame: unroll must be an int >= 0 (the number of simulated D steps), "
                             f"got {unroll!r}")
        if isinstance(game, WGANGame):
            raise TypeError("UnrolledGame: the weight-clipped WGAN can't be unrolled (its clipping is not part "
                            "of the optimizer step); use WGANGPGame")
        differentiable_optimizer(optimizer, list(discriminator.parameters()))  # SGD or Adam, else TypeError now
        self.game, self.discriminator, self.optimizer = game, discriminator, optimizer
        self.sample_real, self.unroll, self.first_order = sample_real, unroll, first_order

    def discriminator_loss(self, D, real, fake, rng=None):
        return self.game.discriminator_loss(D, real, fake, rng)

    def after_discriminator_step(self, D_module):
        self.game.after_discriminator_step(D_module)

    def generator_loss(self, D, fake, rng=None):
        """f_k(theta_G) for the fakes ``fake`` = G(z) (module docstring); ``D`` is the
        trainer's critic, used as it is when k = 0; ``rng`` (the trainer's stream, so a run
        stays deterministic and resumable) draws the real batch and any penalty's eps."""
        if self.unroll == 0:
            return self.game.generator_loss(D, fake, rng)
        names, params = zip(*self.discriminator.named_parameters())
        params = self.unrolled_parameters(names, params, fake, rng)
        return self.game.generator_loss(self._at(names, params), fake, rng)

    def unrolled_parameters(self, names, params, fake, rng=None):
        """theta_D^k: D's parameters ``params`` after k simulated optimizer steps on
        L_D(real, ``fake``); in the graph of G unless ``first_order``."""
        real = draw(lambda: np.asarray(self.sample_real(fake.shape[0], rng)[0], dtype=fake.dtype))
        inner = differentiable_optimizer(self.optimizer, params)
        if self.first_order:
            fake = fake.detach()
        for _ in range(self.unroll):
            if self.first_order:  # each step starts from constants: no graph back to G
                params = [Tensor(p.data, requires_grad=True) for p in params]
            loss, _ = self.game.discriminator_loss(self._at(names, params), real, fake, rng)
            grads = grad(loss, list(params), create_graph=not self.first_order, allow_unused=True)
            params = inner.step(params, grads)
        if self.first_order:
            params = [p.detach() for p in params]
        return params

    def _at(self, names, params):
        """D as a callable with ``params`` in place of its parameters."""
        replacement = dict(zip(names, params))
        return lambda x: functional_call(self.discriminator, replacement, (x,))
