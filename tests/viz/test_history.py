"""The training loop's loss CSV: header, empty cells, errors that say where."""
import pytest

from npgan.viz import load_loss_history


def write(tmp_path, text):
    path = tmp_path / "losses.csv"
    path.write_text(text)
    return path


def test_empty_cells_are_skipped_per_series(tmp_path):
    path = write(tmp_path, "step,d_loss,g_loss\n0,1.5,\n1,1.25,0.75\n2,,0.5\n\n3,1.0,\n")
    assert load_loss_history(path) == {
        "d_loss": [(0, 1.5), (1, 1.25), (3, 1.0)],
        "g_loss": [(1, 0.75), (2, 0.5)],
    }


def test_header_only_gives_empty_series(tmp_path):
    assert load_loss_history(write(tmp_path, "step,loss\n")) == {"loss": []}


def test_bad_header_and_bad_cell_raise(tmp_path):
    with pytest.raises(ValueError, match="load_loss_history: .*header must be 'step"):
        load_loss_history(write(tmp_path, "iteration,loss\n0,1\n"))
    with pytest.raises(ValueError, match=r"line 3, column 'loss': 'oops' is not a number"):
        load_loss_history(write(tmp_path, "step,loss\n0,1\n1,oops\n"))
