"""The f-divergences of f-GAN (Nowozin, Cseke & Tomioka, 2016; seed 003's table, "Can we
use other divergence?"; seed 001 section 3.2.5).

For a convex f (with f(1) = 0, so that D_f(P || P) = 0; the "gan" row's f(1) = -log 4
shifts its divergence by that constant), the f-divergence of P from Q (densities p, q) is

    D_f(P || Q) = E_Q f(p(x) / q(x)) = integral q(x) f(p(x) / q(x)) dx.

With the convex conjugate f*(t) = sup_u {t u - f(u)} (Fenchel: f = f**), every function T
gives a lower bound, tight at T*(x) = f'(p(x) / q(x)):

    D_f(P || Q) >= E_P T(x) - E_Q f*(T(x))                                (Nowozin eq. 4)

because f(u) >= T u - f*(T) for every T, with equality where T = f'(u). f-GAN's critic
V(x) is a network with any real output; the output activation g_f maps it into the domain
of f*, T = g_f(V) (Table 2), and the critic maximizes the bound while G minimizes it.

| name | f(u) | f*(t) | dom f* | g_f(v) | f'(1) |
| --- | --- | --- | --- | --- | --- |
| kl | u log u | exp(t - 1) | R | v | 1 |
| reverse_kl | -log u | -1 - log(-t) | t < 0 | -exp(-v) | -1 |
| pearson | (u - 1)^2 | t^2/4 + t | R | v | 0 |
| neyman | (1 - u)^2 / u | 2 - 2 sqrt(1 - t) | t < 1 | 1 - exp(-v) | 0 |
| squared_hellinger | (sqrt(u) - 1)^2 | t / (1 - t) | t < 1 | 1 - exp(-v) | 0 |
| jensen_shannon | u log u - (u + 1) log((u + 1)/2) | -log(2 - exp(t)) | t < log 2 | log 2 - log(1 + exp(-v)) | 0 |
| gan | u log u - (u + 1) log(u + 1) | -log(1 - exp(t)) | t < 0 | -log(1 + exp(-v)) | -log 2 |

Which divergence each f gives (D_f = E_Q f(p/q), P the data, Q the model):
KL(P || Q); KL(Q || P); Pearson chi^2 = integral (p - q)^2 / q; Neyman chi^2 =
integral (q - p)^2 / p; squared Hellinger = integral (sqrt p - sqrt q)^2; 2 JS(P, Q) (the
table's "Jensen-Shannon" f is twice the usual JS = 1/2 KL(P || M) + 1/2 KL(Q || M),
M = (P + Q)/2); and 2 JS(P, Q) - log 4, the original GAN's value at D* (demo 6). The
paper's Table 1 (and seed 003, which copies it) writes the Pearson and Neyman integrals
the other way round; the f column is what defines them here.

**Neyman chi^2's conjugate is 2 - 2 sqrt(1 - t)** (the paper), not 3/2 - 2 sqrt(1 - t)
(seed 003). Derivation: f(u) = (1 - u)^2 / u = u - 2 + 1/u on u > 0, so t u - f(u) =
(t - 1) u + 2 - 1/u. For t >= 1 it grows without bound (dom f* is t < 1); for t < 1 its
derivative t - 1 + 1/u^2 vanishes at u = (1 - t)^(-1/2), where the value is
-(1 - t)^(1/2) + 2 - (1 - t)^(1/2) = 2 - 2 sqrt(1 - t). A quick check: this f has its
minimum f(1) = 0, so f*(0) = sup_u -f(u) = 0; 2 - 2 sqrt(1) = 0, while 3/2 - 2 = -1/2
is below the true sup (with it, T = 0 would "prove" D_f(P || Q) >= 1/2 for P = Q). The tests check every f* against
sup_u {t u - f(u)} on a grid.

Pearson's f* = t^2/4 + t is the conjugate of (u - 1)^2 on all of R (the table's); over
u >= 0 only, the conjugate is -1 for t < -2. Since t^2/4 + t >= -1, the table's f* only
loosens the bound for T < -2, and T* = f'(p/q) = 2(p/q - 1) is never below -2.

Every f*(g_f(v)) is written directly in v (``conjugate_of_activation``), so the losses are
finite for large |v| wherever the table's composition would overflow or take log(0):
e.g. gan: f*(g_f(v)) = -log(1 - sigmoid(v)) = softplus(v).
"""
import math
from dataclasses import dataclass
from typing import Callable

from ..ops import exp, log, softplus, sqrt


