"""npgan.atomic: the one helper every file npgan writes goes through."""
import os
import stat

import numpy as np
import pytest

from npgan.atomic import TEMP_PREFIX, atomic_write, remove_stale_temps
from npgan.serialization import save_checkpoint


def test_failed_write_keeps_previous_file_and_cleans_up(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="crash mid-save"):
        with atomic_write(path) as f:
            f.write(b"half a pict")
            raise RuntimeError("crash mid-save")
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["picture.png"]


def test_text_mode_and_missing_directories(tmp_path):
    path = tmp_path / "run" / "config.json"
    with atomic_write(path, "w") as f:
        f.write("{}\n")
    assert path.read_text() == "{}\n"


def test_a_planted_symlink_is_never_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run = tmp_path / "run"
    run.mkdir()
    # the names the old code used for its temporary files, and the target itself
    for name in ("metrics.csv.tmp", "config.json.tmp", "samples.npy.tmp.npy"):
        os.symlink(victim, run / name)
    os.symlink(victim, run / "metrics.csv")
    with atomic_write(run / "metrics.csv", "w") as f:
        f.write("step\n")
    assert victim.read_text() == "precious"
    assert not (run / "metrics.csv").is_symlink() and (run / "metrics.csv").read_text() == "step\n"


def test_files_get_the_mode_plain_open_gives(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt", "w") as f:
            f.write("x")
        save_checkpoint(tmp_path / "checkpoint.npz", {"w": np.zeros(3)})
        with open(tmp_path / "plain.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(umask)
    modes = {name: stat.S_IMODE(os.stat(tmp_path / name).st_mode) for name in ("a.txt", "checkpoint.npz", "plain.txt")}
    assert modes == {"a.txt": 0o644, "checkpoint.npz": 0o644, "plain.txt": 0o644}


def test_remove_stale_temps_removes_only_left_over_temporaries(tmp_path):
    (tmp_path / f"{TEMP_PREFIX}checkpoint.npz.abc123").write_bytes(b"half")
    (tmp_path / "checkpoint.npz").write_bytes(b"whole")
    (tmp_path / ".hidden").write_bytes(b"user's")
    assert remove_stale_temps(tmp_path) == [f"{TEMP_PREFIX}checkpoint.npz.abc123"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "checkpoint.npz"]
    assert remove_stale_temps(tmp_path / "missing") == []


def test_bad_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="atomic_write: mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass
    assert list(tmp_path.iterdir()) == []
