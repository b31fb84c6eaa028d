"""A live optimizer's values as Tensors made by ops: ``state_value(optimizer, param, name)``
(Adam's m, v and step count t, SGD's momentum buffer) and ``group_value(optimizer, index,
name)`` (a hyper-parameter of a group, such as the lr a scheduler sets).

The differentiable optimizers (``differentiable_optim``) start from these. In eager code
each could be ``Tensor(np.array(value))``, a copy. It is a Function call with no inputs
instead because a captured step (``npgan.compile``) records Function calls and calls them
again at each replay: there the unrolled GAN's simulated D steps read D's optimizer as it
is at that step, where a copy made outside any op would be replayed as the traced
constant (the moments, step count and lr of the step that was traced). Each call looks
the value up in the optimizer again, so a ``load_state_dict`` (which replaces the state
and the groups) is seen too.
"""
import numpy as np

from ..autograd.function import Function


def _array(value):
    """A copy of ``value`` (the optimizer writes its arrays in place); a number as a
    float64 0-d array (a Python number is a double)."""
    return np.array(value, dtype=None if isinstance(value, np.ndarray) else np.float64)


class StateValue(Function):
    """y = a copy of ``optimizer.state[param][name]`` now; no inputs, so no gradient."""

    def __init__(self, optimizer, param, name):
        self.optimizer, self.param, self.name = optimizer, param, name

    def forward(self):
        return _array(self.optimizer.state[self.param][self.name])


class GroupValue(Function):
    """y = ``optimizer.param_groups[index][name]`` now; no inputs, so no gradient."""

    def __init__(self, optimizer, index, name):
        self.optimizer, self.index, self.name = optimizer, index, name

    def forward(self):
        return _array(self.optimizer.param_groups[self.index][self.name])


def state_value(optimizer, param, name):
    return StateValue(optimizer, param, name)()


def group_value(optimizer, index, name):
    return GroupValue(optimizer, index, name)()
