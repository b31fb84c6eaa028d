"""``npgan export`` where PyTorch is absent (CI's environment): one line, exit 2, nothing
written. The export itself is tested in tests/test_interop.py, where torch is installed."""
import sys

from npgan.app import cli


def test_export_without_torch_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    out = tmp_path / "G.pt"
    assert cli.main(["export", "--ckpt", str(tmp_path / "missing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "npgan export: error: PyTorch is not installed (npgan does not install it): pip install torch"
    assert not out.exists()
