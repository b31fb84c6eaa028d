"""What BatchNorm's one backward (written with ops, differentiable) costs the DCGAN step,
against the array backward it replaced (issue 17 item 4), and what npgan.compile gives
the same step now that BatchNorm and dropout are captured.

Variants, in one process on the same models (alternating rounds, median per variant):
  eager-arrays    eager step, BatchNorm.backward swapped for the removed array version
                  (bfa256b's ``_backward_on_arrays``, reading mu and var from the retained
                  outputs): first order only, kept here as the measured alternative
  eager-ops       eager step, BatchNorm.backward as it is
  compiled        npgan.compile(step) (replays the ops backward)

    PYTHONPATH=. python benchmarks/bench_batch_norm_backward.py [--rounds 10] [--per-round 5]
        [--batch 64] [--dtype float32] [--memory]

``--memory`` also prints each variant's peak of traced allocations during one step
(tracemalloc, which sees NumPy's arrays), above what was allocated before it.
"""
import argparse
import time
import tracemalloc

import numpy as np

import npgan as ng
from npgan.autograd.tensor import Tensor
from npgan.gan.models import dcgan_discriminator, dcgan_generator
from npgan.gan.objectives import discriminator_loss, non_saturating_generator_loss
from npgan.ops.normalization import BatchNorm, _by_channel, _spread


def backward_on_arrays(self, gy, gmu, gvar):
    """dx = a (gy - sum(gy) / M) - (x - mu) a inv_std^2 sum(gy (x - mu)) / M, a = gamma
    inv_std, on arrays in seven passes (first order only: gmu and gvar are ignored,
    and they are None in a training step)."""
    x = self.inputs[0].data
    weight, _ = self._affine([t.data for t in self.inputs[1:]])
    need = self.needs_input_grad
    want_gx, want_gweight, want_gbias = need[0], self.has_weight and need[1], self.has_bias and need[-1]
    x3, gy3 = _by_channel(x), _by_channel(gy.data)
    n, _, length = x3.shape
    m = n * length
    mu, var = self._output_data[1], self._output_data[2]
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(self.eps))
    gx = gweight = gbias = None
    if want_gx or want_gbias:
        sum_gy = np.einsum("ncl->c", gy3)
        gbias = Tensor(sum_gy) if want_gbias else None
    if want_gx or want_gweight:
        centered = x3 - _spread(mu, length)
        dot = np.einsum("ncl,ncl->c", gy3, centered)
        gweight = Tensor(dot * inv_std) if want_gweight else None
    if want_gx:
        a = inv_std if weight is None else inv_std * weight
        gx3 = np.multiply(gy3, _spread(a, length))
        gx3 -= _spread(a * sum_gy / m, length)
        gx3 -= np.multiply(centered, _spread(a * inv_std * inv_std * dot / m, length), out=centered)
        gx = Tensor(gx3.reshape(x.shape))
    return (gx,) + ((gweight,) if self.has_weight else ()) + ((gbias,) if self.has_bias else ())


def dcgan_step(batch, dtype):
    G, D = dcgan_generator(), dcgan_discriminator()
    if dtype == np.float64:
        G, D = G.double(), D.double()
    og = ng.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    od = ng.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))

    def step(real):
        fake = G(ng.randn(batch, 100, dtype=dtype))
        od.zero_grad()
        d_loss = discriminator_loss(D(real), D(fake.detach()))
        d_loss.backward()
        od.step()
        og.zero_grad()
        g_loss = non_saturating_generator_loss(D(fake))
        g_loss.backward()
        og.step()
        return d_loss, g_loss
    return step


def peak_memory(variants, real):
    tracemalloc.start()
    for name, (backward, fn) in variants.items():
        BatchNorm.backward = backward
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(real)
        print(f"  {name:13s} peak {(tracemalloc.get_traced_memory()[1] - before) / 2 ** 20:6.0f} MiB above the start")
    tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--memory", action="store_true", help="print each variant's peak allocation in a step")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype).type
    ng.manual_seed(0)
    step = dcgan_step(args.batch, dtype)
    compiled = ng.compile(step)
    real = ng.tensor(np.random.default_rng(0).uniform(-1, 1, (args.batch, 1, 28, 28)).astype(dtype))
    ops_backward = BatchNorm.backward
    variants = {"eager-arrays": (backward_on_arrays, step), "eager-ops": (ops_backward, step),
                "compiled": (ops_backward, compiled)}
    for backward, fn in variants.values():  # warm-up; the compiled step traces twice
        BatchNorm.backward = backward
        fn(real), fn(real), fn(real)
    if args.memory:
        peak_memory(variants, real)
    times = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, (backward, fn) in variants.items():
            BatchNorm.backward = backward
            start = time.perf_counter()
            for _ in range(args.per_round):
                fn(real)
            times[name].append((time.perf_counter() - start) / args.per_round)
    BatchNorm.backward = ops_backward
    median = {k: float(np.median(t)) for k, t in times.items()}
    print(f"DCGAN step, batch {args.batch}, {args.dtype}: median over {args.rounds} rounds of {args.per_round}")
    for name, t in median.items():
        q1, q3 = np.percentile(times[name], [25, 75]) * 1e3
        print(f"  {name:13s} {t * 1e3:8.1f} ms (quartiles {q1:.1f}-{q3:.1f})   "
              f"{t / median['eager-arrays']:.3f}x eager-arrays")


if __name__ == "__main__":
    main()
