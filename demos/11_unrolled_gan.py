"""Demo 11 — the unrolled GAN: G looks k steps ahead of D and differentiates through them (seed 001 section 5.1.1; Metz et al., 2017).

The alternating updates give G the gradient of its cost at the *current* D, so G can jump
to whatever fools this D — one mode — and D chases it from mode to mode. The unrolled GAN
gives G the cost it would have after D answered with k more of its optimizer steps,

    theta_D^0 = theta_D,   theta_D^{j+1} = theta_D^j - step(grad L_D(theta_G, theta_D^j)),
    f_k(theta_G) = L_G(theta_G, theta_D^k(theta_G)),

and G descends d f_k / d theta_G *through* the k steps (``npgan.gan.unrolled``): every
theta_D^j depends on theta_G through the fakes, and each step contains a gradient, so G's
gradient is a gradient of gradients — npgan's ``create_graph=True``. D itself takes its
ordinary step; the k simulated steps are thrown away.

(a) The showcase of second-order autodiff: on a small float64 G and D with Adam as D's
optimizer, G's unrolled gradient against central finite differences of f_k itself (f_k
evaluated by running the k steps), for k = 0..3; k = 0 is the plain GAN gradient exactly;
the "first-order" variant that stops the gradient at theta_D^k differs from the unrolled
one for k >= 1.

(b) ``nsgan`` against ``unrolled`` (the same MLPs, data and budget; unroll = 5) on ring8:
sample snapshots over training and the modes covered, high-quality share and reverse KL
(the VEEGAN/PacGAN protocol of ``npgan eval``). One seed is one run: the README gives the
mean over seeds.

What to look for: the printed errors of (a) at the level of finite-difference noise
(about 1e-10), and in snapshots_<preset>.png how the two generators move over the ring.

    python demos/11_unrolled_gan.py [--out DIR] [--quick] [--steps N]
"""
import argparse
import os

import numpy as np

import npgan as ng
import npgan.nn as nn
from npgan.gan.games import BCEGame
from npgan.gan.unrolled import UnrolledGame

import _ring8 as ring8


def small_game(k, first_order=False, seed=0, n=6):
    """A tanh G (2 -> 3 -> 2) and D (2 -> 4 -> 1) in float64, D's Adam after two real steps
    (so its m, v and step count are not the initial ones), a fixed real batch and z;
    returns (G, the unrolled game, z)."""
    rng = np.random.default_rng(seed)
    G = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    for p in list(G.parameters()) + list(D.parameters()):
        p.data = rng.standard_normal(p.shape)
    opt = ng.optim.Adam(D.parameters(), lr=0.05, betas=(0.5, 0.999))
    real, z = rng.standard_normal((n, 2)) + 1.0, ng.tensor(rng.standard_normal((n, 2)))
    for _ in range(2):
        opt.zero_grad()
        BCEGame().discriminator_loss(D, ng.tensor(real), G(z).detach())[0].backward()
        opt.step()
    game = UnrolledGame(BCEGame("minimax"), D, opt, lambda size, rng: (real, None), unroll=k, first_order=first_order)
    return G, D, game, z


def gradients(k, h=1e-6):
    """(autodiff d f_k / d theta_G, central differences of f_k, the plain GAN gradient,
    the first-order gradient), each flattened over G's parameters."""
    G, D, game, z = small_game(k)
    params = list(G.parameters())
    flat = lambda grads: np.concatenate([g.data.ravel() for g in grads])
    unrolled = flat(ng.grad(game.generator_loss(D, G(z)), params))
    plain = flat(ng.grad(BCEGame("minimax").generator_loss(D, G(z)), params))
    _, _, first_order_game, _ = small_game(k, first_order=True)
    first_order = flat(ng.grad(first_order_game.generator_loss(D, G(z)), params))
    numeric = []
    for p in params:
        for i in range(p.data.size):
            values = []
            for sign in (1, -1):
                old = p.data.flat[i]
                p.data.flat[i] = old + sign * h
                values.append(game.generator_loss(D, G(z)).item())
                p.data.flat[i] = old
            numeric.append((values[0] - values[1]) / (2 * h))
    return unrolled, np.array(numeric), plain, first_order


def gradient_check():
    """Part (a): {k: (max |unrolled - finite differences|, max |unrolled - plain|,
    max |unrolled - first order|)}."""
    print("(a) G's unrolled gradient (Adam inner steps, float64) against central differences of f_k:")
    result = {}
    for k in range(4):
        unrolled, numeric, plain, first_order = gradients(k)
        result[k] = (np.abs(unrolled - numeric).max(), np.abs(unrolled - plain).max(),
                     np.abs(unrolled - first_order).max())
        print(f"    k = {k}: |autodiff - finite differences| {result[k][0]:.1e}   |unrolled - plain| "
              f"{result[k][1]:.1e}   |unrolled - first-order| {result[k][2]:.1e}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "unrolled_gan"))
    parser.add_argument("--quick", action="store_true", help="3 training steps, tiny nets: only checks the plumbing")
    parser.add_argument("--steps", type=int, default=1000, help="generator steps of part (b) (default 1000)")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: 3 training steps on tiny nets; part (b) only checks the plumbing (part (a) is exact)")
    os.makedirs(args.out, exist_ok=True)
    results = {"gradient_check": gradient_check(),
               "coverage": ring8.compare(("nsgan", "unrolled"), 3 if args.quick else args.steps, args.quick, args.out,
                                         "(b)")}
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
