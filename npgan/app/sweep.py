"""``npgan sweep``: every combination of models, data sets, settings and seeds as one task
on Dask, averaged into the papers' tables (mean ± standard error over the seeds).

    npgan sweep --model gan,pacgan,wgan-gp --data ring8,grid25 --seeds 5 --steps 20000 --out sweeps/toy
    npgan sweep ... --set lr=1e-4,2e-4 --set "hidden=64 64"   # a --set of several values is one more axis
    npgan sweep ... --scheduler tcp://HOST:8786               # an existing Dask cluster

Each task is an ordinary run directory, ``OUT/runs/MODEL-DATA[-KEY=VALUE...]-seedS``, trained
by ``run.train`` (``npgan train``'s code path) and scored by ``evaluate_checkpoint``
(``npgan eval``'s protocol for its data); ``eval.json`` beside its checkpoint marks it
finished, ``sweep.log`` holds what the task printed. The sweep's directory and each run's are
kept by ``rundir`` (their locks name ``npgan sweep``: a ``npgan train --resume`` into a run a
worker trains is refused with the worker's pid). From the runs the sweep writes
``results.csv``, ``table.md`` and ``samples_DATA.png`` (``sweep_report.py``) and prints the table.

Resumable and fault tolerant because each run is: rerunning the same command skips the
finished runs (no cluster starts when none is left) and resumes the others from their
checkpoints; a worker lost mid-run costs its task the steps since its last checkpoint
(``--set checkpoint_every=N``, 250 by default): Dask hands the task to another worker, which
resumes it, and as runs are seeded and a resumed run continues the same trajectory, the
table equals an uninterrupted sweep's, bit for bit. A run that fails (NaN, or its worker lost
``distributed.scheduler.allowed-failures`` times) is reported with its error; the others go on.

Workers: by default a ``LocalCluster`` started for the sweep, one single-threaded worker
process per core, each with one BLAS thread (the ``OMP/MKL/OPENBLAS_NUM_THREADS=1`` that
Dask's nannies set, ``distributed.nanny.pre-spawn-environ``) and ``NUMBA_NUM_THREADS=1``;
every task also calls ``set_num_threads(1)``. Dask's nannies also set glibc's
``MALLOC_TRIM_THRESHOLD_``, so the sweep does not tune malloc as ``npgan train`` does
(``kernels/allocator.py`` yields to any such setting): the same numbers; the speed of large
models may differ (not measured). npgan's random state is per process, so a worker runs one
npgan task at a time, whatever its number of threads. Dask (``pip install 'npgan[sweep]'``)
is imported here only.
"""
import argparse
import collections
import dataclasses
import importlib.util
import itertools
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
import warnings

from ..atomic import TEMP_PREFIX, atomic_write, remove_stale_temps
from ..kernels import get_backend, set_backend, set_num_threads
from .checks import ConfigError, check_int
from .cli import add_config_arguments, flag
from .evaluate import evaluate_checkpoint
from .presets import TrainConfig, build
from . import rundir
from .rundir import CHECKPOINT, CONFIG, LOCK
from .run import train
from .sweep_report import write_report

COMMAND = "npgan sweep"     # what the locks of the sweep and of its runs name
RUNS = "runs"
RESULT = "eval.json"       # a run's score: its presence marks the run finished
LOG = "sweep.log"          # what the run's tasks printed, and their tracebacks
MANIFEST = "sweep.json"    # marks OUT as a sweep, and records the last command
OWN_FLAGS = ("model", "data", "seed", "steps")  # fields with a flag of their own, not --set
THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
SCHEDULER = re.compile(r"^[a-z][a-z0-9+]*://\S+$")


@dataclasses.dataclass(frozen=True)
class Task:
    name: str               # its run directory under OUT/runs
    method: str             # the model and the settings swept: a row of the table
    config: TrainConfig     # resolved
    swept: tuple = ()       # (field, value) of the settings that --set gives several values


# --- the grid, checked before anything starts ---------------------------------------------

class _SettingParser(argparse.ArgumentParser):
    def error(self, message):
        raise ConfigError("set", message)


def _comma_list(name, text):
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ConfigError(name, f"{text!r}: an empty item; give a comma-separated list, e.g. gan,pacgan")
    twice = sorted({item for item in items if items.count(item) > 1})
    if twice:
        raise ConfigError(name, f"{text!r} lists {twice[0]!r} twice")
    return items


