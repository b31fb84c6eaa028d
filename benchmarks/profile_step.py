"""Where the time of one npgan training step goes, for the workloads of ``bench_steps.py``.

    python benchmarks/profile_step.py mlp_gan_b64
    python benchmarks/profile_step.py dcgan_b64 --steps 5 --top 20

Runs the workload's step (the real ``GANTrainer`` step, see ``step_workloads``) and
prints, per step:

* the step time without instrumentation (median over ``--steps``);
* every op, forward and backward alike (a backward formula is made of ops), by Function
  class and the shape of its first input: calls and milliseconds;
* the GEMMs of ``matmul`` / ``linear`` (the convolutions' GEMMs are inside their ops):
  milliseconds and GFLOP/s;
* the split of the instrumented step: inside ops, in the backward engine around them,
  in the optimizers, and the rest (module calls, sampling, loss bookkeeping).

Wrapping every op call adds ~1 us of timer per op, so the instrumented step is a little
slower than the plain one. Thread pools are pinned to ``--threads`` as in bench_steps.py.
"""
import argparse
import collections
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def _pin_threads(threads):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(threads)


def _time_steps(step, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return times


class _Probe:
    """Seconds and calls per key; ``wrap(fn, key)`` returns ``fn`` timed under ``key(*args)``.
    ``active`` is true while a wrapped call runs (to tell where another probe's time falls)."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.calls = collections.Counter()
        self.active = False

    def wrap(self, fn, key):
        def timed(*args, **kwargs):
            was, self.active = self.active, True
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                k = key(*args)
                self.seconds[k] += time.perf_counter() - t
                self.calls[k] += 1
                self.active = was
        return timed

    def clear(self):
        self.seconds.clear()
        self.calls.clear()


def profile(workload, steps, warmup):
    """(plain seconds per step, instrumented seconds per step, op probe, GEMM probe,
    {part: seconds over all steps})."""
    from npgan.autograd import engine, function
    from npgan.ops import linalg
    from npgan.optim.optimizer import Optimizer
    from step_workloads import common, npgan_steps

    step = npgan_steps.build(common.WORKLOADS[workload], common.make_arrays())
    _time_steps(step, warmup)
    plain = statistics.median(_time_steps(step, steps))

    ops, gemms, walk, optimizers = _Probe(), _Probe(), _Probe(), _Probe()
    ops_in_walk = _Probe()  # the same op calls, counted only while the engine walks the graph
    op_call = ops.wrap(function.Function.__call__, lambda f, *xs: (type(f).__name__, tuple(xs[0].shape) if xs else ()))
    walked_op_call = ops_in_walk.wrap(op_call, lambda *a: "ops")
    function.Function.__call__ = lambda f, *xs: walked_op_call(f, *xs) if walk.active else op_call(f, *xs)
    linalg._matmul_arrays = gemms.wrap(linalg._matmul_arrays, lambda a, b: (a.shape, b.shape))
    engine._run = walk.wrap(engine._run, lambda *a: "walk")
    Optimizer.step = optimizers.wrap(Optimizer.step, lambda *a: "step")
    _time_steps(step, 1)
    for probe in (ops, gemms, walk, optimizers, ops_in_walk):
        probe.clear()
    instrumented = sum(_time_steps(step, steps))
    parts = {"ops": sum(ops.seconds.values()),
             "backward engine around its ops": walk.seconds["walk"] - ops_in_walk.seconds["ops"],
             "optimizers": optimizers.seconds["step"]}
    parts["the rest (modules, sampling, losses)"] = instrumented - sum(parts.values())
    return plain, instrumented / steps, ops, gemms, parts


def report(workload, plain, instrumented, ops, gemms, parts, steps, top):
    per = 1e3 / steps  # seconds over all steps -> ms per step
    print(f"{workload}: {plain * 1e3:.2f} ms per step (median of {steps}), {instrumented * 1e3:.2f} ms instrumented")
    print(f"\n{'op':24s} {'first input':24s} {'calls':>6s} {'ms':>8s}")
    for (name, shape), s in sorted(ops.seconds.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{name:24s} {str(shape):24s} {ops.calls[(name, shape)] / steps:6.1f} {s * per:8.3f}")
    print(f"{'all ops':49s} {sum(ops.calls.values()) / steps:6.1f} {sum(ops.seconds.values()) * per:8.3f}")
    gemm_ms = sum(gemms.seconds.values()) * per
    if gemm_ms:
        flops = sum(2 * n * _gemm_size(a, b) for (a, b), n in gemms.calls.items()) / steps
        print(f"\nmatmul/linear GEMMs: {sum(gemms.calls.values()) / steps:.0f} per step, {gemm_ms:.3f} ms, "
              f"{flops / 1e6:.0f} MFLOP, {flops / gemm_ms / 1e6:.0f} GFLOP/s")
    print("\nsplit of the instrumented step (ms): " + "; ".join(f"{k} {v * per:.3f}" for k, v in parts.items()))


def _gemm_size(a, b):
    """m * k * n of the (batched) product a @ b, the number of multiply-adds."""
    batch = 1
    for d in a[:-2]:
        batch *= d
    return batch * a[-2] * a[-1] * b[-1] if len(a) >= 2 and len(b) >= 2 else a[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", help="a workload of bench_steps.py, e.g. mlp_gan_b64, dcgan_b64")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps (default: 20 x the workload's steps per request)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=25, help="ops to list")
    args = parser.parse_args()
    _pin_threads(args.threads)  # before NumPy loads its BLAS
    from step_workloads import common
    if args.workload not in common.WORKLOADS:
        parser.error(f"unknown workload {args.workload!r}; choose from {', '.join(common.WORKLOADS)}")
    steps = args.steps or 20 * common.WORKLOADS[args.workload].steps_per_call
    report(args.workload, *profile(args.workload, steps, args.warmup), steps, args.top)


if __name__ == "__main__":
    main()
