"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN/inf."""
import numpy as np

_enabled = False


def is_anomaly_enabled():
    return _enabled


class detect_anomaly:
    """Within this context every op's outputs (forward) and input gradients (backward)
    are checked for NaN/inf; the first offender raises ``FloatingPointError`` naming the
    op and the shapes of its inputs. Slow: for debugging only."""

    def __enter__(self):
        global _enabled
        self.prev = _enabled
        _enabled = True
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev


def check(fn, inputs, arrays, phase):
    """Raise if any of ``arrays`` (results of ``fn``'s ``phase`` on ``inputs``) is not finite."""
    for i, a in enumerate(arrays):
        if a is not None and np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
            shapes = ", ".join(str(t.shape) for t in inputs)
            what = "output" if phase == "forward" else "gradient for input"
            raise FloatingPointError(
                f"detect_anomaly: {type(fn).__name__}.{phase} produced NaN/inf in {what} {i} "
                f"(input shapes: {shapes})")


def call_backward(fn, grad_outputs):
    """``fn.backward`` under ``detect_anomaly``: a NaN made inside the formula names ``fn``."""
    try:
        return fn.backward(*grad_outputs)
    except FloatingPointError as exc:  # an op inside the backward formula made NaN/inf
        shapes = ", ".join(str(x.shape) for x in fn.inputs)
        raise FloatingPointError(f"detect_anomaly: in {type(fn).__name__}.backward (input shapes: {shapes}): "
                                 f"{exc}") from None
