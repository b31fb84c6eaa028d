"""Benchmark: forward + backward of the DCGAN convolution layers, npgan vs PyTorch CPU.

    python benchmarks/bench_conv.py                 # every npgan backend + torch if installed
    python benchmarks/bench_conv.py --rounds 10 --reps 5 --threads 2
    python benchmarks/bench_conv.py --loops         # the hot loops alone, per backend (the prefer orders)

Each library runs in its own worker process (so their thread pools and BLAS libraries
never meet), with every thread pool pinned to ``--threads``. The parent asks the workers
in turn, layer by layer and round by round (alternating, in a shuffled order), so a
machine that gets busier or quieter during the run affects every library alike; the
table shows the median over rounds of the per-round best of ``--reps`` calls.

One step = y = layer(x, w, b); y.backward(gy) with x, w and b all requiring grad (the
input gradient is what a generator update and the WGAN-GP penalty need). float32,
batch 64. This is a benchmark, not a test: it asserts nothing about time.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

# (name, kind, C_in, C_out, H, stride, padding, output_padding); kernel 5x5, batch 64
LAYERS = [
    ("conv 1->64 28x28 s2", "conv", 1, 64, 28, 2, 2, 0),
    ("conv 64->128 14x14 s2", "conv", 64, 128, 14, 2, 2, 0),
    ("convT 256->128 7x7 s1", "convT", 256, 128, 7, 1, 2, 0),
    ("convT 128->64 7x7 s2 op1", "convT", 128, 64, 7, 2, 2, 1),
    ("convT 64->1 14x14 s2 op1", "convT", 64, 1, 14, 2, 2, 1),
]
BATCH, KERNEL = 64, 5


# --------------------------------------------------------------------------- workers

def _arrays(layer):
    import numpy as np
    _, kind, cin, cout, H, s, p, op = layer
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, cin, H, H)).astype(np.float32)
    wshape = (cout, cin, KERNEL, KERNEL) if kind == "conv" else (cin, cout, KERNEL, KERNEL)
    w = (rng.standard_normal(wshape) * 0.05).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    OH = (H + 2 * p - KERNEL) // s + 1 if kind == "conv" else (H - 1) * s - 2 * p + KERNEL + op
    gy = rng.standard_normal((BATCH, cout, OH, OH)).astype(np.float32)
    return x, w, b, gy


def _npgan_steps(backend):
    import npgan as ng
    from npgan.ops.conv import conv2d, conv_transpose2d
    ng.set_backend(backend)
    steps = []
    for layer in LAYERS:
        _, kind, _, _, _, s, p, op = layer
        x, w, b, gy = (ng.tensor(a, requires_grad=i < 3) for i, a in enumerate(_arrays(layer)))

        def step(x=x, w=w, b=b, gy=gy, kind=kind, s=s, p=p, op=op):
            x.grad = w.grad = b.grad = None
            y = conv2d(x, w, b, s, p) if kind == "conv" else conv_transpose2d(x, w, b, s, p, op)
            y.backward(gy)
        steps.append(step)
    return steps


def _torch_steps():
    import torch
    steps = []
    for layer in LAYERS:
        _, kind, _, _, _, s, p, op = layer
        x, w, b, gy = (torch.from_numpy(a) for a in _arrays(layer))
        for t in (x, w, b):
            t.requires_grad_(True)
        F = torch.nn.functional

        def step(x=x, w=w, b=b, gy=gy, kind=kind, s=s, p=p, op=op):
            x.grad = w.grad = b.grad = None
            y = F.conv2d(x, w, b, s, p) if kind == "conv" else F.conv_transpose2d(x, w, b, s, p, op)
            y.backward(gy)
        steps.append(step)
    return steps


def _blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('version', '')} {i.get('architecture', '') or ''} "
                     f"threads={i.get('num_threads')}".strip() for i in threadpool_info())


def worker(name, threads, cpu_time=False):
    """Serve 'run <layer index> <reps>' requests on stdin; answer with the best time in ms."""
    clock = time.process_time if cpu_time else time.perf_counter
    if name == "torch":
        import torch
        torch.set_num_threads(threads)
        steps, version = _torch_steps(), f"torch {torch.__version__}"
    else:
        import npgan
        steps, version = _npgan_steps(name), f"npgan {npgan.__version__} backend={name}"
    for step in steps:  # warm up: compile Numba, fault in memory
        step()
        step()
    print(json.dumps({"ready": version, "blas": _blas_info()}), flush=True)
    for line in sys.stdin:
        _, index, reps = line.split()
        step, best = steps[int(index)], float("inf")
        for _ in range(int(reps)):
            t0 = clock()
            step()
            best = min(best, clock() - t0)
        print(json.dumps({"ms": best * 1e3}), flush=True)


# --------------------------------------------------------------------------- the loops alone

def loops(threads, reps):
    """Time each hot loop on each backend on the DCGAN shapes (how the prefer orders were chosen)."""
    import numpy as np
    from npgan.kernels import implementations
    rng = np.random.default_rng(0)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    cases = [  # the loops of one 16-image chunk, in the batch-innermost (C, H, W, n) layout
        ("im2col x (64,14,14,16) k5 s2", "conv_im2col", (f32(64, 14, 14, 16), 5, 2, 2, 1, (7, 7))),
        ("im2col gy (128,7,7,16) k5 s1", "conv_im2col", (f32(128, 7, 7, 16), 5, 1, 2, 1, (7, 7))),
        ("im2col x (1,28,28,64) k5 s2", "conv_im2col", (f32(1, 28, 28, 64), 5, 2, 2, 1, (14, 14))),
        ("col2im (128,7,7,16) k5 s1", "conv_col2im", (f32(3200, 49 * 16), (128, 7, 7, 16), 5, 1, 2, 1, (7, 7))),
        ("col2im (64,14,14,16) k5 s2", "conv_col2im", (f32(1600, 49 * 16), (64, 14, 14, 16), 5, 2, 2, 1, (7, 7))),
        ("col2im (1,28,28,64) k5 s2", "conv_col2im", (f32(25, 196 * 64), (1, 28, 28, 64), 5, 2, 2, 1, (14, 14))),
        ("transpose (16, 64*14*14)", "transpose_add_bias", (f32(16, 64 * 196),)),
        ("transpose (128*49, 16) + bias", "transpose_add_bias", (f32(128 * 49, 16), f32(128), 49)),
        ("channel_sum (64,64,14,14)", "conv_channel_sum", (f32(64, 64, 14, 14),)),
    ]
    print(f"{'loop':32s}" + "".join(f"{b:>10s}" for b in ("numpy", "numba", "c")) + "   (ms, best of reps)")
    for label, name, args in cases:
        row = {}
        for backend, fn in implementations(name).items():
            fn(*args)
            best = float("inf")
            for _ in range(reps):
                t0 = time.perf_counter()
                fn(*args)
                best = min(best, time.perf_counter() - t0)
            row[backend] = best * 1e3
        print(f"{label:32s}" + "".join(f"{row.get(b, float('nan')):10.3f}" for b in ("numpy", "numba", "c")))


# --------------------------------------------------------------------------- the parent

def _thread_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=None, help="comma-separated npgan backends (default: all available + auto)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--loops", action="store_true", help="time the hot loops per backend instead")
    parser.add_argument("--blas-coretype", metavar="NAME",
                        help="add a column: backend auto with OPENBLAS_CORETYPE=NAME (e.g. SkylakeX for the AVX-512 "
                             "GEMM kernels, when the environment pins an older core type)")
    parser.add_argument("--npgan-env", action="append", default=[], metavar="VAR=VALUE",
                        help="extra environment for the npgan workers only (e.g. OMP_WAIT_POLICY=passive)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="measure process CPU time instead of wall time: with --threads 1 this is insensitive "
                             "to other processes on a shared machine (with more threads it counts spinning too)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.threads, args.cpu_time)
    if args.loops:
        os.environ.update(_thread_env(args.threads))
        return loops(args.threads, max(args.reps, 10))

    env = _thread_env(args.threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    env["PYTHONPATH"] = os.pathsep.join([sys.path[0]] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    if args.backends:
        names = args.backends.split(",")
    else:
        probe = subprocess.run([sys.executable, "-c", "import npgan; print(','.join(npgan.available_backends()))"],
                               env=env, capture_output=True, text=True, check=True)
        names = probe.stdout.strip().splitlines()[-1].split(",") + ["auto"]
    if args.blas_coretype:
        names.append(f"auto@OPENBLAS_CORETYPE={args.blas_coretype}")
    if not args.no_torch:
        has_torch = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True).returncode == 0
        names += ["torch"] if has_torch else []
    workers = {}
    npgan_env = dict(env, **dict(item.split("=", 1) for item in args.npgan_env))
    for name in names:
        # a worker name may carry its own environment: "c@OPENBLAS_CORETYPE=SkylakeX+OMP_NUM_THREADS=1"
        backend, _, extra = name.partition("@")
        worker_env = dict(env if name == "torch" else npgan_env, **dict(
            item.split("=", 1) for item in extra.split("+") if item))
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", backend,
                                 "--threads", str(args.threads)] + (["--cpu-time"] if args.cpu_time else []),
                                env=worker_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        workers[name] = proc
    info = {name: json.loads(proc.stdout.readline()) for name, proc in workers.items()}
    for name, meta in info.items():
        print(f"# {name:6s}: {meta['ready']}; BLAS/OpenMP: {meta['blas']}")
    print(f"# {BATCH}-image batches, float32, kernel {KERNEL}x{KERNEL}, forward+backward (grads of x, w, b); "
          f"threads={args.threads}; {'CPU' if args.cpu_time else 'wall'} time; median over {args.rounds} alternating rounds of the best of {args.reps}")

    times = {(name, i): [] for name in names for i in range(len(LAYERS))}
    order = list(names)
    for _ in range(args.rounds):
        for i in range(len(LAYERS)):
            random.shuffle(order)
            for name in order:
                workers[name].stdin.write(f"run {i} {args.reps}\n")
                times[name, i].append(json.loads(workers[name].stdout.readline())["ms"])
    for proc in workers.values():
        proc.stdin.close()
        proc.wait()

    med = {key: statistics.median(v) for key, v in times.items()}
    ref = "torch" if "torch" in names else None
    for k, n in enumerate(names):
        if "@" in n:
            print(f"# column {k + 1} = {n}")
    label = {n: n.split("@")[0] + ("*" if "@" in n else "") for n in names}
    head = f"{'layer':28s}" + "".join(f"{label[n]:>10s}" for n in names)
    if ref:
        head += "   ratio to torch: " + " ".join(f"{label[n]:>6s}" for n in names if n != ref)
    print(head)
    for i, layer in enumerate(LAYERS):
        row = f"{layer[0]:28s}" + "".join(f"{med[n, i]:10.2f}" for n in names)
        if ref:
            row += "                   " + " ".join(f"{med[n, i] / med[ref, i]:6.2f}" for n in names if n != ref)
        print(row)
    total = {n: sum(med[n, i] for i in range(len(LAYERS))) for n in names}
    row = f"{'total (ms)':28s}" + "".join(f"{total[n]:10.2f}" for n in names)
    if ref:
        row += "                   " + " ".join(f"{total[n] / total[ref]:6.2f}" for n in names if n != ref)
    print(row)


if __name__ == "__main__":
    main()
