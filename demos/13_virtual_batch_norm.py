"""Demo 13 — virtual batch normalization: samples that no longer depend on their batch-mates (seed 001 section 4.3; Salimans et al., 2016).

Batch norm in training mode normalizes every sample with its batch's mean and variance,
so a generated image depends on the other z drawn with it: the tutorial's figure shows
two batches of generated images, each with its own tint (one orangish, one greenish),
because the batch statistics fluctuate and shift every sample of a batch together.
Virtual batch norm (``npgan.nn.VirtualBatchNorm`` inside ``WithReferenceBatch``) fixes a
reference batch once and normalizes each sample with the statistics of the reference
batch plus that sample alone: a sample's output is a function of its own z (and the fixed
reference), whatever else is in its batch.

(a) One DCGAN-style generator (z -> Linear -> norm -> (64, 7, 7) -> ConvT ->
norm -> (32, 14, 14) -> ConvT -> tanh -> RGB 28 x 28, untrained, float64) built twice with
the same weights: with BatchNorm and with VirtualBatchNorm. The same z_0 is placed in two
batches whose other 7 samples lean one way (z ~ N(+1, 1)) or the other (N(-1, 1)), as a
batch that happens to hold many bright or many dark samples.

(b) The ``bn`` and ``vbn`` presets of ``npgan train`` (nsgan's MLPs with BatchNorm or
VirtualBatchNorm after each of G's hidden layers, VBN's reference batch of 64 z fixed at
the start) trained on ring8, one seed: snapshots and mode coverage. One seed is one run:
the README gives the mean over 5 seeds.

What to look for: in z0_in_two_batches.png, G(z_0) in the two batches and their
difference, under BatchNorm (a different image, and a different mean colour: a tint
given by the batch-mates) and under VBN (the same image: the difference is black).
batches.png shows the four batches (the first column is z_0). The generator is untrained,
so its images are coloured noise: the batch's effect is in the numbers printed, z_0's
largest pixel change and the shift of its mean RGB colour between the two batches.

    python demos/13_virtual_batch_norm.py [--out DIR] [--quick] [--steps N]
"""
import argparse
import os

import numpy as np

import npgan as ng
import npgan.nn as nn
from npgan import viz

import _ring8 as ring8

LATENT, BATCH = 16, 8


def generator(norm):
    """The DCGAN-style generator with ``norm(num_features, dim)`` as its normalization."""
    return nn.Sequential(
        nn.Linear(LATENT, 64 * 7 * 7, bias=False), norm(64 * 7 * 7, 1), nn.LeakyReLU(0.2), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False), norm(32, 2), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(32, 3, 4, stride=2, padding=1), nn.Tanh()).double()


def batch_norm(num_features, dim):
    return nn.BatchNorm1d(num_features) if dim == 1 else nn.BatchNorm2d(num_features)


def virtual_batch_norm(num_features, dim):
    return nn.VirtualBatchNorm(num_features)


def generators(seed=0):
    """(G with BatchNorm in training mode, the same weights with VBN and a fixed reference batch of 64 z)."""
    ng.manual_seed(seed)
    with_bn = generator(batch_norm)
    with_vbn = generator(virtual_batch_norm)
    weights = {k: v for k, v in with_bn.state_dict().items() if "running" not in k and "num_batches" not in k}
    with_vbn.load_state_dict(weights)
    reference = np.random.default_rng([seed, 1]).standard_normal((64, LATENT))
    return with_bn.train(), nn.WithReferenceBatch(with_vbn, reference)


def batches(seed=0):
    """Two batches holding the same z_0 first, the rest drawn from N(+1, 1) or N(-1, 1)."""
    rng = np.random.default_rng([seed, 2])
    z0 = rng.standard_normal((1, LATENT))
    return {lean: np.concatenate([z0, lean + rng.standard_normal((BATCH - 1, LATENT))]) for lean in (1.0, -1.0)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "virtual_batch_norm"))
    parser.add_argument("--quick", action="store_true", help="part (a) in full; 3 training steps, tiny nets in "
                                                            "part (b): that part only checks the plumbing")
    parser.add_argument("--steps", type=int, default=1000, help="generator steps of part (b) (default 1000)")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: part (a) in full; part (b) takes 3 training steps on tiny nets and only "
              "checks the plumbing")
    os.makedirs(args.out, exist_ok=True)
    with_bn, with_vbn = generators()
    zs = batches()
    results, rows, pairs = {}, [], []
    for name, G in (("BatchNorm", with_bn), ("VirtualBatchNorm", with_vbn)):
        with ng.no_grad():
            images = {lean: G(ng.tensor(z)).numpy() for lean, z in zs.items()}
        first = {lean: x[0] for lean, x in images.items()}
        results[name] = {"z0_difference": float(np.abs(first[1.0] - first[-1.0]).max()),
                         "z0_colour_shift": float(np.abs(first[1.0].mean((1, 2)) - first[-1.0].mean((1, 2))).max()),
                         "z0_colour": {lean: x.mean((1, 2)) for lean, x in first.items()},
                         "batch_colour": {lean: x.mean((0, 2, 3)) for lean, x in images.items()},
                         "images": images}
        r = results[name]
        print(f"{name}: G(z_0) in the two batches differs by up to {r['z0_difference']:.3g} (pixels in [-1, 1]); "
              f"its mean colour by up to {r['z0_colour_shift']:.3g}")
        for lean in (1.0, -1.0):
            print(f"    batch leaning {lean:+.0f}: z_0's mean RGB {np.round(r['z0_colour'][lean], 3)}, "
                  f"the batch's mean RGB {np.round(r['batch_colour'][lean], 3)}")
        rows += [images[1.0], images[-1.0]]
        pairs.append((first[1.0], first[-1.0]))
    viz.save_image_grid(np.concatenate(rows), os.path.join(args.out, "batches.png"), nrow=BATCH,
                        labels=["BN, batch +1", "BN, batch -1", "VBN, batch +1", "VBN, batch -1"])
    z0 = [image for a, b in pairs for image in (a, b, np.abs(a - b) - 1.0)]   # |difference| shown from black
    viz.save_image_grid(np.stack(z0), os.path.join(args.out, "z0_in_two_batches.png"), nrow=3,
                        labels=["BN", "VBN"])  # columns: batch +1, batch -1, |difference|
    results["coverage"] = ring8.compare(("bn", "vbn"), 3 if args.quick else args.steps, args.quick, args.out, "(b)")
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
