"""Demo 1 — the toy min-max problem of the GAN lecture notes (seed 000; update rules from seed 004).

    min_x max_y f(x, y) = x^2 + 2xy - 3y^2 + 4x + 5y + 6,   start x = -1, y = -0.5, step 0.1.

x plays the generator (gradient descent), y the discriminator (gradient ascent). The
notes do the first step by hand: df/dx = 2x + 2y + 4 = 1 and df/dy = 2x - 6y + 5 = 6 at
the start, so one simultaneous step gives x = -1 - 0.1 * 1 = -1.1, y = -0.5 + 0.1 * 6 = 0.1.
Here every gradient comes from npgan's autodiff instead. The game has one saddle point,
where both partial derivatives vanish: x* = -2.125, y* = 0.125; f is convex in x
(f_xx = 2) and concave in y (f_yy = -6), so it is the min-max solution.

What to look for: the printed first steps match the notes; alternating (x first, then y
at the new x) gives a different y (0.08) after one step; simultaneous, alternating and
N_dis = 5 multi-ascent / single-descent all reach the saddle point on this convex-concave
game (compare demo 2, where they do not).

    python demos/01_toy_minmax.py [--out DIR] [--quick]
"""
import argparse
import os

import numpy as np

import npgan as ng
from npgan import viz

import _games as games

START = np.array([-1.0, -0.5])
LR = 0.1
SADDLE = np.array([-2.125, 0.125])


def f(x, y):
    return x ** 2 + 2 * x * y - 3 * y ** 2 + 4 * x + 5 * y + 6


FIELD = games.vector_field(games.zero_sum(f))  # (df/dx, -df/dy)

SCHEMES = {
    "simultaneous": games.simultaneous(FIELD, LR),
    "alternating (x first)": games.alternating(FIELD, LR),
    "N_dis = 5 multi-ascent": games.multi_ascent(FIELD, LR, n_dis=5),
}


def curvatures(z):
    """(f_xx, f_yy) at z by double backprop: differentiate the gradient once more."""
    x = ng.tensor(z[0], dtype=np.float64, requires_grad=True)
    y = ng.tensor(z[1], dtype=np.float64, requires_grad=True)
    fx, fy = ng.grad(f(x, y), [x, y], create_graph=True)
    fxx, = ng.grad(fx, [x])
    fyy, = ng.grad(fy, [y])
    return fxx.item(), fyy.item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "toy_minmax"))
    parser.add_argument("--quick", action="store_true", help="fewer steps (for the tests)")
    args = parser.parse_args(argv)
    n_steps = 30 if args.quick else 40

    fx, minus_fy = FIELD(START)
    print(f"f(x, y) = x^2 + 2xy - 3y^2 + 4x + 5y + 6, start (x, y) = ({START[0]}, {START[1]}), step {LR}")
    print(f"at the start: df/dx = {fx:g}, df/dy = {-minus_fy:g}  (the notes: 2x + 3 = 1 and -6y + 3 = 6)")
    first = {name: step(START) for name, step in SCHEMES.items()}
    first["y first, as seed 004 writes it"] = games.multi_ascent(FIELD, LR, n_dis=1)(START)
    print("one step:")
    for name, (x, y) in first.items():
        print(f"  {name:32s} x = {x:+.4f}, y = {y:+.4f}")

    fxx, fyy = curvatures(SADDLE)
    print(f"saddle point ({SADDLE[0]}, {SADDLE[1]}): max |partial derivative| = {np.abs(FIELD(SADDLE)).max():g}, "
          f"f_xx = {fxx:g} > 0 (convex in x), f_yy = {fyy:g} < 0 (concave in y)")

    paths, distances = games.trajectories(SCHEMES, START, n_steps, saddle=SADDLE)
    print(f"distance to the saddle point after {n_steps} steps (start: {distances['simultaneous'][0]:.4f}):")
    for name, d in distances.items():
        print(f"  {name:32s} {d[-1]:.2e}")

    viz.save_trajectories(paths, os.path.join(args.out, "trajectories.png"), saddle=SADDLE,
                          title="min_x max_y x^2 + 2xy - 3y^2 + 4x + 5y + 6")
    viz.save_curves(np.arange(n_steps + 1), {name: np.log10(d) for name, d in distances.items()},
                    os.path.join(args.out, "distance.png"), xlabel="step",
                    ylabel="log10 distance to the saddle point", title="all three schemes converge")
    print(f"pictures in {args.out}/")
    return {"first_step": first, "final_distance": {name: d[-1] for name, d in distances.items()}}


if __name__ == "__main__":
    main()
