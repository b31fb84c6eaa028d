"""Which GEMM library is fastest for npgan's shapes? (issue 17, item 2: measure first.)

Times the float32 GEMMs of one MLP GAN training step at batch 64 (the Linear layers
100-256-256-784 of G and 784-256-256-1 of D: forward y = x W^T, backward dX = dY W and
dW = dY^T X) in each available library, at 1 and 2 threads:

    numpy   numpy.matmul (the BLAS NumPy was built with; OpenBLAS for the PyPI wheel)
    mkl     cblas_sgemm of Intel's libmkl_rt (`pip install mkl`), called through ctypes
    blis    blis.py.gemm of the `blis` package (`pip install blis`)
    torch   torch.matmul (`pip install torch==2.13.0` on this machine), as the peer

Each library runs in its own process (its thread pool alone), rounds alternate between
libraries, and the table gives the median of the rounds' medians with the GFLOP/s.
A library that is not installed is skipped and said so.

    python benchmarks/bench_gemm.py [--rounds 5] [--threads 1,2] [--libs numpy,mkl,blis,torch]
"""
import argparse
import ctypes
import ctypes.util
import glob
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = 64
LAYERS = [(100, 256), (256, 256), (256, 784), (784, 256), (256, 256), (256, 1)]  # (in, out): G then D


def shapes():
    """(M, N, K, trans_a, trans_b) of C = op(A) op(B) for every GEMM of one step."""
    out = []
    for fan_in, fan_out in LAYERS:
        out.append((BATCH, fan_out, fan_in, False, True))    # y  = x W^T        (64, out)
        out.append((BATCH, fan_in, fan_out, False, False))   # dX = dY W         (64, in)
        out.append((fan_out, fan_in, BATCH, True, False))    # dW = dY^T X       (out, in)
    return out


def operands(rng):
    ops = []
    for m, n, k, ta, tb in shapes():
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        ops.append((a, b, ta, tb, np.empty((m, n), np.float32)))
    return ops


def numpy_gemm():
    return lambda a, b, ta, tb, c: np.matmul(a.T if ta else a, b.T if tb else b, out=c)


def mkl_gemm():
    candidates = glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")) + [ctypes.util.find_library("mkl_rt")]
    path = next((p for p in candidates if p), None)
    if path is None:
        raise ImportError("libmkl_rt not found (pip install mkl)")
    lib = ctypes.CDLL(path)
    sgemm = lib.cblas_sgemm
    sgemm.restype = None
    ptr, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    sgemm.argtypes = [i, i, i, i, i, i, f, ptr, i, ptr, i, f, ptr, i]
    row_major, no_trans, trans = 101, 111, 112

    def gemm(a, b, ta, tb, c):
        m, n = c.shape
        k = a.shape[0] if ta else a.shape[1]
        sgemm(row_major, trans if ta else no_trans, trans if tb else no_trans, m, n, k, 1.0,
              a.ctypes.data, a.shape[1], b.ctypes.data, b.shape[1], 0.0, c.ctypes.data, n)
    return gemm


def blis_gemm():
    from blis.py import gemm as blis_py_gemm
    return lambda a, b, ta, tb, c: blis_py_gemm(a, b, out=c, trans1=ta, trans2=tb, beta=0.0)


def torch_gemm():
    import torch

    def gemm(a, b, ta, tb, c, _t=torch):
        x, y = _t.from_numpy(a), _t.from_numpy(b)
        _t.matmul(x.T if ta else x, y.T if tb else y, out=_t.from_numpy(c))
    return gemm


LIBS = {"numpy": numpy_gemm, "mkl": mkl_gemm, "blis": blis_gemm, "torch": torch_gemm}


def worker(lib, threads, repeats):
    """In a child process: median microseconds of the whole step's GEMMs, and a check value."""
    if lib == "torch":
        import torch
        torch.set_num_threads(threads)
    gemm = LIBS[lib]()
    ops = operands(np.random.default_rng(0))
    reference = [np.matmul(a.T if ta else a, b.T if tb else b) for a, b, ta, tb, _ in ops]
    for a, b, ta, tb, c in ops:
        gemm(a, b, ta, tb, c)
    error = max(float(np.abs(c - r).max() / (np.abs(r).max() + 1e-30)) for (*_, c), r in zip(ops, reference))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for a, b, ta, tb, c in ops:
            gemm(a, b, ta, tb, c)
        times.append(time.perf_counter() - start)
    return {"us": statistics.median(times) * 1e6, "rel_error": error}


def run_child(lib, threads, repeats):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               BLIS_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, __file__, "--child", lib, "--threads", str(threads),
                           "--repeats", str(repeats)], env=env, capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout)


def flops():
    return sum(2 * m * n * k for m, n, k, _, _ in shapes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libs", default="numpy,mkl,blis,torch")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=200, help="timed steps per round")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(worker(args.child, int(args.threads), args.repeats)))
        return
    libs, thread_counts = args.libs.split(","), [int(t) for t in args.threads.split(",")]
    print(f"GEMMs of one MLP GAN step, batch {BATCH}, float32: {len(shapes())} calls, {flops() / 1e6:.1f} MFLOP; "
          f"load average {os.getloadavg()[0]:.2f}")
    results = {(lib, t): [] for lib in libs for t in thread_counts}
    skipped = {}
    for _ in range(args.rounds):
        for t in thread_counts:
            for lib in libs:
                if lib in skipped:
                    continue
                r = run_child(lib, t, args.repeats)
                if "error" in r:
                    skipped[lib] = r["error"]
                else:
                    results[(lib, t)].append(r)
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
            print(f"{lib:8} {t:7d} {us:10.0f} {flops() / us / 1e3:8.1f} {ratio:>9} "
                  f"{max(r['rel_error'] for r in rows):12.1e}")


if __name__ == "__main__":
    main()
