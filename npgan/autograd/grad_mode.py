"""Whether operations record the graph (``no_grad`` / ``enable_grad``), as in PyTorch."""
import functools

_enabled = True


def is_grad_enabled():
    return _enabled


class set_grad_enabled:
    """Turn graph recording on or off at once; used as a context manager, the previous
    mode comes back on exit (``with set_grad_enabled(False): ...``)."""

    def __init__(self, mode):
        global _enabled
        self.prev, _enabled = _enabled, bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev


class _GradMode:
    """A context manager and decorator that sets the mode ``mode`` inside."""
    mode = True

    def __enter__(self):
        self.outer = set_grad_enabled(self.mode)

    def __exit__(self, *exc):
        self.outer.__exit__()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Operations inside do not record the graph: outputs have no ``creator``."""
    mode = False


class enable_grad(_GradMode):
    """Operations inside record the graph, even within ``no_grad``."""
    mode = True
