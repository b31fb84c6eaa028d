"""Whole training steps of npgan side by side with PyTorch and DeZero (issue 7).

    python benchmarks/bench_steps.py                      # workloads 1-6, every installed library
    python -m benchmarks.bench_steps --json steps.json    # the same, and the table as JSON
    python benchmarks/bench_steps.py --quick --libs npgan # a smoke run: 2 rounds of 2 workloads

Workloads (float32; the weights, data and noise are the same for every library, see
``step_workloads/common.py``):
  1. MLP GAN step: one D update, one G update, non-saturating BCE, Adam 2e-4 (0.5, 0.999);
     G 100-256-256-784 (LeakyReLU 0.2, tanh), D 784-256-256-1; batch 64, 1 and 512.
  2. LSGAN step with the same networks.
  3. WGAN-GP step with the same MLPs: 5 critic updates with the penalty by double backprop,
     then one G update (Adam 1e-4, betas (0, 0.9)).
  4. DCGAN step with the 28x28 architecture of ``npgan.gan.models`` (D with dropout 0.3).
  5. One WGAN-GP critic update with the DCGAN critic (no BN, no dropout).
  6. Peak RSS over ``--rss-steps`` DCGAN steps (500), and whether RSS grows after warm-up.

How it measures. Each library runs in its own worker process, with every thread pool
pinned to ``--threads`` (torch.set_num_threads; threadpoolctl for NumPy's BLAS;
OMP_NUM_THREADS and NUMBA_NUM_THREADS for npgan's C and Numba kernels): two BLAS pools in
one process would fight over the cores. The parent asks the workers in turn, workload by
workload and round by round, in a shuffled order, so a machine that gets busier during
the run slows every library alike. Between two requests the parent waits ``--gap``
seconds, since BLAS and OpenMP threads spin for a while after their last call and would
slow whichever worker runs next. A request runs one untimed step (the pools wake up),
then ``steps_per_call`` timed training steps; the table gives the median and the min over
all timed steps, and npgan's median (and min) divided by each peer's, then issue 7's
targets met or missed. Workload 6 runs afterwards, one fresh process per library at a
time. The load average before and after is reported, since a shared machine makes every
number noisier. ``--baseline PATH`` adds npgan imported from another checkout (before /
after a change, in the same alternating run); its worker is that checkout's own
``benchmarks/bench_steps.py`` when it has one, so the steps are written against its own API.
The "npgan" column runs each step as ``npgan train`` does by default, captured
(``npgan.compile``; a workload whose capture is refused runs eagerly, and its worker says
why on stderr); "npgan-eager" beside it is ``npgan train --no-compile``, and its npgan/peer
ratio is the compiled step's time over the eager one's.
This is a benchmark: nothing here asserts on time.
"""
import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from step_workloads import common  # noqa: E402
from step_workloads.report import check_targets, print_table, summarize  # noqa: E402

LIBRARIES = ("npgan", "torch", "dezero")
EAGER = "npgan-eager"  # npgan with every step eager (npgan train --no-compile), beside the captured "npgan"
BASELINE = "npgan-baseline"  # npgan imported from --baseline PATH (another checkout), for before/after
RSS_SAMPLE_EVERY = 10


# --------------------------------------------------------------------------- worker side