def parse_setting(text, parser):
    """``KEY=V1,V2,...`` -> (field, [values]), each value converted and checked by the
    ``npgan train`` flag of that TrainConfig field (a tuple field takes spaces: ``hidden=64 64``)."""
    key, sep, values = text.partition("=")
    key = key.strip().replace("-", "_")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    if not sep or not key:
        raise ConfigError("set", f"{text!r}: write KEY=VALUE[,VALUE...], e.g. lr=1e-4,2e-4")
    if key not in names:
        raise ConfigError("set", f"{key}: not a TrainConfig field (npgan train --help lists them as flags)")
    if key in OWN_FLAGS:
        raise ConfigError("set", f"{key}: give it as {flag('seeds' if key == 'seed' else key)}")
    parsed = []
    for value in _comma_list("set", values):
        try:
            parsed_value = vars(parser.parse_args([flag(key), *value.split()]))[key]
        except ConfigError as exc:
            raise ConfigError("set", f"{key}={value}: {exc.reason}") from None
        parsed.append(tuple(parsed_value) if isinstance(parsed_value, list) else parsed_value)
    return key, parsed


def _show(value, sep=" "):
    return sep.join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _describe(given):
    return " ".join(f"{flag(k)} {_show(v)}" for k, v in given.items() if k != "seed")


def _dir_name(parts):
    return re.sub(r"[^A-Za-z0-9.=+_-]", "_", "-".join(parts))


def plan(models, datas, seeds, steps, settings):
    """The tasks of the grid models x data x settings x seeds, each config resolved (so
    checked as ``npgan train`` checks it); ``datas`` None: each model's own data set."""
    swept = {key for key, values in settings if len(values) > 1}
    combos = list(itertools.product(*[[(key, v) for v in values] for key, values in settings]))
    tasks = []
    for model, data, combo, seed in itertools.product(models, datas or [None], combos, range(seeds)):
        given = {"model": model, **({} if data is None else {"data": data}),
                 **({} if steps is None else {"steps": steps}), **dict(combo), "seed": seed}
        try:
            config = TrainConfig(**given).resolved()
            if seed == 0:
                build(config)  # what make_trainer refuses (a conditional model without labels, ...)
        except ConfigError as exc:
            reason = f"{exc.reason} (in the runs of {_describe(given)})"
            if exc.field in dict(combo):  # a value of --set: name that flag
                raise ConfigError("set", f"{exc.field}: {reason}") from None
            raise ConfigError(exc.field, reason) from None
        except ValueError as exc:
            raise ValueError(f"{exc} (in the runs of {_describe(given)})") from None
        varied = tuple((key, value) for key, value in combo if key in swept)
        chosen = [f"{key}={_show(value, 'x')}" for key, value in varied]
        tasks.append(Task(_dir_name([model, config.data, *chosen, f"seed{seed}"]), " ".join([model, *chosen]),
                          config, varied))
    shared = next((name for name, n in collections.Counter(t.name for t in tasks).items() if n > 1), None)
    if shared:
        raise ConfigError("set", f"two runs would share the directory runs/{shared} (one value given twice?)")
    return tasks


def _ours(name):
    return name in (LOCK, LOG, RESULT) or name.startswith(TEMP_PREFIX)


def read_result(run_dir, config):
    """The saved score of a finished run, else None."""
    try:
        with open(os.path.join(run_dir, RESULT), encoding="utf-8") as f:
            result = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or result.get("step") != config.steps or not isinstance(result.get("scores"), dict):
        return None
    return result


def survey(out, tasks):
    """({name: result} of the finished runs, [tasks to run]); refuses a run directory that
    holds something else than this task's run, or that a live process holds."""
    finished, pending = {}, []
    for task in tasks:
        run_dir = os.path.join(out, RUNS, task.name)
        entries = [e for e in os.listdir(run_dir) if not _ours(e)] if os.path.isdir(run_dir) else []
        rundir.refuse_locked(run_dir)
        if entries:
            saved = rundir.read_config(os.path.join(run_dir, CONFIG))
            if saved is None:
                raise rundir.RunDirError(f"--out {out}: {run_dir} holds files that are not an npgan run; "
                                         f"remove them or use another --out")
            wanted = task.config.to_json()
            differ = rundir.differences(wanted, saved)
            if differ:
                k = differ[0]
                raise rundir.RunDirError(f"--out {out}: {run_dir} holds a run with {k} {_show(saved.get(k))}, "
                                         f"this sweep asks for {_show(wanted[k])}; use another --out")
        result = read_result(run_dir, task.config) if entries else None
        if result is None:
            pending.append(task)
        else:
            finished[task.name] = result
    return finished, pending


# --- one task, on a worker ----------------------------------------------------------------

_ONE_TASK_AT_A_TIME = threading.Lock()


def _logger(path):
    def log(message):
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {message}\n")
    return log


