"""Checkpoint files: exact round trip, atomic replace, clear errors on foreign files."""
import os

import numpy as np
import pytest

from npgan.serialization import load_checkpoint, save_checkpoint


def tree():
    rng = np.random.default_rng(0)
    return {"step": 7, "name": "wgan-gp", "lr": 1e-4, "flag": True, "nothing": None,
            "G": {"0.weight": rng.standard_normal((3, 2)).astype(np.float32), "0.bias": np.zeros(3)},
            "opt": {"state": {0: {"step": 3, "exp_avg": np.ones(2)}, 1: {"step": 3}},
                    "param_groups": [{"lr": 0.1, "betas": [0.5, 0.999], "params": [0, 1]}]},
            "rng": np.random.default_rng(5).bit_generator.state}


def assert_equal(a, b):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            assert_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_equal(x, y)
    else:
        assert a == b and type(a) is type(b)


def test_round_trip_is_exact(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, tree())
    assert_equal(tree(), load_checkpoint(path))
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_failed_save_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, tree())
    with pytest.raises(TypeError, match="cannot store a object"):
        save_checkpoint(path, {"bad": object()})
    assert_equal(tree(), load_checkpoint(path))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


@pytest.mark.parametrize("content,match", [
    (b"not a zip file at all", "not a readable .npz"),
    (None, "not an npgan checkpoint"),
])
def test_corrupt_or_foreign_files_raise_clear_errors(tmp_path, content, match):
    path = tmp_path / "bad.npz"
    if content is None:
        np.savez(path, weights=np.ones(3))
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        load_checkpoint(path)


def test_truncated_checkpoint_is_rejected(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, tree())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=str(path.name)):
        load_checkpoint(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_checkpoint("/nonexistent/ckpt.npz")