def _blas_info():
    from threadpoolctl import threadpool_info
    return [{k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
            for info in threadpool_info()]


def _start_library(name, threads):
    """Import the library's step module with every thread pool pinned; returns it."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)  # NumPy's BLAS (and any OpenMP pool already loaded)
    if name == "torch":
        import torch
        torch.set_num_threads(threads)
    import importlib
    module = importlib.import_module(f"step_workloads.{'npgan' if name in (BASELINE, EAGER) else name}_steps")
    threadpool_limits(threads)  # pools the import loaded (torch's MKL/OpenMP, ...)
    return module


def _build(module, name):
    """The library's ``build(workload, arrays) -> step``; npgan's eager one for the eager column."""
    return module.build_eager if name == EAGER else module.build


def _start_worker(name, threads, arrays_path):
    """A worker's library step module and the shared arrays; ``(None, None)`` when the
    library is not installed, after telling the parent so (a "skipped" JSON line)."""
    import numpy as np
    try:
        module = _start_library(name, threads)
    except ImportError as exc:
        print(json.dumps({"skipped": f"{name} is not installed ({exc})"}), flush=True)
        return None, None
    with np.load(arrays_path) as f:
        return module, {k: f[k] for k in f.files}


def _rss_mb(field="VmRSS"):
    """This process's resident set (VmRSS) or its peak (VmHWM), in MB (Linux /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource  # elsewhere: the peak only (kB on Linux, bytes on macOS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0)


def worker(name, threads, arrays_path, workload_names):
    """Serve 'warm <workload>' and 'run <workload> <steps>' lines on stdin, one JSON line each."""
    module, arrays = _start_worker(name, threads, arrays_path)
    if module is None:
        return
    steps, errors = {}, {}
    for wname in workload_names:
        try:
            steps[wname] = _build(module, name)(common.WORKLOADS[wname], arrays)
        except Exception as exc:  # a library that cannot express a workload is reported, not fatal
            errors[wname] = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"version": module.version(), "blas": _blas_info(), "errors": errors}), flush=True)
    for line in sys.stdin:
        command, wname, *rest = line.split()
        if wname in errors:
            print(json.dumps({"error": errors[wname]}), flush=True)
            continue
        try:
            if command == "warm":  # the first steps compile Numba kernels and fault memory in
                losses = steps[wname]()
                steps[wname]()
                print(json.dumps({"losses": {k: float(v) for k, v in losses.items()}}), flush=True)
                continue
            steps[wname]()  # untimed: the thread pools wake up, the caches refill
            times = []
            for _ in range(int(rest[0])):
                t0 = time.perf_counter()
                steps[wname]()
                times.append((time.perf_counter() - t0) * 1e3)
            print(json.dumps({"ms": times}), flush=True)
        except Exception as exc:
            errors[wname] = f"{type(exc).__name__}: {exc}"
            print(json.dumps({"error": errors[wname]}), flush=True)


def rss_worker(name, threads, arrays_path, wname, n_steps):
    """Run ``n_steps`` steps of ``wname`` in a fresh process; print RSS samples as JSON."""
    module, arrays = _start_worker(name, threads, arrays_path)
    if module is None:
        return
    after_import = _rss_mb()
    try:
        step = _build(module, name)(common.WORKLOADS[wname], arrays)
        built = _rss_mb()
        samples = []
        for i in range(1, n_steps + 1):
            step()
            if i % RSS_SAMPLE_EVERY == 0 or i == n_steps or i <= 3:
                samples.append((i, _rss_mb()))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return
    print(json.dumps({"after_import_mb": after_import, "after_build_mb": built, "samples": samples,
                      "peak_mb": _rss_mb("VmHWM")}), flush=True)


# --------------------------------------------------------------------------- parent side

def _worker_env(threads, lib, baseline=None, npgan_env=()):
    """A worker's environment: OpenMP and Numba pools pinned (OPENBLAS_* left as they are;
    the BLAS pool is pinned inside the worker with threadpoolctl); npgan imported from this
    checkout, or from ``baseline`` for the baseline worker; ``npgan_env`` ("VAR=VALUE"
    items) added for the npgan workers only."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    if lib in ("npgan", EAGER, BASELINE):
        env.update(item.split("=", 1) for item in npgan_env)
    path = [baseline if lib == BASELINE else os.path.dirname(HERE)]
    env["PYTHONPATH"] = os.pathsep.join(path + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _spawn(args, env, baseline=None):
    """A worker process running this script, or the baseline checkout's own copy of it."""
    script = os.path.abspath(__file__)
    if baseline and os.path.exists(os.path.join(baseline, "benchmarks", "bench_steps.py")):
        script = os.path.join(baseline, "benchmarks", "bench_steps.py")
    return subprocess.Popen([sys.executable, script] + args, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)


def _ask(proc, line):
    proc.stdin.write(line + "\n")
    return json.loads(proc.stdout.readline())


def _cpu():
    """The CPU's model name and current clock as /proc/cpuinfo gives them (Linux), so that
    tables from different hosts are not compared as if they came from one."""
    try:
        with open("/proc/cpuinfo") as f:
            fields = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in f if ":" in line)}
    except OSError:
        return platform.processor() or None
    model, mhz = fields.get("model name", ""), fields.get("cpu MHz")
    return f"{model}, {mhz} MHz" if mhz else model or None


