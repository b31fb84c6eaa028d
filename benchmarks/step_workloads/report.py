"""The parent side of ``bench_steps.py``: the rows of the table (median, min and ratios
per workload and library), the targets (issue 17's against PyTorch, issue 7's against DeZero)
and the printed table."""
import statistics

from . import common


def summarize(times, losses, libs, workload_names):
    rows = []
    for wname in workload_names:
        w = common.WORKLOADS[wname]
        for lib in libs:
            ms = times.get((lib, wname))
            if not ms:
                continue
            row = {"workload": wname, "number": w.number, "title": w.title, "library": lib,
                   "median_ms": statistics.median(ms), "min_ms": min(ms), "steps_timed": len(ms),
                   "first_step_losses": losses.get((lib, wname))}
            if lib != "npgan" and times.get(("npgan", wname)):
                npg = times["npgan", wname]
                row["ratio_npgan_over_peer_median"] = statistics.median(npg) / row["median_ms"]
                row["ratio_npgan_over_peer_min"] = min(npg) / row["min_ms"]
            rows.append(row)
    return rows


# npgan's time at most this fraction of the peer's (workload 1: batch 64 only): against PyTorch
# issue 17's targets, against DeZero issue 7's
TARGETS = {"torch": {"mlp_gan_b64": 0.5, "mlp_lsgan_b64": 0.5, "mlp_wgan_gp_b64": 0.6, "dcgan_b64": 1.0,
                     "dcgan_critic_gp_b64": 1.0},
           "dezero": {"mlp_gan_b64": 0.5, "mlp_lsgan_b64": 0.5, "mlp_wgan_gp_b64": 0.5, "dcgan_b64": 1 / 3,
                      "dcgan_critic_gp_b64": 1 / 3}}
MEMORY_TARGET = 1.0  # npgan's peak RSS at most PyTorch's (issue 17)


def check_targets(rows, memory):
    """One entry per target (above) that this run measured, with the ratio reached."""
    out = []
    for r in rows:
        target = TARGETS.get(r["library"], {}).get(r["workload"])
        if target is not None and "ratio_npgan_over_peer_median" in r:
            out.append({"workload": r["workload"], "peer": r["library"], "target": round(target, 3),
                        "ratio_median": round(r["ratio_npgan_over_peer_median"], 3),
                        "met": r["ratio_npgan_over_peer_median"] <= target})
    rss = {m["library"]: m for m in memory}
    if "npgan" in rss and "torch" in rss:
        ratio = rss["npgan"]["peak_rss_mb"] / rss["torch"]["peak_rss_mb"]
        out.append({"workload": f"peak RSS ({rss['npgan']['workload']})", "peer": "torch", "target": MEMORY_TARGET,
                    "ratio_median": round(ratio, 3), "met": ratio <= MEMORY_TARGET and rss["npgan"]["flat"]})
    return out


def print_table(rows, memory, meta):
    print(f"# cpu: {meta.get('cpu')} x {meta.get('cpu_count')}")
    print(f"# threads={meta['threads']}; rounds={meta['rounds']}; load average before {meta['load_before']}, "
          f"after {meta['load_after']}")
    for lib, m in meta["libraries"].items():
        if "skipped" in m:
            print(f"# {lib:14s}: skipped -- {m['skipped']}")
        else:
            blas = "; ".join(f"{b['internal_api']} {b['version']} {b.get('architecture') or ''} "
                             f"threads={b['num_threads']}" for b in m["blas"])
            print(f"# {lib:14s}: {m['version']}; thread pools: {blas}")
    print(f"{'workload':22s} {'#':>1s} {'library':14s} {'median ms':>10s} {'min ms':>9s} "
          f"{'npgan/peer':>10s} {'(min)':>6s}  first-step losses")
    for r in rows:
        ratio = f"{r['ratio_npgan_over_peer_median']:10.2f} {r['ratio_npgan_over_peer_min']:6.2f}" \
            if "ratio_npgan_over_peer_median" in r else " " * 17
        loss = " ".join(f"{k}={v:.5f}" for k, v in (r["first_step_losses"] or {}).items())
        print(f"{r['workload']:22s} {r['number']:>1s} {r['library']:14s} {r['median_ms']:10.2f} {r['min_ms']:9.2f} "
              f"{ratio}  {loss}")
    if memory:
        print(f"{'RSS (MB), workload 6':22s}   {'library':14s} {'peak':>8s} {'import':>8s} {'peak-imp':>8s} "
              f"{'warm':>8s} {'end':>8s} {'growth':>7s} flat")
        for m in memory:
            print(f"{m['workload']:22s} 6 {m['library']:14s} {m['peak_rss_mb']:8.1f} {m['after_import_mb']:8.1f} "
                  f"{m['peak_above_import_mb']:8.1f} {m['rss_after_warmup_mb']:8.1f} {m['rss_end_mb']:8.1f} "
                  f"{m['growth_after_warmup_mb']:7.1f} {'yes' if m['flat'] else 'NO'}   ({m['steps']} steps)")
    if meta["targets"]:
        print("targets (npgan/peer, median): " + "; ".join(
            f"{t['workload']} vs {t['peer']} {t['ratio_median']:.2f} <= {t['target']:.2f} "
            f"{'met' if t['met'] else 'MISSED'}" for t in meta["targets"]))
    for note in meta["notes"]:
        print(f"# note: {note}")
