"""Which GEMM library is fastest for npgan's shapes? (issue 17, item 2: measure first.)

Times the float32 GEMMs of one training step of a workload of bench_steps.py (the default,
``mlp_gan_b64``: the Linear layers 100-256-256-784 of G and 784-256-256-1 of D; ``--workload
all`` runs the five) in each available library, at 1 and 2 threads. The shapes are not
written by hand: a child process runs one npgan step of the workload with a recorder around
the ``gemm`` kernel (every matmul / linear and the im2col GEMMs of the conv kernels) and
lists each call's (M, N, K, transposes). The libraries are npgan's ``gemm`` backends, called
as npgan calls them (``unchecked("gemm")``, the guard included), and torch as the peer:

    numpy   numpy.matmul (the BLAS NumPy was built with; OpenBLAS for the PyPI wheel)
    mkl     cblas_sgemm of Intel's libmkl_rt (`pip install mkl`), through cffi (gemm_mkl.py)
    blis    blis.py.gemm of the `blis` package (`pip install blis`; built without threads)
    torch   torch.matmul (`pip install torch==2.13.0` on this machine), as the peer

OPENBLAS_CORETYPE is passed to every child as the environment sets it (the header prints it).

Each library runs in its own process (its thread pool alone), rounds alternate between
libraries, and the table gives the median of the rounds' medians with the GFLOP/s.
A library that is not installed is skipped and said so.

    python benchmarks/bench_gemm.py [--workload all] [--rounds 5] [--threads 1,2] [--libs numpy,mkl,blis,torch]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]  # this checkout's npgan, and step_workloads

def list_shapes(workload):
    """In a child process: (M, N, K, trans_a, trans_b) of every gemm call of one training
    step of ``workload`` (float32), in call order."""
    import npgan
    from npgan.kernels import registry
    from step_workloads import common, npgan_steps

    calls = []
    entry = registry._kernels["gemm"]  # a benchmark's recorder around the registered reference
    reference = entry.targets["numpy"]

    def recorder(a, trans_a, b, trans_b, out):
        calls.append((out.shape[0], out.shape[1], a.shape[0] if trans_a else a.shape[1], trans_a, trans_b))
        return reference(a, trans_a, b, trans_b, out)
    entry.targets["numpy"] = recorder
    npgan.set_backend("numpy")
    step = npgan_steps.build(common.WORKLOADS[workload], common.make_arrays())
    step()
    return calls


def operands(shapes, rng):
    ops = []
    for m, n, k, ta, tb in shapes:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        ops.append((a, ta, b, tb, np.empty((m, n), np.float32)))
    return ops


def npgan_gemm(lib):
    import npgan
    from npgan.kernels import unchecked
    npgan.set_backend(lib)
    return unchecked("gemm")


def torch_gemm():
    import torch

    def gemm(a, ta, b, tb, c, _t=torch):
        x, y = _t.from_numpy(a), _t.from_numpy(b)
        _t.matmul(x.T if ta else x, y.T if tb else y, out=_t.from_numpy(c))
    return gemm


def worker(lib, threads, repeats, shapes):
    """In a child process: median microseconds of the step's GEMMs, and a check value."""
    if lib == "torch":
        import torch
        torch.set_num_threads(threads)
        gemm = torch_gemm()
    else:
        import npgan
        npgan.set_num_threads(threads)
        gemm = npgan_gemm(lib)
    ops = operands(shapes, np.random.default_rng(0))
    reference = [np.matmul(a.T if ta else a, b.T if tb else b) for a, ta, b, tb, _ in ops]
    for op in ops:
        gemm(*op)
    error = max(float(np.abs(c - r).max() / (np.abs(r).max() + 1e-30)) for (*_, c), r in zip(ops, reference))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for op in ops:
            gemm(*op)
        times.append(time.perf_counter() - start)
    return {"us": statistics.median(times) * 1e6, "rel_error": error}


def _child(env, *args):
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["exit status %d" % done.returncode])[-1]}
    return json.loads(done.stdout)


def run_child(lib, threads, repeats, shapes_file):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               BLIS_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    return _child(env, "--child", lib, "--threads", str(threads), "--repeats", str(repeats), "--shapes", shapes_file)


def flops(shapes):
    return sum(2 * m * n * k for m, n, k, _, _ in shapes)


def measure(workload, shapes, libs, thread_counts, args):
    """Rounds alternating between the libraries, each in its own process; prints the table."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(shapes, f)
    print(f"\n{workload}: GEMMs of one step, float32: {len(shapes)} calls, {flops(shapes) / 1e6:.1f} MFLOP; "
          f"load average {os.getloadavg()[0]:.2f}")
    results = {(lib, t): [] for lib in libs for t in thread_counts}
    skipped = {}
    for _ in range(args.rounds):
        for t in thread_counts:
            for lib in libs:
                if lib in skipped:
                    continue
                r = run_child(lib, t, args.repeats, f.name)
                if "error" in r:
                    skipped[lib] = r["error"]
                else:
                    results[(lib, t)].append(r)
    os.unlink(f.name)
    for lib, why in skipped.items():
        print(f"  {lib}: skipped ({why})")
    print(f"{'library':8} {'threads':>7} {'median us':>10} {'GFLOP/s':>8} {'vs numpy':>9} {'max rel err':>12}")
    for t in thread_counts:
        base = statistics.median(r["us"] for r in results[("numpy", t)]) if results.get(("numpy", t)) else None
        for lib in libs:
            rows = results[(lib, t)]
            if not rows:
                continue
            us = statistics.median(r["us"] for r in rows)
            ratio = f"{us / base:.2f}x" if base else "-"
            print(f"{lib:8} {t:7d} {us:10.0f} {flops(shapes) / us / 1e3:8.1f} {ratio:>9} "
                  f"{max(r['rel_error'] for r in rows):12.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="mlp_gan_b64",
                        help="a workload of bench_steps.py, or 'all' for the five at batch 64")
    parser.add_argument("--libs", default="numpy,mkl,blis,torch")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=50, help="timed steps per round")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--shapes", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--list-shapes", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.list_shapes:
        print(json.dumps(list_shapes(args.list_shapes)))
        return
    if args.child:
        with open(args.shapes) as f:
            shapes = [tuple(s) for s in json.load(f)]
        print(json.dumps(worker(args.child, int(args.threads), args.repeats, shapes)))
        return
    workloads = ["mlp_gan_b64", "mlp_lsgan_b64", "mlp_wgan_gp_b64", "dcgan_b64", "dcgan_critic_gp_b64"] \
        if args.workload == "all" else args.workload.split(",")
    libs, thread_counts = args.libs.split(","), [int(t) for t in args.threads.split(",")]
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    for workload in workloads:
        shapes = _child(dict(os.environ, OPENBLAS_NUM_THREADS="1"), "--list-shapes", workload)
        if isinstance(shapes, dict):
            print(f"\n{workload}: could not list its GEMMs ({shapes['error']})")
            continue
        measure(workload, shapes, libs, thread_counts, args)


if __name__ == "__main__":
    main()
