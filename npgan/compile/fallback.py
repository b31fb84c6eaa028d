"""``compile_or_eager``: a step captured when it can be, eager when capture is refused.

A program that ``npgan.compile`` refuses (a ``CaptureError``) has run part of the step
while it was traced; a step whose program went stale (other parameter arrays, another
mode) must be traced again. The wrapper handles both, so a caller never gets a crash or
a wrong replay: before each call that traces it takes a snapshot of the state the step
changes; on a refusal it puts the snapshot back, prints one line (on stderr) naming the op refused,
and runs this and every later step eagerly. The trajectory is eager's either way.
"""
import sys

from .step import CaptureError, compile


def _to_stderr(line):
    print(line, file=sys.stderr)


class CompiledOrEager:
    """``step()`` = ``fn()`` (no inputs; returns a dict of Tensors), captured.

    ``key()`` names what the program depends on besides its inputs (the modules' modes,
    the identity of the parameters' arrays): a new key traces a new program. ``save()``
    returns a snapshot of the state the step changes and ``restore(snapshot)`` puts it
    back; ``log`` prints the fallback line (on stderr by default)."""

    def __init__(self, fn, key, save, restore, log=None):
        self.fn, self.key, self.save, self.restore, self.log = fn, key, save, restore, log or _to_stderr
        self.program_key, self.compiled, self.names = None, None, None
        self.refused = None  # the CaptureError's message once capture was refused

    def _values(self):
        metrics = self.fn()
        self.names = tuple(metrics)
        return tuple(metrics.values())

    def replays(self):
        """True when the next call replays a captured program (no trace, no refusal)."""
        return (self.refused is None and self.compiled is not None and self.key() == self.program_key
                and self.compiled.captured())

    def _named(self, values):
        return dict(zip(self.names, values))  # the names of the traced call's metrics

    def __call__(self):
        if self.refused is not None:
            return self.fn()
        key = self.key()
        if self.compiled is None or key != self.program_key:
            self.compiled, self.program_key = compile(self._values), key
        if self.compiled.captured():
            return self._named(self.compiled())
        snapshot = self.save()
        try:
            return self._named(self.compiled())
        except CaptureError as exc:
            self.refused = str(exc)
            self.compiled = None
            self.log(f"npgan.compile: running the step eagerly, capture refused it: {exc}")
            self.restore(snapshot)
            return self.fn()


def compile_or_eager(fn, key, save, restore, log=None):
    """A ``CompiledOrEager`` step of ``fn`` (see its docstring)."""
    return CompiledOrEager(fn, key, save, restore, log)
