"""``Optimizer``: the base of SGD, Adam and RMSprop, as ``torch.optim.Optimizer``.

``param_groups`` is a list of dicts, each with its ``params`` and its own
hyper-parameters (missing ones are taken from the optimizer's defaults).
``state[param]`` holds a parameter's running quantities as NumPy arrays (the dict is
keyed by the Parameter object itself, which hashes by identity and stays alive with it).

``state_dict()`` replaces the objects by their position in the order of the groups'
``params`` (0, 1, 2, ...; never ``id(param)``), so a checkpoint loads into a freshly
built optimizer over the same model and resumes exactly.
"""
import numbers

import numpy as np

from ..autograd import capture
from ..autograd.grad_mode import enable_grad
from ..autograd.inplace import increment_version
from ..autograd.tensor import Tensor


def check_range(optimizer, name, value, low=0.0, high=None, low_open=False):
    """Raise a ValueError naming the optimizer unless low <= value (< high); with
    ``low_open``, low < value."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value) \
        and (value > low if low_open else value >= low) and (high is None or value < high)
    if not ok:
        interval = f"{'>' if low_open else '>='} {low}" + (f" and < {high}" if high is not None else "")
        raise ValueError(f"{optimizer}: invalid {name} {value!r}; it must be a finite number {interval}")


class Optimizer:
    """Subclasses define ``check_hyperparameters(group)`` and ``update(param, grad,
    state, group)``, the update of one parameter on NumPy arrays, in place -- or, to update
    the parameters of a group together (one kernel call for all), ``update_group(params,
    group)`` instead of ``update``."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.check_hyperparameters(self.defaults)
        self.state = {}
        self.param_groups = []
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for group in params if isinstance(params[0], dict) else [{"params": params}]:
            self.add_param_group(group)

    def check_hyperparameters(self, group):
        raise NotImplementedError

    def update(self, param, grad, state, group):
        raise NotImplementedError

    def update_group(self, params, group):
        """Update ``params``, the parameters of ``group`` that have a gradient, in their
        order; by default one ``update`` each."""
        for p in params:
            self.update(p, p.grad.data, self.state.setdefault(p, {}), group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters (e.g. a smaller lr)."""
        name = type(self).__name__
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(group["params"]):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (params[{i}], shape {p.shape})")
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self.check_hyperparameters(group)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids) or known.intersection(ids):
            raise ValueError(f"{name}: some parameters appear more than once (in one group or in two groups)")
        self.param_groups.append(group)

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``None`` (PyTorch's default) or zeros."""
        if capture.recorder is not None:
            capture.recorder.effect("zero_grad", lambda: self.zero_grad(set_to_none))
        for p in self._params():
            p.grad = None if set_to_none or p.grad is None else Tensor(np.zeros_like(p.grad.data))

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place (bumping its version, so a
        graph that kept it can no longer run backward). ``closure`` (optional) re-evaluates
        the model and returns the loss, which ``step`` returns."""
        if capture.recorder is not None:
            capture.recorder.effect("optimizer step", self.step, closure)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self.update_group(params, group)
                increment_version(params)
        return loss

    def state_dict(self):
        """{"state": {position: {name: array or int}}, "param_groups": [{..., "params":
        [positions]}]}, with copies of the arrays."""
        state = {i: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in self.state[p].items()}
                 for i, p in enumerate(self._params()) if p in self.state}
        groups, start = [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = list(range(start, start + len(group["params"])))
            start += len(group["params"])
            groups.append(packed)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load hyper-parameters and state saved by ``state_dict``; everything is checked
        first, so a failed load changes nothing. Arrays are copied in each parameter's
        dtype; keys may be ints or their strings (as after a JSON round trip)."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: {len(saved_groups)} parameter groups saved, "
                             f"the optimizer has {len(self.param_groups)}")
        position_to_param, new_groups = {}, []
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {g} has {len(saved['params'])} parameters saved, "
                                 f"the optimizer has {len(group['params'])}")
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(f"{name}.load_state_dict: group {g} lacks hyper-parameters {missing}")
            new_group = {**saved, "params": group["params"]}
            self.check_hyperparameters(new_group)
            new_groups.append(new_group)
            position_to_param.update({int(i): p for i, p in zip(saved["params"], group["params"])})
        new_state = {}
        for key, entries in state_dict["state"].items():
            p = position_to_param.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key}, which no group lists")
            new_state[p] = {k: self._loaded_value(k, v, p, key) for k, v in entries.items()}
        self.param_groups, self.state = new_groups, new_state

    def _loaded_value(self, name, value, param, position):
        """``step`` as an int; every other entry a copy shaped like its parameter."""
        if name == "step":
            return int(value)
        array = np.asarray(value)
        if array.shape != param.shape:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state '{name}' of parameter {position} "
                             f"has shape {array.shape}, the parameter has shape {param.shape}")
        return np.array(array, dtype=param.dtype, order="C")
