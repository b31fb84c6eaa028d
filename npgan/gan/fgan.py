"""f-GAN (Nowozin, Cseke & Tomioka, 2016): the GAN game for any f-divergence of
``npgan.gan.divergences``. D outputs V(x) in R (no sigmoid); T = g_f(V) is the critic of
the variational bound

    F(D, G) = E_data g_f(V(x)) - E_z f*(g_f(V(G(z))))  <=  D_f(P_data || P_G),

which D maximizes (at the optimum, F is the divergence) and G minimizes. Only the second
term depends on G, so G's saddle-point cost is E_z f*(g_f(V(G(z)))) up to sign; the paper
(section 3, "practical considerations") instead lets G maximize E_z g_f(V(G(z))), the
analogue of the non-saturating cost: for the "gan" divergence, g_f(v) = log sigmoid(v),
so it is exactly the non-saturating GAN, and the saddle cost is the minimax one.

| generator_cost | G minimizes |
| --- | --- |
| ``"minimax"`` (the saddle point) | -E f*(g_f(V(G(z)))) |
| ``"non_saturating"`` (the paper's choice, default) | -E g_f(V(G(z))) |
"""
from ..ops import mean
from .divergences import get_divergence

GENERATOR_COSTS = ("non_saturating", "minimax")


def f_gan_variational_bound(real_out, fake_out, divergence):
    """F = E_P g_f(V(x)) - E_Q f*(g_f(V(x))) from D's raw outputs V on real (P) and
    fake (Q) samples: a lower bound on D_f(P || Q), tight at g_f(V) = f'(p/q)."""
    return mean(divergence.activation(real_out)) - mean(divergence.conjugate_of_activation(fake_out))


def f_gan_generator_loss(fake_out, divergence, generator_cost="non_saturating"):
    """G's cost from V(G(z)): -E f*(g_f(V)) ("minimax") or -E g_f(V) ("non_saturating")."""
    if generator_cost == "minimax":
        return -mean(divergence.conjugate_of_activation(fake_out))
    return -mean(divergence.activation(fake_out))


class FGANGame:
    """D minimizes -F (so maximizes the bound), G its ``generator_cost``; the metrics
    report F as ``divergence``, D's running estimate of D_f(P_data || P_G)."""

    def __init__(self, divergence="gan", generator_cost="non_saturating"):
        if generator_cost not in GENERATOR_COSTS:
            raise ValueError(f"FGANGame: generator_cost must be one of {GENERATOR_COSTS}, got {generator_cost!r}")
        self.divergence = get_divergence(divergence)
        self.generator_cost = generator_cost

    def discriminator_loss(self, D, real, fake, rng=None):
        bound = f_gan_variational_bound(D(real), D(fake), self.divergence)
        loss = -bound
        return loss, {"d_loss": loss.detach(), "divergence": bound.detach()}

    def generator_loss(self, D, fake, rng=None):
        return f_gan_generator_loss(D(fake), self.divergence, self.generator_cost)

    def after_discriminator_step(self, D_module):
        pass
