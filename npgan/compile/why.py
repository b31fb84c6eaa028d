"""What a refusal of the two-trace check says about an outside array that changed.

An op's input that is an array from outside the step (neither an input, nor made by a
recorded op, nor a random draw) is either live (the same object in both traces: a
parameter) or a constant (equal values). When it is a new array with other values in the
second trace, the step made it from something that changes between steps, outside any
op, and a replay would reuse the traced values. ``changed_constant`` says which input it
is and, when it can tell, where its values came from: an optimizer's state (a copy of
Adam's moments taken at trace time) or a hyper-parameter of its groups (an lr that a
scheduler changes). It looks in the optimizers whose ``step()`` the trace recorded.
"""
import numbers

import numpy as np


def _origin(array, optimizers):
    """The optimizer value ``array`` equals, as words, or None."""
    for opt in optimizers:
        name = type(opt).__name__
        params = [p for group in opt.param_groups for p in group["params"]]
        for i, p in enumerate(params):
            for key, value in opt.state.get(p, {}).items():
                if isinstance(value, np.ndarray) and value.shape == array.shape and np.array_equal(value, array):
                    return f"a constant made from optimizer state ({name}'s {key!r} of its parameter {i})"
        if array.ndim == 0:
            for j, group in enumerate(opt.param_groups):
                for key, value in group.items():
                    if isinstance(value, numbers.Real) and np.asarray(value, dtype=array.dtype) == array:
                        return f"a constant made from an optimizer hyper-parameter ({name}'s {key!r} of group {j})"
    return None


def changed_constant(index, array, optimizers):
    """Why input ``index`` of an op, the outside ``array`` of the second trace (a new one,
    with values other than the first trace's), cannot be replayed."""
    what = f"its input {index}, an array from outside the step ({array.dtype} {array.shape}), has other values"
    origin = _origin(array, optimizers)
    if origin is not None:
        return (f"{what}: {origin}, copied at trace time; a replay would reuse the stale copy. "
                "Read it through an op (a Function with no inputs) so that each replay reads it again")
    return (f"{what}: a constant computed from the data outside any op (from .data, or a random draw not "
            "made through npgan.random.draw), or data-dependent Python control flow")
