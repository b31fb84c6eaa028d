"""``npgan sweep`` on real Dask clusters, on a tiny sweep (gan and pacgan x 2 seeds, one
hidden layer of 8, 300 steps): each run equals ``npgan train`` + ``npgan eval`` of its
config; the table is the mean ± s.e. of the rows; a rerun skips finished runs without a
cluster; a worker process killed mid-run (SIGKILL) costs its task only the steps since its
checkpoint and the sweep ends with the uninterrupted sweep's files, byte for byte; a
diverging run is reported and the others finish; bad flags fail before any cluster starts."""
import contextlib
import csv
import io
import logging
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from npgan.app import cli, rundir, sweep                             # noqa: E402
from npgan.app.evaluate import evaluate_checkpoint                    # noqa: E402
from npgan.app.presets import TrainConfig                             # noqa: E402
from npgan.app.rundir import LOCK, lock_holder                        # noqa: E402
from npgan.app.run import load_run, train                             # noqa: E402
from npgan.app.sweep_report import table                              # noqa: E402
from npgan.serialization import load_checkpoint                       # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS = 300
SPEC = ["--model", "gan,pacgan", "--data", "ring8", "--seeds", "2", "--steps", str(STEPS),
        "--set", "hidden=8", "--set", "checkpoint_every=25", "--no-progress"]
RUNS = ["gan-ring8-seed0", "gan-ring8-seed1", "pacgan-ring8-seed0", "pacgan-ring8-seed1"]


@pytest.fixture(scope="module")
def scheduler():
    """A LocalCluster of 2 single-threaded worker processes, shared by the tests that pass --scheduler.
    Its nannies write Dask's worker settings (OMP_NUM_THREADS, MALLOC_TRIM_THRESHOLD_, ...) into
    this process's environment: the other tests get theirs back."""
    environ = dict(os.environ)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.CRITICAL) as cluster:
        yield cluster.scheduler_address
    os.environ.clear()
    os.environ.update(environ)


