"""Demo 14 — SNGAN: spectral normalization makes the critic 1-Lipschitz by construction (seed 003's last slides; Miyato et al., 2018).

WGAN needs a 1-Lipschitz critic; clipping and the gradient penalty only push it there.
Spectral normalization divides every weight by its largest singular value sigma(W),
estimated by one power-iteration step per training forward pass
(``npgan.nn.utils.spectral_norm``, applied to every layer by
``npgan.gan.sngan.spectrally_normalize``): then each linear map has norm 1, and with
1-Lipschitz activations the whole critic is at most 1-Lipschitz,
||D||_Lip <= prod_l sigma(W_l / sigma(W_l)) = 1. SNGAN pairs it with the hinge loss
(``npgan train --model sngan``, or ``sngan-dcgan`` for the DCGAN pair on digits).

(a) The MLP critic of the ``sngan`` preset after the power iteration has run (training-mode
forward passes): each normalized weight's largest singular value from numpy.linalg.svd;
the product of the layers' sigmas, the bound on the Lipschitz constant (1 with SN; for the
same MLP without it, whatever its weights make it); and the largest gradient norm
||grad_x D(x)|| over 2,000 points, below that bound (an untrained critic is far inside it).

(b) The conv critic of ``sngan-dcgan``: the weight reshaped to (out, in * kh * kw) has
sigma 1, as in the paper and PyTorch, but the convolution as an operator on images is a
different matrix; its norm (found by power iteration with conv2d and its adjoint
conv_transpose2d) can exceed 1 — a known gap between what SN normalizes and the
critic's true Lipschitz constant.

(c) ``nsgan`` against ``sngan`` (the same MLPs, data and budget) on ring8, one seed: snapshots
and mode coverage. One seed is one run.

    python demos/14_sngan.py [--out DIR] [--quick] [--steps N]
"""
import argparse
import os

import numpy as np

import npgan as ng
import npgan.nn as nn
import npgan.nn.functional as F
from npgan.app.presets import TrainConfig, build

import _ring8 as ring8


def converge(D, x, passes=100):
    """Run ``passes`` training-mode forwards: each is one power-iteration step per layer."""
    D.train()
    with ng.no_grad():
        for _ in range(passes):
            D(x)


def largest_gradient_norm(D, n=2000, seed=0):
    """max over n points x ~ N(0, 2^2 I) on the plane of ||grad_x D(x)|| (D in eval mode)."""
    D.eval()
    x = ng.tensor(np.random.default_rng(seed).normal(0.0, 2.0, (n, 2)), requires_grad=True)
    g, = ng.grad(D(x).sum(), [x])
    return float(np.sqrt((g.numpy() ** 2).sum(1)).max())


def mlp_critic():
    """Part (a): {sigmas of the SN layers, max gradient norm with SN, without SN}."""
    ng.manual_seed(0)
    _, D, *_ = build(TrainConfig(model="sngan", dtype="float64").resolved())
    ng.manual_seed(0)
    _, plain, *_ = build(TrainConfig(model="nsgan", dtype="float64").resolved())
    converge(D, ng.tensor(np.zeros((1, 2))), passes=500)
    sigma = lambda m: float(np.linalg.svd(m.weight.data, compute_uv=False)[0])
    sigmas = [sigma(m) for m in D.modules() if isinstance(m, nn.Linear)]
    result = {"sigmas": sigmas, "bound": float(np.prod(sigmas)),
              "bound_plain": float(np.prod([sigma(m) for m in plain.modules() if isinstance(m, nn.Linear)])),
              "gradient_norm": largest_gradient_norm(D), "gradient_norm_plain": largest_gradient_norm(plain)}
    print("(a) the sngan preset's MLP critic, power iteration converged:")
    print("    largest singular value of each normalized weight: " + ", ".join(f"{s:.6f}" for s in sigmas))
    print(f"    product of the sigmas (Lipschitz bound): {result['bound']:.6f} with spectral norm, "
          f"{result['bound_plain']:.4f} for the same MLP without")
    print(f"    max ||grad_x D(x)|| over 2,000 points: {result['gradient_norm']:.4f} with spectral norm, "
          f"{result['gradient_norm_plain']:.4f} without")
    return result


def conv_operator_norm(weight, stride, padding, in_shape, iterations=200, seed=0):
    """||x -> conv2d(x, W)|| on images of ``in_shape`` by power iteration on C^T C."""
    x = np.random.default_rng(seed).standard_normal((1,) + in_shape)
    w = ng.tensor(weight)
    for _ in range(iterations):
        x = x / np.linalg.norm(x)
        y = F.conv2d(ng.tensor(x), w, stride=stride, padding=padding)
        x = F.conv_transpose2d(y, w, stride=stride, padding=padding,
                               output_padding=in_shape[-1] - ((y.shape[-1] - 1) * stride - 2 * padding + weight.shape[-1])).numpy()
    return float(np.sqrt(np.linalg.norm(x)))


def conv_critic():
    """Part (b): per conv layer (sigma of the reshaped weight, the operator norm on its input)."""
    ng.manual_seed(0)
    _, D, *_ = build(TrainConfig(model="sngan-dcgan", dtype="float64").resolved())
    converge(D, ng.tensor(np.zeros((1, 1, 28, 28))), passes=500)
    rows, shape = [], (1, 28, 28)
    print("(b) the sngan-dcgan conv critic: sigma of W reshaped to (out, in*kh*kw) vs the conv's operator norm")
    for m in D.modules():
        if isinstance(m, nn.Conv2d):
            w = m.weight.data
            matrix = float(np.linalg.svd(w.reshape(w.shape[0], -1), compute_uv=False)[0])
            operator = conv_operator_norm(w, m.stride[0], m.padding[0], shape)
            rows.append((matrix, operator))
            print(f"    Conv2d {m.in_channels}->{m.out_channels} on {shape}: sigma(W_mat) {matrix:.6f}, "
                  f"operator norm {operator:.4f}")
            shape = (m.out_channels, shape[1] // m.stride[0], shape[2] // m.stride[0])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "sngan"))
    parser.add_argument("--quick", action="store_true", help="3 training steps, tiny nets: only checks the plumbing")
    parser.add_argument("--steps", type=int, default=1000, help="generator steps of part (c) (default 1000)")
    args = parser.parse_args(argv)
    if args.quick:
        print("--quick: 3 training steps on tiny nets; part (c) only checks the plumbing")
    os.makedirs(args.out, exist_ok=True)
    results = {"mlp": mlp_critic(), "conv": conv_critic(),
               "coverage": ring8.compare(("nsgan", "sngan"), 3 if args.quick else args.steps, args.quick, args.out,
                                         "(c)")}
    print(f"pictures in {args.out}/")
    return results


if __name__ == "__main__":
    main()
