"""What ``npgan sweep`` writes from its runs' scores.

    results.csv        one row per run: run directory, model, data, swept settings, seed,
                       status (ok | failed), step, the scores of its data's protocol, error
    table.md           mean ± standard error (std / sqrt(n)) over each method's seeds: a row
                       per method (model and swept settings), a group of columns per data set,
                       PacGAN's Table 1 layout; failed runs listed below it with their errors
    samples_DATA.png   the final samples of every method's first finished run on DATA

Scores are ``npgan eval``'s (``evaluate_checkpoint`` with one sample set per run): the seeds
of the sweep are the runs, as in the papers' tables. The values in results.csv are written
with ``repr``, so a rerun or a resumed sweep can be compared bit for bit.
"""
import csv
import os

import numpy as np

from .. import viz
from ..atomic import atomic_write
from ..data import get_dataset
from .evaluate import _cell, _generate, _mean_and_se
from .run import load_run

# (score, column title, format) per kind of data; "{k}" is the number of modes
COLUMNS = {
    "points": (("modes_covered", "modes (max {k})", "{:.2f}"), ("high_quality", "high quality", "{:.1%}"),
               ("reverse_kl", "reverse KL", "{:.3f}")),
    "images": (("frechet_distance", "Frechet distance", "{:.3f}"), ("inception_score", "IS analogue", "{:.2f}"),
               ("classes_covered", "classes >= 1%", "{:.1f}")),
}
PICTURE_SAMPLES = 500   # points per panel of a 2-D picture
PICTURE_IMAGES = 8      # images per method (one row) of an image picture


def rows(tasks, outcomes):
    """One dict per run (the columns of results.csv), in the grid's order."""
    swept = list(dict.fromkeys(key for t in tasks for key, _ in t.swept))
    score_keys = [key for kind in COLUMNS.values() for key, _, _ in kind]
    out = []
    for task in tasks:
        config, outcome = task.config, outcomes[task.name]
        row = {"run": f"runs/{task.name}", "model": config.model, "data": config.data,
               **{key: getattr(config, key) for key in swept}, "seed": config.seed}
        if isinstance(outcome, str):
            row.update(status="failed", error=outcome)
        else:
            row.update(status="ok", step=outcome["step"],
                       **{key: repr(outcome["scores"][key]["mean"]) for key in score_keys if key in outcome["scores"]})
        out.append(row)
    header = ["run", "model", "data", *swept, "seed", "status", "step",
              *[k for k in score_keys if any(k in r for r in out)], "error"]
    return header, out


def table(tasks, outcomes):
    """table.md's text: mean ± s.e. per method and data set, then the failed runs."""
    methods = list(dict.fromkeys(t.method for t in tasks))
    datas = list(dict.fromkeys(t.config.data for t in tasks))
    kinds = {}
    for t in tasks:
        outcome = outcomes[t.name]
        if not isinstance(outcome, str):
            kinds.setdefault(t.config.data, (outcome["kind"], outcome.get("num_modes")))
    header = ["method"]
    for data in datas:
        kind, k = kinds.get(data, (None, None))
        header += [f"{data} {title.format(k=k)}" for _, title, _ in COLUMNS[kind]] if kind else [data]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    sizes = set()
    for method in methods:
        cells = [method]
        for data in datas:
            group = [t for t in tasks if t.method == method and t.config.data == data]
            results = [outcomes[t.name] for t in group if not isinstance(outcomes[t.name], str)]
            sizes.add(len(group))
            cells += _cells(data, group, results, kinds)
        lines.append("| " + " | ".join(cells) + " |")
    n = " or ".join(map(str, sorted(sizes - {0})))
    failed = [(t, outcomes[t.name]) for t in tasks if isinstance(outcomes[t.name], str)]
    lines += ["", f"Mean ± standard error (std / sqrt(n)) over the runs of n = {n} seed(s) per cell, each scored by "
                  f"`npgan eval`'s protocol for its data (2-D: 2,500 samples, high quality = within 3 std of a "
                  f"mode)" + ("; (k of n): only k of the n runs finished." if failed else ".")]
    if failed:
        lines += ["", "Failed runs:", ""] + [f"- runs/{t.name}: {error}" for t, error in failed]
    return "\n".join(lines) + "\n"


def _cells(data, group, results, kinds):
    kind = kinds.get(data, (None,))[0]
    width = len(COLUMNS[kind]) if kind else 1
    if not group:
        return ["-"] * width
    if not results:
        return [f"failed ({len(group)} of {len(group)})"] + ["-"] * (width - 1)
    stats = _mean_and_se([{k: v["mean"] for k, v in r["scores"].items()} for r in results],
                         [key for key, _, _ in COLUMNS[kind]])
    cells = [_cell(stats[key], fmt) if key in stats else "-" for key, _, fmt in COLUMNS[kind]]
    if len(results) < len(group):
        cells[0] += f" ({len(results)} of {len(group)})"
    return cells


def save_pictures(out, tasks, outcomes):
    """samples_DATA.png per data set: every method's first finished run; returns the paths."""
    written = []
    for data in dict.fromkeys(t.config.data for t in tasks):
        firsts = {}
        for t in tasks:
            if t.config.data == data and not isinstance(outcomes[t.name], str):
                firsts.setdefault(t.method, t)
        if not firsts:
            continue
        path = os.path.join(out, f"samples_{''.join(c if c.isalnum() else '_' for c in data)}.png")
        dataset = get_dataset(data)
        drawn = [(f"{t.method}, seed {t.config.seed}",
                  _generate(load_run(os.path.join(out, "runs", t.name))[0],
                            PICTURE_SAMPLES if dataset.kind == "points" else PICTURE_IMAGES,
                            np.random.default_rng(0))[0]) for t in firsts.values()]
        if dataset.kind == "points":
            real = dataset.sample(PICTURE_SAMPLES, np.random.default_rng(0))[0]
            viz.save_snapshots(drawn, path, real=real, centres=dataset.centres, ncols=min(4, len(drawn)))
        else:  # a row per method, in the table's order
            viz.save_image_grid(np.concatenate([images for _, images in drawn]), path, nrow=PICTURE_IMAGES)
        written.append(path)
    return written


def write_report(out, tasks, outcomes):
    """Write results.csv, table.md and the pictures; returns (the table, the paths written)."""
    header, records = rows(tasks, outcomes)
    with atomic_write(os.path.join(out, "results.csv"), "w") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    text = table(tasks, outcomes)
    with atomic_write(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    pictures = save_pictures(out, tasks, outcomes)
    return text, [os.path.join(out, "results.csv"), os.path.join(out, "table.md"), *pictures]