def sweep_main(argv):
    """(exit code, stdout, stderr) of ``npgan sweep ARGV`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["sweep", *argv])
    return code, out.getvalue(), err.getvalue()


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def swept(scheduler, tmp_path_factory):
    """The tiny sweep, uninterrupted, on the shared cluster."""
    out = tmp_path_factory.mktemp("sweep") / "a"
    code, stdout, stderr = sweep_main([*SPEC, "--out", str(out), "--scheduler", scheduler])
    assert code == 0, stderr
    return out, stdout


def test_each_run_is_npgan_train_and_npgan_eval_of_its_config(swept, tmp_path):
    out, stdout = swept
    rows = read_csv(out / "results.csv")
    assert [r["run"] for r in rows] == [f"runs/{name}" for name in RUNS]
    assert [(r["model"], r["seed"], r["status"], r["step"]) for r in rows] == [
        (m, s, "ok", str(STEPS)) for m in ("gan", "pacgan") for s in "01"]
    # the same run trained and scored here, without Dask: the same numbers, bit for bit
    reference = tmp_path / "reference"
    train(TrainConfig(model="pacgan", data="ring8", seed=1, steps=STEPS, hidden=(8,), checkpoint_every=25),
          str(reference), progress=False, log=lambda s: None)
    scores = evaluate_checkpoint(str(reference))["scores"]
    assert {k: float(rows[3][k]) for k in scores} == {k: v["mean"] for k, v in scores.items()}
    trainer, _, config = load_run(str(out / "runs" / RUNS[3]))   # an ordinary run directory
    assert (trainer.step_count, config.seed, config.hidden) == (STEPS, 1, (8,))
    assert (out / "samples_ring8.png").stat().st_size > 0 and (out / "table.md").read_text() in stdout
    assert "starting at step 0" in (out / "runs" / RUNS[0] / "sweep.log").read_text()


def test_the_table_is_mean_and_standard_error_over_the_seeds(swept):
    out, _ = swept
    rows = read_csv(out / "results.csv")
    lines = (out / "table.md").read_text().splitlines()
    assert lines[0] == "| method | ring8 modes (max 8) | ring8 high quality | ring8 reverse KL |"
    for model, line in zip(("gan", "pacgan"), lines[2:4]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        values = {k: np.array([float(r[k]) for r in rows if r["model"] == model])
                  for k in ("modes_covered", "high_quality", "reverse_kl")}
        expected = [model]
        for key, fmt in (("modes_covered", "{:.2f}"), ("high_quality", "{:.1%}"), ("reverse_kl", "{:.3f}")):
            v = values[key]
            cell = fmt.format(v.mean())
            if np.all(np.isfinite(v)):
                cell += " ± " + fmt.format(v.std(ddof=1) / np.sqrt(2))
            expected.append(cell)
        assert cells == expected


def test_a_rerun_skips_finished_runs_without_a_cluster(swept, monkeypatch):
    out, _ = swept
    files = [out / "runs" / name / f for name in RUNS for f in ("checkpoint.npz", "eval.json", "metrics.csv")]
    before = {f: f.stat().st_mtime_ns for f in files}
    written = {f: (out / f).read_bytes() for f in ("results.csv", "table.md")}
    monkeypatch.setattr(sweep, "connect", lambda *a: pytest.fail("a cluster was started for no work"))
    code, stdout, stderr = sweep_main([*SPEC, "--out", str(out)])
    assert code == 0, stderr
    assert "4 runs, 4 finished already, 0 to run" in stdout
    assert {f: f.stat().st_mtime_ns for f in files} == before
    assert {f: (out / f).read_bytes() for f in written} == written


def test_a_killed_worker_costs_only_its_task_s_progress_since_its_checkpoint(swept, tmp_path):
    """The default LocalCluster (a real ``npgan sweep`` process, without the thread settings
    in its environment); one worker process killed with SIGKILL after its run's first checkpoint."""
    reference, _ = swept
    out = tmp_path / "killed"
    env = {k: v for k, v in os.environ.items() if k not in sweep.THREADS}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "npgan.app.cli", "sweep", *SPEC, "--out", str(out),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    victim, deadline = None, time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        for name in RUNS:
            run_dir = out / "runs" / name
            holder = lock_holder(str(run_dir))
            if holder is not None and holder.pid is not None and (run_dir / "checkpoint.npz").exists():
                step = load_checkpoint(str(run_dir / "checkpoint.npz"))["trainer"]["step"]
                if step < STEPS:
                    os.kill(holder.pid, signal.SIGKILL)
                    victim = (name, step)
                    break
        time.sleep(0.01)
    stdout, stderr = proc.communicate(timeout=300)
    assert victim is not None, f"no run was caught between checkpoints: {stdout} {stderr}"
    assert proc.returncode == 0, stderr
    assert "on a LocalCluster of 2 worker(s), one thread each" in stdout and "Traceback" not in stderr
    log = (out / "runs" / victim[0] / "sweep.log").read_text()
    resumed = [int(s) for s in re.findall(rf"resuming a \S+ run on ring8 at step (\d+) of {STEPS}", log)]
    assert len(resumed) == 1 and victim[1] <= resumed[0] < STEPS, log
    assert "OPENBLAS_NUM_THREADS=1" in log and "NUMBA_NUM_THREADS=1" in log
    for name in ("results.csv", "table.md"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()
    assert (out / "runs" / victim[0] / LOCK).read_text() == ""


def test_the_locks_of_a_sweep_and_of_its_runs_name_npgan_sweep(tmp_path, capsys):
    """A real ``npgan sweep`` process (its own LocalCluster, in a session of its own so that
    SIGKILL reaches its workers too): the sweep's directory and its run's are refused with
    the pid that holds each and "npgan sweep"; once killed, both locks are reported as left
    by a killed npgan sweep."""
    out = tmp_path / "held"
    run_dir = out / "runs" / "gan-ring8-seed0"
    spec = ["--model", "gan", "--data", "ring8", "--seeds", "1", "--steps", "1000000", "--set", "hidden=8",
            "--set", "checkpoint_every=1000000", "--no-progress", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "npgan.app.cli", "sweep", *spec, "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and lock_holder(str(run_dir)) is None:
            time.sleep(0.05)
        worker, sweeper = lock_holder(str(run_dir)), lock_holder(str(out))
        assert worker is not None and sweeper is not None, "the sweep's run did not start"
        assert (sweeper.pid, sweeper.command, worker.command) == (proc.pid, "npgan sweep", "npgan sweep")
        assert worker.pid != proc.pid  # a worker process trains the run
        code, _, stderr = sweep_main(spec)
        assert code == 2 and f"in use by another npgan sweep (pid {proc.pid}, started {sweeper.started})" in stderr
        assert cli.main(["train", "--out", str(run_dir), "--resume", "--no-progress"]) == 2
        assert f"in use by another npgan sweep (pid {worker.pid}, started {worker.started})" in capsys.readouterr().err
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    deadline = time.monotonic() + 30
    while lock_holder(str(run_dir)) is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker dies with its session; the kernel then releases its lock
    assert lock_holder(str(run_dir)) is None
    notes = []
    with rundir.locked(str(out), sweep.COMMAND, log=notes.append):  # what the sweep's rerun takes first
        pass
    assert len(notes) == 1 and f"still names npgan sweep (pid {proc.pid}, started {sweeper.started}), which no " \
                               f"longer holds it" in notes[0] and "rerunning the sweep" in notes[0]
    notes.clear()
    train(TrainConfig(model="gan", steps=1, hidden=(8,)), str(run_dir), overwrite=True, progress=False,
          log=notes.append)
    assert f"still names npgan sweep (pid {worker.pid}, started {worker.started}), which no longer holds it" in notes[0]


def test_a_diverging_run_is_reported_and_the_others_finish(scheduler, tmp_path):
    out = tmp_path / "nan"
    code, stdout, stderr = sweep_main(["--model", "gan", "--data", "ring8", "--seeds", "1", "--steps", "20",
                                       "--set", "hidden=8", "--set", "lr=2e-4,1e30", "--no-progress",
                                       "--out", str(out), "--scheduler", scheduler])
    assert code == 1 and "1 of 2 runs failed" in stderr
    ok, failed = read_csv(out / "results.csv")
    assert (ok["lr"], ok["status"], ok["step"]) == ("0.0002", "ok", "20")
    assert (failed["lr"], failed["status"], failed["step"]) == ("1e+30", "failed", "")
    assert failed["error"].startswith("Diverged: step 1: ") and "no longer finite" in failed["error"]
    text = (out / "table.md").read_text()
    assert "| gan lr=1e+30 | failed (1 of 1) | - | - |" in text
    assert f"- runs/gan-ring8-lr=1e+30-seed0: {failed['error']}" in text
    assert "Traceback" in (out / "runs" / "gan-ring8-lr=1e+30-seed0" / "sweep.log").read_text()


BAD = [
    (["--model", "gan,nope"], "--model: must be one of"),
    (["--model", "gan,gan"], "--model: 'gan,gan' lists 'gan' twice"),
    (["--model", "gan", "--data", "ring9"], "--data: unknown data set 'ring9'"),
    (["--model", "gan", "--seeds", "0"], "--seeds: must be an integer in [1, 10000], got 0"),
    (["--model", "gan", "--steps", "0"], "--steps: must be an integer >= 1, got 0"),
    (["--model", "gan", "--set", "lr"], "--set: 'lr': write KEY=VALUE"),
    (["--model", "gan", "--set", "lrr=1"], "--set: lrr: not a TrainConfig field"),
    (["--model", "gan", "--set", "lr=abc"], "--set: lr=abc: argument --lr: invalid float value: 'abc'"),
    (["--model", "gan", "--set", "lr=1e-4,"], "--set: '1e-4,': an empty item"),
    (["--model", "gan", "--set", "lr=-1"], "--set: lr: must be > 0.0, got -1.0 (in the runs of --model gan --lr -1.0)"),
    (["--model", "gan", "--set", "seed=1"], "--set: seed: give it as --seeds"),
    (["--model", "gan", "--set", "lr=1e-4,0.0001"], "--set: two runs would share the directory runs/gan-ring8-lr=0.0001"),
    (["--model", "gan", "--set", "lr=1e-4", "--set", "lr=2e-4"], "--set: lr is set twice"),
    (["--model", "gan,wgan-gp", "--set", "gp_lambda=1"], "--set: gp_lambda: model 'gan' plays 'minimax'"),
    (["--model", "pacgan", "--set", "pack=2,3"], "--set: pack: pack = 3 must divide batch_size = 256"),
    (["--model", "gan", "--set", "hidden=8 x"], "--set: hidden=8 x: argument --hidden: invalid int value: 'x'"),
    (["--model", "dcgan", "--data", "ring8"], "model 'dcgan' needs 28x28x1 images"),
    (["--model", "gan", "--workers", "0"], "--workers: must be an integer in [1, 4096], got 0"),
    (["--model", "gan", "--scheduler", "localhost:8786"], "--scheduler: 'localhost:8786': give the address"),
    (["--model", "gan", "--scheduler", "tcp://h:1", "--workers", "2"], "--workers: the workers of --scheduler"),
    (["--model", "gan", "--frobnicate"], "unrecognized arguments: --frobnicate"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_flags_are_one_line_errors_before_any_cluster(argv, message, tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "connect", lambda *a: pytest.fail("a cluster was started"))
    out = tmp_path / "out"
    code, stdout, stderr = sweep_main([*argv, "--out", str(out)])
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()


def test_an_out_that_holds_something_else_is_refused(swept, tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "connect", lambda *a: pytest.fail("a cluster was started"))
    out, _ = swept
    before = (out / "results.csv").read_bytes()
    code, _, stderr = sweep_main([*SPEC[:8], "--set", "hidden=16", "--set", "checkpoint_every=25",
                                  "--out", str(out)])
    assert code == 2 and f"{out / 'runs' / RUNS[0]} holds a run with hidden 8, this sweep asks for 16" in stderr
    assert (out / "results.csv").read_bytes() == before
    run = tmp_path / "run"
    train(TrainConfig(model="gan", steps=1, hidden=(8,)), str(run), progress=False, log=lambda s: None)
    code, _, stderr = sweep_main(["--model", "gan", "--out", str(run)])
    assert code == 2 and "is not a sweep: it holds a gan run on ring8 at step 1 of 1" in stderr


def test_the_grid_names_its_runs_and_methods_by_the_settings_swept():
    parser = sweep._SettingParser(add_help=False)
    cli.add_config_arguments(parser)
    settings = [sweep.parse_setting("hidden=8 8,16", parser), sweep.parse_setting("batch-size=32", parser)]
    assert settings == [("hidden", [(8, 8), (16,)]), ("batch_size", [32])]
    tasks = sweep.plan(["gan", "nsgan"], None, 2, 10, settings)
    assert [t.name for t in tasks[:4]] == ["gan-ring8-hidden=8x8-seed0", "gan-ring8-hidden=8x8-seed1",
                                           "gan-ring8-hidden=16-seed0", "gan-ring8-hidden=16-seed1"]
    assert [t.method for t in tasks[::2]] == ["gan hidden=8x8", "gan hidden=16", "nsgan hidden=8x8",
                                              "nsgan hidden=16"]
    assert {(t.config.batch_size, t.config.steps) for t in tasks} == {(32, 10)}
    assert tasks[-1].swept == (("hidden", (16,)),) and tasks[-1].config.seed == 1


def test_the_table_of_image_runs_and_of_partly_failed_cells():
    """Scores made up for two image runs and a 2-D cell whose second run failed: the cells
    against NumPy's mean and std / sqrt(n)."""
    tasks = sweep.plan(["cgan", "nsgan"], None, 2, 1, [])
    fd, score = [3.0, 4.5], [7.25, 8.0]
    outcomes = {t.name: {"kind": "images", "step": 1, "scores": {
        "frechet_distance": {"mean": fd[t.config.seed]}, "inception_score": {"mean": score[t.config.seed]},
        "classes_covered": {"mean": 10.0}}} for t in tasks[:2]}
    outcomes[tasks[2].name] = {"kind": "points", "num_modes": 8, "step": 1, "scores": {
        "modes_covered": {"mean": 6.0}, "high_quality": {"mean": 0.5}, "reverse_kl": {"mean": 0.25}}}
    outcomes[tasks[3].name] = "Diverged: step 1: d_loss = nan"
    lines = table(tasks, outcomes).splitlines()
    assert lines[0] == ("| method | digits Frechet distance | digits IS analogue | digits classes >= 1% | "
                        "ring8 modes (max 8) | ring8 high quality | ring8 reverse KL |")
    se = lambda v: np.std(v, ddof=1) / np.sqrt(len(v))  # noqa: E731
    assert lines[2] == (f"| cgan | {np.mean(fd):.3f} ± {se(fd):.3f} | {np.mean(score):.2f} ± {se(score):.2f} | "
                        f"10.0 ± 0.0 | - | - | - |")
    assert lines[3] == "| nsgan | - | - | - | 6.00 (1 of 2) | 50.0% | 0.250 |"
    assert "- runs/nsgan-ring8-seed1: Diverged: step 1: d_loss = nan" in lines
