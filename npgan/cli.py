"""The ``npgan`` command: ``npgan train`` runs the main job on an embedded default.

Until the GAN training issue lands, ``train`` fits a tiny MLP to y = sin(3x) with the
engine's autodiff and plain gradient descent: an end-to-end run of kernels -> ops ->
backward that finishes in seconds and prints its loss curve.
"""
import argparse
import sys
import time

import numpy as np


def _train_mlp(args):
    import npgan as ng
    import npgan.nn.functional as F

    ng.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = ng.tensor(rng.uniform(-1, 1, size=(256, 1)), dtype=np.float32)
    y = ng.tensor(np.sin(3 * x.data), dtype=np.float32)
    params = [ng.randn(32, 1) * 1.0, ng.zeros(32), ng.randn(1, 32) * (1 / np.sqrt(32)), ng.zeros(1)]
    params = [ng.Tensor(p.data, requires_grad=True) for p in params]
    start = time.perf_counter()
    first = None
    for step in range(1, args.steps + 1):
        w1, b1, w2, b2 = params
        pred = F.linear(ng.tanh(F.linear(x, w1, b1)), w2, b2)
        loss = F.mse_loss(pred, y)
        grads = ng.grad(loss, params)
        with ng.no_grad():
            params = [ng.Tensor(p.data - args.lr * g.data, requires_grad=True) for p, g in zip(params, grads)]
        first = loss.item() if first is None else first
        if step % max(1, args.steps // 10) == 0 or step == 1:
            print(f"step {step:5d}  mse {loss.item():.5f}")
    elapsed = time.perf_counter() - start
    print(f"fitted a 1-32-1 tanh MLP to sin(3x): mse {first:.4f} -> {loss.item():.5f} "
          f"in {args.steps} steps, {elapsed:.2f} s, backend {ng.get_backend()}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="npgan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="run the main job on the embedded default")
    train.add_argument("--steps", type=int, default=2000)
    train.add_argument("--lr", type=float, default=0.1)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--backend", default=None, choices=["auto", "numpy", "numba", "c"])
    args = parser.parse_args(argv)
    if getattr(args, "backend", None):
        import npgan as ng
        ng.set_backend(args.backend)
    return _train_mlp(args)


if __name__ == "__main__":
    sys.exit(main())