def _load():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def time_workloads(libs, workload_names, rounds, threads, arrays_path, steps_scale, notes, baseline=None,
                   npgan_env=(), gap=0.5):
    """{(lib, workload): [ms, ...]}, the first step's losses, and each library's info."""
    procs, info = {}, {}
    for lib in libs:
        procs[lib] = _spawn(["--worker", lib, "--threads", str(threads), "--arrays", arrays_path,
                             "--workloads", ",".join(workload_names)],
                            _worker_env(threads, lib, baseline, npgan_env), baseline if lib == BASELINE else None)
    for lib, proc in list(procs.items()):
        line = proc.stdout.readline()
        meta = json.loads(line) if line else {"skipped": f"{lib}: the worker died at start"}
        info[lib] = meta
        if "skipped" in meta:
            notes.append(meta["skipped"] + "; skipped")
            proc.wait()
            del procs[lib]
    losses, times, failed = {}, {}, {}
    for wname in workload_names:
        for lib, proc in procs.items():
            answer = _ask(proc, f"warm {wname}")
            if "error" in answer:
                failed[lib, wname] = answer["error"]
            else:
                losses[lib, wname] = answer["losses"]
    for _ in range(rounds):
        for wname in workload_names:
            n = max(1, round(common.WORKLOADS[wname].steps_per_call * steps_scale))
            order = [lib for lib in procs if (lib, wname) not in failed]
            random.shuffle(order)
            for lib in order:
                time.sleep(gap)  # the last worker's BLAS/OpenMP threads spin on for a while: let them sleep
                answer = _ask(procs[lib], f"run {wname} {n}")
                if "error" in answer:
                    failed[lib, wname] = answer["error"]
                else:
                    times.setdefault((lib, wname), []).extend(answer["ms"])
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    for (lib, wname), error in failed.items():
        notes.append(f"{lib} cannot run {wname}: {error}")
    return times, losses, info, failed


