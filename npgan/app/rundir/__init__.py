"""A run directory as ``npgan train``, ``npgan adapt`` and ``npgan sweep`` keep it: one
layer, so that each command refuses, locks, resumes and saves the same way.

* ``directory``: what ``--out`` holds; refusing a root, a file, a directory holding a run or
  other files (``--overwrite``, which deletes only a run's own files); config.json.
* ``lock``: ``.npgan.lock``, naming the process and the command that holds the directory;
  a lock left by a killed process is reported.
* ``resume``: ``--resume`` keeps the run's own settings, only the step target may change.
* ``loop``: the loop's side of the run: holding the directory for the run, metrics.csv,
  checkpoints every N steps and on SIGINT/SIGTERM (with the command that resumes), stopping
  on non-finite losses or weights with the last good checkpoint kept, the progress bar.
"""
from .directory import (CHECKPOINT, CONFIG, RUN_FILES, check_out, check_run_dir, clear_run, describe_run, inspect,
                        is_run_config, read_config, refuse_existing, require_checkpoint, write_json)
from .lock import LOCK, Holder, RunDirError, in_use, lock_holder, locked, refuse_locked
from .loop import (Checkpoints, Diverged, Interrupted, MetricsCSV, StopOnSignals, non_finite, open_run,
                   progress_bar, resume_command, run_steps)
from .resume import ResumeConflict, as_json, differences, report_complete, resumed_config
