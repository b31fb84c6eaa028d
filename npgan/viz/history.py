"""Reading a training loss history from the CSV file the training loop writes.

The file has a header row ``step,<name1>,<name2>,...`` and one row per logged step.
Cells may be empty: the discriminator may be logged every step and the generator only
every ``n_critic`` steps, so a row carries only the losses computed at that step.
"""
import csv
import os


def load_loss_history(path):
    """The CSV at ``path`` as a dict name -> list of (step, value), skipping empty cells.

    Raises ValueError naming the file, line and cell when the header does not start
    with ``step`` or a cell is not a number.
    """
    where = f"load_loss_history: {os.fspath(path)}"
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header or header[0].strip() != "step" or len(header) < 2:
            raise ValueError(f"{where}: the header must be 'step,<name1>,...', got {header!r}")
        names = [name.strip() for name in header[1:]]
        history = {name: [] for name in names}
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise ValueError(f"{where}: line {line} has {len(row)} cells for {len(header)} columns")
            step = _number(row[0], where, line, "step")
            step = int(step) if step.is_integer() else step
            for name, cell in zip(names, row[1:]):
                if cell.strip():
                    history[name].append((step, _number(cell, where, line, name)))
    return history


def _number(cell, where, line, column):
    """The cell as a float, or a ValueError saying where it is."""
    try:
        return float(cell)
    except ValueError:
        raise ValueError(f"{where}: line {line}, column {column!r}: {cell!r} is not a number") from None
