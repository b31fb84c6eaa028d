"""Demo 2 — the bilinear game min_x max_y x*y, where plain gradient descent-ascent fails.

The simultaneous and alternating rules of the lecture notes (seed 004) reach the saddle
point of the convex-concave toy problem (demo 1), but a GAN's game is not convex-concave.
The smallest game that shows the trouble is f(x, y) = x y, with its only saddle point at
(0, 0). Its vector field F = (y, -x) rotates around the origin, and the step size lr
decides what each rule does with the rotation:

    simultaneous    |z+|^2 = (x - lr y)^2 + (y + lr x)^2 = (1 + lr^2) |z|^2
                    -> the distance grows by sqrt(1 + lr^2) every step: an outward spiral;
    alternating     x+ = x - lr y, y+ = y + lr x+ keeps x^2 + y^2 - lr x y constant
                    -> a closed orbit: it cycles forever, bounded but never arriving;
    extragradient   z+ = (1 - lr^2) z - lr (y, -x), |z+| = sqrt(1 - lr^2 + lr^4) |z|
                    -> an inward spiral;
    optimistic GDA  z+ = z - 2 lr F(z) + lr F(z-) -> also an inward spiral.

What to look for: the printed per-step growth of simultaneous GDA equals sqrt(1 + lr^2);
the alternating orbit's invariant stays put; extragradient shrinks by
sqrt(1 - lr^2 + lr^4) per step; in the picture one spiral goes out, one loop closes, two
spirals go in (trajectory_<rule>.png shows each rule on its own).

    python demos/02_bilinear_game.py [--out DIR] [--quick]
"""
import argparse
import os

import numpy as np

from npgan import viz

import _games as games

START = np.array([1.0, 1.0])
LR = 0.3

FIELD = games.vector_field(games.zero_sum(lambda x, y: x * y))

SCHEMES = {
    "simultaneous": games.simultaneous(FIELD, LR),
    "alternating": games.alternating(FIELD, LR),
    "extragradient": games.extragradient(FIELD, LR),
    "optimistic": games.optimistic(FIELD, LR),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "bilinear_game"))
    parser.add_argument("--quick", action="store_true", help="fewer steps (for the tests)")
    args = parser.parse_args(argv)
    n_steps = 25 if args.quick else 45

    paths, radii = games.trajectories(SCHEMES, START, n_steps, saddle=(0.0, 0.0))
    print(f"min_x max_y x*y from (x, y) = ({START[0]}, {START[1]}), step {LR}, {n_steps} steps")
    print(f"distance to (0, 0): start {radii['simultaneous'][0]:.4f}")
    for name, r in radii.items():
        print(f"  {name:14s} end {r[-1]:.4f}   (max over the run {r.max():.4f})")

    growth = radii["simultaneous"][1:] / radii["simultaneous"][:-1]
    print(f"simultaneous: per-step growth in [{growth.min():.10f}, {growth.max():.10f}], "
          f"sqrt(1 + lr^2) = {np.sqrt(1 + LR ** 2):.10f}")
    x, y = paths["alternating"].T
    invariant = x ** 2 + y ** 2 - LR * x * y
    print(f"alternating: x^2 + y^2 - lr x y stays in [{invariant.min():.12f}, {invariant.max():.12f}]")
    shrink = radii["extragradient"][1:] / radii["extragradient"][:-1]
    print(f"extragradient: per-step shrink in [{shrink.min():.10f}, {shrink.max():.10f}], "
          f"sqrt(1 - lr^2 + lr^4) = {np.sqrt(1 - LR ** 2 + LR ** 4):.10f}")

    viz.save_trajectories(paths, os.path.join(args.out, "trajectories.png"), saddle=(0.0, 0.0),
                          title="min_x max_y x*y")
    for name, path in paths.items():  # one picture each: the inner three overlap in the one above
        viz.save_trajectories({name: path}, os.path.join(args.out, f"trajectory_{name}.png"), saddle=(0.0, 0.0),
                              title=f"{name} steps on x*y")
    viz.save_curves(np.arange(n_steps + 1), radii, os.path.join(args.out, "distance.png"), xlabel="step",
                    ylabel="distance to the saddle point (0, 0)", title="out, around, in")
    print(f"pictures in {args.out}/")
    return {"radii": radii, "growth": growth, "invariant": invariant, "shrink": shrink}


if __name__ == "__main__":
    main()
