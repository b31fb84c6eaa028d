"""``npgan train`` and ``npgan adapt`` as real processes: Ctrl-C / SIGTERM save a checkpoint
and print the command that resumes; a second process on the same run directory is refused
while the first holds its lock, with the command and pid that hold it, and a lock left by
a killed process is detected and reported with what it was."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from npgan.app import cli
from npgan.app.rundir import LOCK
from npgan.serialization import load_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LONG = ["--model", "nsgan", "--steps", "1000000", "--hidden", "8", "--batch-size", "8", "--no-progress",
        "--checkpoint-every", "100000", "--sample-every", "100000", "--log-every", "1"]
LONG_ADAPT = ["--steps", "1000000", "--batch-size", "4", "--eval-size", "10", "--eval-every", "100000",
              "--checkpoint-every", "100000", "--log-every", "1", "--no-progress"]


def start(out, command="train", flags=LONG):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "npgan.app.cli", command, "--out", str(out), *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def wait_for_steps(proc, out, rows=3, timeout=120):
    """Wait until metrics.csv has ``rows`` steps (training is under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if len((out / "metrics.csv").read_text().strip().splitlines()) > rows:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    proc.kill()
    pytest.fail("training did not start")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_saves_a_checkpoint_and_prints_the_resume_command(tmp_path, signum):
    out = tmp_path / "run"
    proc = start(out)
    wait_for_steps(proc, out)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    assert f"resume with: npgan train --out {out} --resume" in stderr
    step = load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"]
    logged = int((out / "metrics.csv").read_text().strip().splitlines()[-1].split(",")[0])
    assert step >= 3 and step == logged          # nothing trained was lost
    assert (out / LOCK).read_text() == ""          # released cleanly
    assert cli.main(["train", "--out", str(out), "--resume", "--steps", str(step + 2), "--no-progress"]) == 0
    assert load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"] == step + 2


def lock_record(out):
    return json.loads((out / LOCK).read_text())


def test_a_locked_run_is_refused_and_a_killed_one_is_reported(tmp_path, capsys):
    out = tmp_path / "run"
    proc = start(out)
    try:
        wait_for_steps(proc, out)
        started = lock_record(out)["started"]
        for argv in (["--resume"], ["--overwrite"]):
            assert cli.main(["train", "--out", str(out), *argv, "--steps", "5", "--no-progress"]) == 2
            err = capsys.readouterr().err
            assert f"in use by another npgan train (pid {proc.pid}, started {started})" in err
            assert "Traceback" not in err
    finally:
        proc.kill()  # SIGKILL: no handler runs, the lock file keeps the holder's record
        proc.communicate()
    record = lock_record(out)
    assert (record["pid"], record["command"]) == (proc.pid, "npgan train")
    assert cli.main(["train", "--out", str(out), "--overwrite", "--steps", "2", "--hidden", "8",
                     "--batch-size", "8", "--model", "nsgan", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert f"still names npgan train (pid {proc.pid}, started {started}), which no longer holds it" in text
    assert "its last checkpoint is what --resume continues from" in text
    assert load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"] == 2


def test_a_run_that_npgan_adapt_holds_is_refused_naming_adapt_and_its_kill_is_reported(tmp_path, capsys):
    out = tmp_path / "adapt"
    proc = start(out, "adapt", LONG_ADAPT)
    try:
        wait_for_steps(proc, out)
        started = lock_record(out)["started"]
        holder = f"another npgan adapt (pid {proc.pid}, started {started})"
        assert cli.main(["train", "--out", str(out), "--overwrite", "--steps", "2", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert holder in err and "npgan train (" not in err and len(err.strip().splitlines()) == 1
        assert cli.main(["adapt", "--out", str(out), "--resume", "--no-progress"]) == 2
        assert holder in capsys.readouterr().err
    finally:
        proc.kill()
        proc.communicate()
    assert lock_record(out)["command"] == "npgan adapt"
    assert cli.main(["adapt", "--out", str(out), "--overwrite", "--steps", "2", "--batch-size", "4",
                     "--eval-size", "10", "--no-progress"]) == 0
    assert f"still names npgan adapt (pid {proc.pid}, started {started}), which no longer holds it" in \
        capsys.readouterr().out
    assert load_checkpoint(str(out / "checkpoint.npz"))["trainer"]["step"] == 2
    assert (out / LOCK).read_text() == ""