def measure_rss(libs, wname, n_steps, threads, arrays_path, notes, baseline=None, npgan_env=()):
    rows = []
    for lib in libs:
        proc = _spawn(["--rss-worker", lib, "--threads", str(threads), "--arrays", arrays_path,
                       "--workloads", wname, "--rss-steps", str(n_steps)],
                      _worker_env(threads, lib, baseline, npgan_env), baseline if lib == BASELINE else None)
        out, _ = proc.communicate()
        lines = out.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"error": "the worker died"}
        if "skipped" in result:
            continue  # already noted by the timing run
        if "error" in result:
            notes.append(f"{lib}: RSS run of {wname} failed: {result['error']}")
            continue
        samples = result["samples"]
        warm = max(3, n_steps // 10)
        after_warm = [mb for i, mb in samples if i >= warm]
        start = after_warm[0]
        # growth: the high-water mark of the second half of the run after warm-up against
        # that of the first half (RSS goes up and down within a step as large temporaries
        # are mapped and unmapped; a leak raises the later maxima)
        half = max(1, len(after_warm) // 2)
        growth = max(after_warm[half:] or after_warm) - max(after_warm[:half])
        tolerance = max(4.0, 0.02 * start)  # allocator noise: a few MB
        rows.append({"library": lib, "workload": wname, "steps": n_steps, "warmup_steps": warm,
                     "after_import_mb": round(result["after_import_mb"], 1),
                     "after_build_mb": round(result["after_build_mb"], 1),
                     "rss_after_warmup_mb": round(start, 1), "rss_end_mb": round(samples[-1][1], 1),
                     "max_rss_after_warmup_mb": round(max(after_warm), 1),
                     "peak_rss_mb": round(result["peak_mb"], 1),
                     "peak_above_import_mb": round(result["peak_mb"] - result["after_import_mb"], 1),
                     "growth_after_warmup_mb": round(growth, 1), "flat": growth <= tolerance,
                     "samples": samples})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libs", default=",".join(LIBRARIES), help="comma-separated: npgan,torch,dezero")
    parser.add_argument("--workloads", default=None,
                        help=f"comma-separated, of: {', '.join(common.WORKLOADS)} (default: all)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps-scale", type=float, default=1.0, help="multiplies each workload's steps per request")
    parser.add_argument("--gap", type=float, default=0.5,
                        help="seconds of idle between two requests, so that no worker's spinning threads "
                             "(OpenBLAS spins ~0.1 s after a call) slow the next one")
    parser.add_argument("--rss-steps", type=int, default=500, help="steps of workload 6 (0: skip it)")
    parser.add_argument("--rss-workload", default="dcgan_b64")
    parser.add_argument("--quick", action="store_true",
                        help="2 rounds of workloads 1 (batch 64) and 3, few steps; RSS over 30 MLP GAN steps")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--baseline", metavar="PATH",
                        help=f"also time npgan imported from PATH (a directory holding another npgan), as {BASELINE!r}")
    parser.add_argument("--npgan-env", action="append", default=[], metavar="VAR=VALUE",
                        help="extra environment for the npgan workers only (e.g. OMP_WAIT_POLICY=passive)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rss-worker", help=argparse.SUPPRESS)
    parser.add_argument("--arrays", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return worker(args.worker, args.threads, args.arrays, args.workloads.split(","))
    if args.rss_worker:
        return rss_worker(args.rss_worker, args.threads, args.arrays, args.workloads, args.rss_steps)

    try:
        import threadpoolctl  # noqa: F401  (the workers pin NumPy's BLAS pool with it)
    except ImportError:
        parser.error("threadpoolctl is needed to pin the BLAS threads: pip install threadpoolctl "
                     "(or pip install -e .[bench])")
    libs = [lib for lib in args.libs.split(",") if lib]
    unknown = set(libs) - set(LIBRARIES)
    if unknown:
        parser.error(f"unknown libraries {sorted(unknown)}; choose from {LIBRARIES}")
    if "npgan" in libs:  # npgan (captured) first: its row is the one the ratios divide; then npgan eager
        libs.remove("npgan")
        libs[:0] = ["npgan", EAGER]
    if args.baseline:
        libs.insert(2 if EAGER in libs else 1, BASELINE)
    if args.quick:
        workload_names = list(common.QUICK_WORKLOADS)
        rounds, steps_scale, rss_steps, rss_workload = 2, 0.3, min(args.rss_steps, 30), "mlp_gan_b64"
    else:
        workload_names = list(common.WORKLOADS)
        rounds, steps_scale, rss_steps, rss_workload = args.rounds, args.steps_scale, args.rss_steps, args.rss_workload
    if args.workloads:
        workload_names = args.workloads.split(",")
    bad = [w for w in workload_names + [rss_workload] if w not in common.WORKLOADS]
    if bad:
        parser.error(f"unknown workloads {bad}; choose from {list(common.WORKLOADS)}")

    notes = []
    meta = {"command": " ".join([os.path.basename(sys.executable)] + sys.argv), "threads": args.threads,
            "npgan_env": args.npgan_env,
            "rounds": rounds, "python": platform.python_version(), "machine": platform.machine(),
            "cpu": _cpu(), "cpu_count": os.cpu_count(), "load_before": _load()}
    with tempfile.TemporaryDirectory(prefix="npgan_bench_") as tmp:
        arrays_path = os.path.join(tmp, "arrays.npz")
        import numpy as np
        np.savez(arrays_path, **common.make_arrays())
        times, losses, info, _ = time_workloads(libs, workload_names, rounds, args.threads, arrays_path,
                                                steps_scale, notes, args.baseline, args.npgan_env,
                                                0.02 if args.quick else args.gap)
        present = [lib for lib in libs if "skipped" not in info.get(lib, {"skipped": ""})]
        memory = measure_rss(present, rss_workload, rss_steps, args.threads, arrays_path, notes, args.baseline,
                             args.npgan_env) if rss_steps > 0 else []
    meta["load_after"] = _load()
    meta["libraries"] = info
    meta["notes"] = notes
    rows = summarize(times, losses, present, workload_names)
    meta["targets"] = check_targets(rows, memory)
    print_table(rows, memory, meta)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows, "memory": memory}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