def run_task(config, run_dir, backend):
    """Train the run ``config`` (a TrainConfig as JSON) in ``run_dir`` with the kernel
    ``backend``, resuming from its checkpoint when it has one, score it with ``npgan eval``'s
    protocol and save the score as eval.json; returns the score. Warnings and a traceback
    go to the run's sweep.log."""
    with _ONE_TASK_AT_A_TIME:
        os.makedirs(run_dir, exist_ok=True)
        log = _logger(os.path.join(run_dir, LOG))
        log(f"backend {backend}, threads: " + " ".join(f"{name}={os.environ.get(name, 'unset')}" for name in THREADS))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                set_backend(backend)  # the sweep's, also on a worker that ran another sweep's tasks
                set_num_threads(1)    # C, Numba (and BLAS, with threadpoolctl) loops: one core per task
                if os.path.isfile(os.path.join(run_dir, CHECKPOINT)):
                    log(f"resuming {rundir.describe_run(run_dir)}")
                    train(config, run_dir, resume=True, progress=False, log=log, command=COMMAND)
                else:
                    log("starting at step 0")
                    train(TrainConfig(**config), run_dir, overwrite=True, progress=False, log=log, command=COMMAND)
                result = evaluate_checkpoint(run_dir)
                with atomic_write(os.path.join(run_dir, RESULT), "w") as f:
                    json.dump(result, f, indent=2)
                log(f"finished and scored at step {result['step']}")
                return result
            except Exception:
                log(traceback.format_exc().rstrip())
                raise
            finally:
                for w in caught:
                    log(f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})")


# --- the sweep ----------------------------------------------------------------------------

def _dask():
    try:
        import distributed
    except ImportError:
        raise ValueError("npgan sweep runs on Dask, which is not installed: pip install 'npgan[sweep]' "
                         "(or pip install 'dask[distributed]')") from None
    return distributed


def connect(scheduler, workers):
    """(client, cluster, where): a client of the scheduler at ``scheduler``, or of a
    LocalCluster of ``workers`` single-threaded worker processes started now (cluster None
    otherwise, so that closing it is the caller's part only when it was started here)."""
    distributed = _dask()
    if scheduler:
        client = distributed.Client(scheduler, timeout="20s")
        n = len(client.scheduler_info()["workers"])
        return client, None, f"the Dask scheduler at {scheduler} ({n} worker(s) now)"
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       silence_logs=logging.CRITICAL, env={"NUMBA_NUM_THREADS": "1"})
    return distributed.Client(cluster), cluster, f"a LocalCluster of {workers} worker(s), one thread each"


def _dashboard(client, local):
    """The dashboard's address when the scheduler serves one (whose pages need bokeh), else None."""
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return None
    if local and importlib.util.find_spec("bokeh") is None:
        return f"{client.dashboard_link} (its pages need bokeh: pip install 'bokeh>=3.1')"
    return client.dashboard_link


def _error(exc):
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def execute(client, tasks, out, backend, progress, initial, total):
    """{name: result or error text} of ``tasks``, run on ``client``'s cluster with one bar."""
    distributed = _dask()
    from tqdm import tqdm

    runs = os.path.join(os.path.abspath(out), RUNS)  # a worker's working directory may be another
    futures = {client.submit(run_task, t.config.to_json(), os.path.join(runs, t.name), backend, pure=False): t
               for t in tasks}
    outcomes = {}
    with tqdm(total=total, initial=initial, unit="run", disable=not progress, dynamic_ncols=True) as bar:
        for future in distributed.as_completed(futures):
            task = futures[future]
            if future.status == "finished":
                outcomes[task.name] = future.result()
            else:
                outcomes[task.name] = _error(future.exception())
                bar.write(f"failed: {task.name}: {outcomes[task.name]}")
            bar.update(1)
    return outcomes


def check_args(args):
    """(tasks, scheduler, workers): every flag and every run's config checked, nothing written."""
    models = _comma_list("model", args.model)
    datas = None if args.data is None else _comma_list("data", args.data)
    seeds = check_int("seeds", args.seeds, 1, 10_000)
    if args.steps is not None:
        check_int("steps", args.steps, 1, None)
    parser = _SettingParser(prog="npgan sweep --set", add_help=False)
    add_config_arguments(parser)
    settings = [parse_setting(text, parser) for text in args.set]
    keys = [key for key, _ in settings]
    if len(set(keys)) < len(keys):
        raise ConfigError("set", f"{next(k for k in keys if keys.count(k) > 1)} is set twice; give its values "
                                 f"in one --set KEY=V1,V2")
    if args.scheduler is not None:
        if args.workers is not None:
            raise ConfigError("workers", "the workers of --scheduler are its own (dask worker --nworkers K); "
                                         "--workers sizes the LocalCluster started without --scheduler")
        if not SCHEDULER.match(args.scheduler):
            raise ConfigError("scheduler", f"{args.scheduler!r}: give the address the scheduler printed, "
                                           f"e.g. tcp://10.0.0.5:8786")
    workers = None if args.workers is None else check_int("workers", args.workers, 1, 4096)
    tasks = plan(models, datas, seeds, args.steps, settings)
    rundir.check_out(args.out)
    rundir.refuse_locked(args.out)
    state, description = rundir.inspect(args.out)
    if state in ("run", "other") and not os.path.isfile(os.path.join(args.out, MANIFEST)):
        raise rundir.RunDirError(f"--out {args.out} is not a sweep: it holds "
                                 f"{description if state == 'run' else 'other files'}; give a new directory")
    return tasks, args.scheduler, workers


