"""Time every elementwise kernel on every available backend, float32, and print a table.

Sizes: 64 (a batch of discriminator logits: what the BCE loss sees in a GAN), 64*256
(an MLP hidden layer of a 64-batch), 64*784 (a 64-batch of MNIST images) and 1e6 (a
large parameter tensor). The fastest backend per kernel and size is
starred; the ``prefer`` order of each registration in ``npgan/kernels/elementwise.py`` and
``npgan/kernels/dropout.py`` is set from these numbers. Each time is the best of 3 repeats of the mean over an
auto-ranged number of calls, including the Python-side checks every caller pays.

    python benchmarks/bench_elementwise_kernels.py
"""
import timeit

import numpy as np

import npgan.kernels as K

SIZES = (64, 64 * 256, 64 * 784, 1_000_000)
KERNELS = ("leaky_relu_forward", "leaky_relu_backward", "bce_with_logits_forward",
           "bce_with_logits_backward", "adam_update", "dropout_mask")


def arguments(name, n, rng):
    """Arguments for one call of kernel ``name`` on ``n`` float32 elements."""
    x, gy = (rng.standard_normal(n, dtype=np.float32) for _ in range(2))
    t = rng.random(n, dtype=np.float32)
    if name == "leaky_relu_forward":
        return x, 0.2
    if name == "leaky_relu_backward":
        return x, gy, 0.2
    if name == "bce_with_logits_forward":
        return x, t
    if name == "bce_with_logits_backward":
        return x, t, gy
    if name == "dropout_mask":
        return (n,), 0.3, 12345, np.float32
    # Adam as a DCGAN uses it (lr 2e-4, betas (0.5, 0.999)); state updated in place each call.
    state = [np.zeros(n, np.float32) for _ in range(2)]
    return (x, gy, *state, None, 2e-4, 0.5, 0.999, 1e-8, 0.0, 10)


def best_time_us(fn, args, repeats=3):
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    return min(timer.repeat(repeats, number)) / number * 1e6


def main():
    rng = np.random.default_rng(0)
    backends = K.available_backends()
    print(f"float32, microseconds per call (best of 3); backends available: {', '.join(backends)}")
    header = f"{'kernel':26s} {'n':>9s} " + " ".join(f"{b:>10s}" for b in backends)
    print(header)
    print("-" * len(header))
    for name in KERNELS:
        impls = K.implementations(name)
        for n in SIZES:
            args = arguments(name, n, rng)
            times = {b: best_time_us(impls[b], args) for b in backends}
            fastest = min(times, key=times.get)
            cells = " ".join(f"{times[b]:9.1f}{'*' if b == fastest else ' '}" for b in backends)
            print(f"{name:26s} {n:9d} {cells}")


if __name__ == "__main__":
    main()
