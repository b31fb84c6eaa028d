"""``--resume``: a resumed run keeps its own settings; only the step target may change.

``resumed_config(out, given, saved, step, make, config_name)`` compares the settings given
on the command line with the run's saved config (both as JSON values) and makes the config
with the new step target: any other difference is a ``ResumeConflict`` naming every such
setting, a target below the run's ``step`` a ``ConfigError``. ``differences`` is the comparison itself
(``npgan sweep`` uses it on a run directory's config.json).
"""
import json

from ..checks import ConfigError


class ResumeConflict(ConfigError):
    """Settings given with --resume that differ from the run's own."""

    def __init__(self, out, conflicts):
        self.out, self.conflicts = out, conflicts
        super().__init__(conflicts[0][0], "; ".join(f"{k} {g!r} (the run has {s!r})" for k, g, s in conflicts))
        self.args = (self.describe(str),)

    def __str__(self):
        return self.args[0]

    def describe(self, name):
        """The message, with each field shown as ``name(field)`` (the CLI's flags)."""
        given = "; ".join(f"{name(k)} {_show(g)} (the run has {_show(s)})" for k, g, s in self.conflicts)
        return (f"--resume: {given}. A resumed run keeps its own settings (only --steps may change); "
                f"start a new run with another --out to change them")


def _show(value):
    return " ".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def as_json(value):
    """``value`` as it reads back from JSON (a tuple becomes a list)."""
    return json.loads(json.dumps(value))


def differences(wanted, saved):
    """The keys of ``wanted`` whose values (as JSON) differ from ``saved``'s."""
    return [k for k in wanted if as_json(wanted[k]) != as_json(saved.get(k))]


def resumed_config(out, given, saved, step, make, config_name):
    """The config of the run in ``out`` (at ``step``, its config ``saved`` as a dict) resumed
    with the settings ``given`` (a dict): ``make(values)`` of the saved values with the
    step target ``given["steps"]`` if given; ``config_name`` names the fields' class."""
    unknown = set(given) - set(saved)
    if unknown:
        raise ConfigError(sorted(unknown)[0], f"not a {config_name} field")
    conflicts = [k for k in differences(given, saved) if k != "steps"]
    if conflicts:
        raise ResumeConflict(out, [(k, given[k], saved[k]) for k in conflicts])
    config = make({**saved, "steps": given.get("steps", saved["steps"])})
    if config.steps < step:
        raise ConfigError("steps", f"{config.steps}: the run in {out} is already at step {step}")
    return config


def report_complete(out, step, steps, log):
    """Say that the run in ``out`` has nothing left to do; True when so."""
    if step < steps:
        return False
    log(f"{out}: the run is complete at step {step} of {steps}; give --steps N (N > {step}) to train on")
    return True
