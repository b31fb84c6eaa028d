"""A step on a busy machine: npgan and PyTorch idle, then beside CPU-bound processes (issue 17, item 3).

    python benchmarks/bench_contention.py                    # 2 busy processes, MLP GAN / WGAN-GP / DCGAN
    python benchmarks/bench_contention.py --train 300        # ... and a short plain `npgan train`
    python benchmarks/bench_contention.py --quick            # a smoke run of the plumbing
    python benchmarks/bench_contention.py --baseline ../old  # ... and another checkout's npgan beside it

A learner's laptop always has something else running. When another process wants every
core, a library whose threads busy-wait for each other (OpenBLAS's and OpenMP's do, unless
told otherwise) loses its time slices to spinning: a step that needs all its threads at
each barrier waits for whichever thread the scheduler has put aside. This script measures
how much a training step slows down when ``--busy`` processes (default: one per core) each
spin a core, for npgan and PyTorch alike.

It runs ``bench_steps.py`` twice with the same arguments -- once on the quiet machine and
once with the busy processes running -- and reports, per workload, each library's slowdown
(loaded median / idle median) and npgan's ratio to PyTorch in both runs. Issue 17's target:
npgan's ratio to PyTorch under load is at most 1.1 times its ratio idle, so npgan slows no
more than PyTorch does. ``--train STEPS`` also times the plain command
``npgan train --steps STEPS`` (its defaults: WGAN-GP on ring8) idle and loaded; the target
there is a loaded time within 3 times the idle one.

Each run's own table (bench_steps.py's) is printed as it finishes. This is a benchmark:
nothing here asserts on time, and a machine that is not quiet before the first run makes
every number here meaningless (the load average is printed for that reason).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUSY_LOOP = "while True: pass"
SLOWDOWN_TARGET = 1.1  # npgan/torch under load over npgan/torch idle
TRAIN_TARGET = 3.0  # plain npgan train: loaded wall time over idle wall time


class BusyProcesses:
    """``n`` CPU-bound Python processes, each spinning one core, for the ``with`` block."""

    def __init__(self, n):
        self.n, self.procs = n, []

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(self.n)]
        time.sleep(1.0)  # let the scheduler settle them on the cores
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()


def run_bench_steps(bench_args, json_path):
    """bench_steps.py with ``bench_args``; its printed table passes through, its JSON is returned."""
    subprocess.run([sys.executable, os.path.join(HERE, "bench_steps.py"), *bench_args, "--json", json_path],
                   check=True)
    with open(json_path) as f:
        return json.load(f)


def time_train(steps, out, tree=os.path.dirname(HERE)):
    """Wall seconds of ``npgan train --steps STEPS --out OUT --no-progress`` (a fresh run), with
    npgan imported from ``tree`` (this checkout unless another is given)."""
    command = [sys.executable, "-c", "import sys; from npgan.app.cli import main; sys.exit(main())",
               "train", "--steps", str(steps), "--out", out, "--overwrite", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tree] + [os.environ.get("PYTHONPATH", "")]))
    t0 = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def medians(result):
    """{(library, workload): median ms} from a bench_steps JSON result."""
    return {(r["library"], r["workload"]): r["median_ms"] for r in result["results"]}


BASELINE = "npgan-baseline"  # bench_steps.py's name for the --baseline checkout's npgan


def compare(idle, loaded, peer="torch"):
    """Rows of the report: per workload, each library's slowdown and npgan's ratio to ``peer``
    idle and loaded, with the target's verdict when both libraries ran."""
    idle_ms, loaded_ms = medians(idle), medians(loaded)
    rows = []
    for wname in dict.fromkeys(w for _, w in idle_ms):
        row = {"workload": wname}
        for lib in ("npgan", BASELINE, peer):
            if (lib, wname) in idle_ms and (lib, wname) in loaded_ms:
                row[f"{lib}_idle_ms"] = idle_ms[lib, wname]
                row[f"{lib}_loaded_ms"] = loaded_ms[lib, wname]
                row[f"{lib}_slowdown"] = loaded_ms[lib, wname] / idle_ms[lib, wname]
        if "npgan_slowdown" in row and f"{peer}_slowdown" in row:
            row["ratio_idle"] = row["npgan_idle_ms"] / row[f"{peer}_idle_ms"]
            row["ratio_loaded"] = row["npgan_loaded_ms"] / row[f"{peer}_loaded_ms"]
            row["ratio_growth"] = row["ratio_loaded"] / row["ratio_idle"]
            row["met"] = row["ratio_growth"] <= SLOWDOWN_TARGET
        rows.append(row)
    return rows


