"""Why the presets score real and fake in one pass of D (``npgan.gan.joint.JointPass``):
the GEMMs of the MLP discriminator's first layer at batch N and 2N, and whole training
steps of the MLP GAN with one pass and with two, in alternating rounds.

    python benchmarks/bench_joint_pass.py [--rounds 5] [--batch 64] [--threads 2]

Prints the median over rounds of each GEMM (GFLOP/s) and of each step (ms). The models
are the 100-256-256-784 generator and the 784-256-256-1 discriminator of bench_steps.py's
``mlp_gan_b64``, float32, with Adam.
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the npgan tree this script is in


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def gemms(batch):
    """(name, flops, fn) for D's first layer, x (N, 784) W^T (784, 256) and dW = dY^T X, at N and 2N."""
    import numpy as np
    rng = np.random.default_rng(0)
    w = rng.standard_normal((784, 256)).astype(np.float32)
    out = []
    for n in (batch, 2 * batch):
        x = rng.standard_normal((n, 784)).astype(np.float32)
        dy = rng.standard_normal((256, n)).astype(np.float32)
        out.append((f"({n},784)@(784,256)", 2 * n * 784 * 256, lambda x=x: x @ w))
        out.append((f"({256},{n})@({n},784)", 2 * n * 784 * 256, lambda dy=dy, x=x: dy @ x))
    return out


def steps(batch):
    """(name, step) for one training step of the MLP GAN with one pass of D and with two."""
    import numpy as np
    import npgan
    from npgan import optim
    from npgan.gan.games import BCEGame
    from npgan.gan.joint import JointPass
    from npgan.gan.models import MLPDiscriminator, MLPGenerator
    from npgan.gan.trainer import GANTrainer
    pool = np.tanh(np.random.default_rng(0).standard_normal((512, 1, 28, 28))).astype(np.float32)
    out = []
    for joint in (True, False):
        npgan.manual_seed(0)
        G, D = MLPGenerator(100, (1, 28, 28), (256, 256)), MLPDiscriminator((1, 28, 28), (256, 256))
        game = JointPass(BCEGame(), D) if joint else BCEGame()
        trainer = GANTrainer(G, D, optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                             optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999)), game,
                             lambda n, rng: (pool[rng.integers(0, len(pool), n)], None), 100, batch_size=batch)
        trainer.step()  # warm-up
        out.append(("one pass" if joint else "two passes", trainer.step))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before NumPy starts its BLAS
    sys.path.insert(0, ROOT)
    gemm_runs, step_runs = gemms(args.batch), steps(args.batch)
    import npgan
    print(f"# npgan from {os.path.dirname(npgan.__file__)}, backend {npgan.get_backend()}; threads={args.threads}; "
          f"rounds={args.rounds}; load average before {os.getloadavg()}")
    gemm_times = {name: [] for name, _, _ in gemm_runs}
    step_times = {name: [] for name, _ in step_runs}
    for _ in range(args.rounds):
        for name, _, fn in gemm_runs:
            gemm_times[name].append(median_seconds(fn, 50))
        for name, step in step_runs:
            step_times[name].append(median_seconds(step, 10))
    for name, flops, _ in gemm_runs:
        print(f"{name:22s} {flops / statistics.median(gemm_times[name]) / 1e9:7.1f} GFLOP/s")
    for name, _ in step_runs:
        print(f"step, {name:16s} {statistics.median(step_times[name]) * 1e3:7.2f} ms")
    print(f"# load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