@dataclass(frozen=True)
class FDivergence:
    """One row of Nowozin et al.'s Tables 1 and 2; every callable takes and returns Tensors.

    ``f`` the generator function on u > 0; ``conjugate`` f* on ``conjugate_domain``
    (an open interval (lo, hi)); ``activation`` g_f: R -> dom f*;
    ``conjugate_of_activation`` f*(g_f(v)) in a form stable for large |v|;
    ``f_prime`` f', so ``f_prime(p / q)`` is the optimal critic T*; ``f_prime_at_1`` f'(1),
    the critic's value where p = q; ``optimal_output`` the network output V* with
    g_f(V*) = T*, as a function of log(p / q) (for gan and jensen_shannon V* is the log
    density ratio itself, the logit of D* = p / (p + q))."""
    name: str
    divergence: str
    f: Callable
    conjugate: Callable
    conjugate_domain: tuple
    activation: Callable
    conjugate_of_activation: Callable
    f_prime: Callable
    f_prime_at_1: float
    optimal_output: Callable


LOG2 = math.log(2.0)
INF = math.inf

DIVERGENCES = {d.name: d for d in (
    FDivergence(
        "kl", "KL(P || Q)",
        f=lambda u: u * log(u),
        conjugate=lambda t: exp(t - 1.0), conjugate_domain=(-INF, INF),
        activation=lambda v: v,
        conjugate_of_activation=lambda v: exp(v - 1.0),
        f_prime=lambda u: 1.0 + log(u), f_prime_at_1=1.0,
        optimal_output=lambda log_ratio: 1.0 + log_ratio),
    FDivergence(
        "reverse_kl", "KL(Q || P)",
        f=lambda u: -log(u),
        conjugate=lambda t: -1.0 - log(-t), conjugate_domain=(-INF, 0.0),
        activation=lambda v: -exp(-v),
        conjugate_of_activation=lambda v: v - 1.0,
        f_prime=lambda u: -1.0 / u, f_prime_at_1=-1.0,
        optimal_output=lambda log_ratio: log_ratio),
    FDivergence(
        "pearson", "Pearson chi^2 = integral (p - q)^2 / q",
        f=lambda u: (u - 1.0) ** 2,
        conjugate=lambda t: 0.25 * t * t + t, conjugate_domain=(-INF, INF),
        activation=lambda v: v,
        conjugate_of_activation=lambda v: 0.25 * v * v + v,
        f_prime=lambda u: 2.0 * (u - 1.0), f_prime_at_1=0.0,
        optimal_output=lambda log_ratio: 2.0 * (exp(log_ratio) - 1.0)),
    FDivergence(
        "neyman", "Neyman chi^2 = integral (q - p)^2 / p",
        f=lambda u: (1.0 - u) ** 2 / u,
        conjugate=lambda t: 2.0 - 2.0 * sqrt(1.0 - t), conjugate_domain=(-INF, 1.0),
        activation=lambda v: 1.0 - exp(-v),
        conjugate_of_activation=lambda v: 2.0 - 2.0 * exp(-0.5 * v),
        f_prime=lambda u: 1.0 - 1.0 / (u * u), f_prime_at_1=0.0,
        optimal_output=lambda log_ratio: 2.0 * log_ratio),
    FDivergence(
        "squared_hellinger", "squared Hellinger = integral (sqrt p - sqrt q)^2",
        f=lambda u: (sqrt(u) - 1.0) ** 2,
        conjugate=lambda t: t / (1.0 - t), conjugate_domain=(-INF, 1.0),
        activation=lambda v: 1.0 - exp(-v),
        conjugate_of_activation=lambda v: exp(v) - 1.0,
        f_prime=lambda u: 1.0 - 1.0 / sqrt(u), f_prime_at_1=0.0,
        optimal_output=lambda log_ratio: 0.5 * log_ratio),
    FDivergence(
        "jensen_shannon", "2 JS(P, Q)",
        f=lambda u: u * log(u) - (u + 1.0) * log(0.5 * (u + 1.0)),
        conjugate=lambda t: -log(2.0 - exp(t)), conjugate_domain=(-INF, LOG2),
        activation=lambda v: LOG2 - softplus(-v),
        conjugate_of_activation=lambda v: softplus(v) - LOG2,
        f_prime=lambda u: log(2.0 * u / (u + 1.0)), f_prime_at_1=0.0,
        optimal_output=lambda log_ratio: log_ratio),
    FDivergence(
        "gan", "2 JS(P, Q) - log 4",
        f=lambda u: u * log(u) - (u + 1.0) * log(u + 1.0),
        conjugate=lambda t: -log(1.0 - exp(t)), conjugate_domain=(-INF, 0.0),
        activation=lambda v: -softplus(-v),
        conjugate_of_activation=softplus,
        f_prime=lambda u: log(u / (u + 1.0)), f_prime_at_1=-LOG2,
        optimal_output=lambda log_ratio: log_ratio),
)}


def get_divergence(name):
    """The ``FDivergence`` called ``name``; a ValueError lists the known names."""
    if name not in DIVERGENCES:
        raise ValueError(f"f-GAN: unknown divergence {name!r}; choose one of {', '.join(DIVERGENCES)}")
    return DIVERGENCES[name]