def print_report(rows, busy, train=None, peer="torch"):
    print(f"\n# {busy} busy process(es) beside each step; slowdown = loaded median / idle median")
    print(f"| workload | npgan idle / loaded (ms) | {peer} idle / loaded (ms) | npgan slowdown | {peer} slowdown "
          f"| npgan/{peer} idle | npgan/{peer} loaded | growth (target <= {SLOWDOWN_TARGET}) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")

    def cell(row, lib, key):
        return f"{row[f'{lib}_{key}']:.2f}" if f"{lib}_{key}" in row else "-"

    for r in rows:
        growth = f"{r['ratio_growth']:.2f} {'met' if r['met'] else 'MISSED'}" if "met" in r else "-"
        ratios = (f"{r['ratio_idle']:.2f} | {r['ratio_loaded']:.2f}" if "ratio_idle" in r else "- | -")
        print(f"| {r['workload']} | {cell(r, 'npgan', 'idle_ms')} / {cell(r, 'npgan', 'loaded_ms')} "
              f"| {cell(r, peer, 'idle_ms')} / {cell(r, peer, 'loaded_ms')} | {cell(r, 'npgan', 'slowdown')} "
              f"| {cell(r, peer, 'slowdown')} | {ratios} | {growth} |")
    if any(f"{BASELINE}_slowdown" in r for r in rows):
        print(f"\n# {BASELINE} (--baseline): idle / loaded ms, slowdown")
        for r in rows:
            print(f"| {r['workload']} | {cell(r, BASELINE, 'idle_ms')} / {cell(r, BASELINE, 'loaded_ms')} "
                  f"| {cell(r, BASELINE, 'slowdown')} |")
    for name, run in (train or {}).items():
        idle, loaded = statistics.median(run["idle"]), statistics.median(run["loaded"])
        factor = loaded / idle

        def seconds(times):
            return ", ".join(f"{t:.1f}" for t in times)
        print(f"\n# {name}: npgan train --steps {run['steps']}: median {idle:.1f} s idle ({seconds(run['idle'])}), "
              f"{loaded:.1f} s loaded ({seconds(run['loaded'])}): {factor:.2f}x, worst loaded / median idle "
              f"{max(run['loaded']) / idle:.2f}x (target <= {TRAIN_TARGET}: {'met' if factor <= TRAIN_TARGET else 'MISSED'})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2,
                        help="CPU-bound processes beside the loaded run (default: one per core)")
    parser.add_argument("--libs", default="npgan,torch")
    parser.add_argument("--workloads", default="mlp_gan_b64,mlp_wgan_gp_b64,dcgan_b64")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train", type=int, default=0, metavar="STEPS",
                        help="also time a plain `npgan train --steps STEPS`, idle and loaded (0: skip)")
    parser.add_argument("--train-rounds", type=int, default=1, metavar="N",
                        help="time each --train run N times, alternating between the checkouts; the report "
                             "gives the median and the range")
    parser.add_argument("--quick", action="store_true", help="2 rounds, few steps, MLP GAN only: the plumbing")
    parser.add_argument("--json", metavar="PATH", help="also write both runs and the report as JSON")
    parser.add_argument("--baseline", metavar="PATH",
                        help="also measure npgan imported from PATH (another checkout), steps and --train alike")
    args = parser.parse_args(argv)
    if args.busy < 1 or args.rounds < 1 or args.threads < 1 or args.train < 0 or args.train_rounds < 1:
        parser.error("--busy, --rounds, --threads and --train-rounds must be positive, --train at least 0")

    bench_args = ["--libs", args.libs, "--threads", str(args.threads), "--rss-steps", "0"]
    if args.baseline:
        bench_args += ["--baseline", os.path.abspath(args.baseline)]
    trees = {"npgan": os.path.dirname(HERE)}
    if args.baseline:
        trees[BASELINE] = os.path.abspath(args.baseline)
    if args.quick:
        bench_args += ["--workloads", "mlp_gan_b64", "--rounds", "2", "--steps-scale", "0.3"]
    else:
        bench_args += ["--workloads", args.workloads, "--rounds", str(args.rounds)]
    print(f"# load average before the idle run: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="npgan_contention_") as tmp:
        idle = run_bench_steps(bench_args, os.path.join(tmp, "idle.json"))
        train = {name: {"steps": args.train, "idle": [], "loaded": []} for name in trees} if args.train else {}

        def time_trains(phase):
            for _ in range(args.train_rounds):
                for name in train:
                    train[name][phase].append(time_train(args.train, os.path.join(tmp, "run"), trees[name]))

        time_trains("idle")
        with BusyProcesses(args.busy):
            loaded = run_bench_steps(bench_args, os.path.join(tmp, "loaded.json"))
            time_trains("loaded")
    rows = compare(idle, loaded)
    print_report(rows, args.busy, train)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"busy": args.busy, "idle": idle, "loaded": loaded, "rows": rows, "train": train}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