def run(args):
    """``npgan sweep``: 0 when every run finished, 1 when some failed, 130 on Ctrl-C."""
    start = time.perf_counter()
    tasks, scheduler, workers = check_args(args)
    out = args.out
    finished, pending = survey(out, tasks)
    outcomes = dict(finished)
    if pending:
        _dask()  # installed? (before anything is said or started)
    resuming = sum(os.path.isfile(os.path.join(out, RUNS, t.name, CHECKPOINT)) for t in pending)
    print(f"npgan sweep: {len(tasks)} run{'s' if len(tasks) != 1 else ''}, {len(finished)} finished already, "
          f"{len(pending)} to run ({resuming} of them resume from a checkpoint)")
    client = cluster = None
    try:
        if pending:
            client, cluster, where = connect(scheduler, min(workers or os.cpu_count() or 1, len(pending)))
            dashboard = _dashboard(client, cluster is not None)
            print(f"on {where}" + (f"; dashboard: {dashboard}" if dashboard else ""))
        with rundir.locked(out, COMMAND, log=print):
            remove_stale_temps(out)
            with atomic_write(os.path.join(out, MANIFEST), "w") as f:
                json.dump({"kind": "npgan-sweep", "model": args.model, "data": args.data, "seeds": args.seeds,
                           "steps": args.steps, "set": args.set, "runs": [t.name for t in tasks]}, f, indent=2)
            if pending:
                outcomes.update(execute(client, pending, out, get_backend(), not args.no_progress,
                                        len(finished), len(tasks)))
            table, written = write_report(out, tasks, outcomes)
    except KeyboardInterrupt:
        print("npgan sweep: interrupted. Rerun the same command to go on: finished runs are kept, the others "
              "resume from their last checkpoints", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    print(table)
    print(f"wrote {', '.join(written)}; {len(pending)} runs in {time.perf_counter() - start:.1f} s (wall)")
    failed = [t.name for t in tasks if isinstance(outcomes[t.name], str)]
    if failed:
        print(f"npgan sweep: {len(failed)} of {len(tasks)} runs failed (their errors are in table.md and "
              f"results.csv, tracebacks in their {LOG})", file=sys.stderr)
    return 1 if failed else 0


def add_sweep_parser(subparsers, parents=()):
    """Define ``npgan sweep`` on the main parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "sweep", parents=list(parents), help="many runs on Dask: models x data x settings x seeds, one table",
        description="Train every combination of --model, --data, --set values and --seeds as run directories "
                    "under --out (on a LocalCluster, or an existing Dask cluster with --scheduler), score each "
                    "with npgan eval's protocol, and write results.csv, table.md (mean ± standard error over "
                    "the seeds) and sample pictures. Rerunning the same command skips finished runs and "
                    "resumes the others from their checkpoints.")
    parser.add_argument("--model", required=True, help="comma-separated presets, e.g. gan,pacgan,wgan-gp")
    parser.add_argument("--data", default=None, help="comma-separated data sets, e.g. ring8,grid25 "
                                                     "(default: each model's own)")
    parser.add_argument("--seeds", type=int, default=5, help="runs per combination, seeds 0..N-1 (default 5)")
    parser.add_argument("--steps", type=int, default=None, help="generator steps of every run (default: the preset's)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=V1[,V2...]",
                        help="a TrainConfig field for every run (one value) or one more axis of the grid (several); "
                             "repeatable; tuples with spaces: --set 'hidden=64 64,128 128'")
    parser.add_argument("--out", required=True, help="the sweep's directory, e.g. sweeps/NAME")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the LocalCluster (default: one per core)")
    parser.add_argument("--scheduler", default=None,
                        help="address of a running Dask scheduler, e.g. tcp://HOST:8786 (default: a LocalCluster)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)
    return parser
