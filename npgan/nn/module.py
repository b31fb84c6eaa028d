"""``Module``: the base class of layers and models, as ``torch.nn.Module``.

A module keeps three ordered registries, filled by plain attribute assignment:

    self.weight = Parameter(...)     -> _parameters  (trained; in parameters())
    self.register_buffer("running_mean", t)
                                     -> _buffers     (state, not trained)
    self.fc = Linear(2, 3)           -> _modules     (children)

Walking them in insertion order gives PyTorch's names ("fc.weight",
"1.running_mean", ...), so ``state_dict()`` has PyTorch's keys and shapes and a model's
weights move between npgan and PyTorch unchanged.
"""
from collections import namedtuple

import numpy as np

from ..autograd.inplace import increment_version
from ..autograd.tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

_REGISTRIES = ("_parameters", "_buffers", "_modules")


class RemovableHandle:
    """Returned by ``register_forward_pre_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class Module:
    """Subclasses call ``super().__init__()`` first, assign their parameters, buffers and
    submodules as attributes, and define ``forward``; calling the module runs the
    forward pre-hooks, then ``forward``."""

    def __init__(self):
        for name in _REGISTRIES + ("_forward_pre_hooks",):
            object.__setattr__(self, name, {})
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook):
        """Run ``hook(module, args)`` before every forward; a non-None result replaces args."""
        key = max(self._forward_pre_hooks, default=-1) + 1
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    # --- registration -----------------------------------------------------------------
    def _check_new_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot add {kind} '{name}' before Module.__init__() is called")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    def register_parameter(self, name, param):
        """Add ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' as parameter '{name}' "
                            "(npgan.nn.Parameter or None expected)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor):
        """Add a state Tensor that is saved in ``state_dict`` but not trained."""
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' as buffer '{name}' (Tensor or None expected)")
        self._forget(name)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def _forget(self, name):
        """Remove ``name`` from every registry and from the plain attributes."""
        self.__dict__.pop(name, None)
        for registry in _REGISTRIES:
            self.__dict__[registry].pop(name, None)

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif "_parameters" in d and name in d["_parameters"]:
            self.register_parameter(name, value)  # None is accepted; a plain Tensor is a TypeError
        elif "_modules" in d and name in d["_modules"]:
            self.add_module(name, value)
        elif "_buffers" in d and name in d["_buffers"]:
            self.register_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__  # may be empty while copy/pickle rebuilds the object
        for registry in _REGISTRIES:
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in _REGISTRIES:
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                return
        object.__delattr__(self, name)

    # --- traversal --------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        """(name, module) for this module and every descendant, depth first, each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse):
        seen = set()  # a tensor shared by two modules is yielded once, under its first name
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- modes and gradients ----------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (batch statistics, dropout on) here and in every descendant."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode: running statistics, no dropout. Same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the parameters' gradients: ``None`` (PyTorch's default) or zeros."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p.grad.data))

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant, then on this module (e.g. custom init)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- dtype ------------------------------------------------------------------------
    def _cast_floating(self, dtype):
        """Convert floating parameters, their gradients and floating buffers in place,
        keeping the same Tensor objects (an optimizer holding them stays valid);
        integer buffers such as ``num_batches_tracked`` are left as they are."""
        for module in self.modules():
            for t in list(module._parameters.values()) + list(module._buffers.values()):
                if t is None or t.dtype.kind != "f":
                    continue
                t.data = t.data.astype(dtype, copy=False)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data.astype(dtype, copy=False))
        return self

    def double(self):
        return self._cast_floating(np.float64)

    def float(self):
        return self._cast_floating(np.float32)

    # --- state ------------------------------------------------------------------------
    def _state_tensors(self, prefix=""):
        """(key, Tensor) in PyTorch's state_dict order: own parameters, own buffers, then
        each child's, depth first. A tensor shared by two modules appears under both."""
        for registry in ("_parameters", "_buffers"):
            for name, t in getattr(self, registry).items():
                if t is not None:
                    yield prefix + name, t
        for name, module in self._modules.items():
            if module is not None:
                yield from module._state_tensors(f"{prefix}{name}.")

    def state_dict(self):
        """{key: NumPy array} of every parameter and buffer under PyTorch's key names.
        The arrays are copies: a snapshot that later training does not change."""
        return {key: t.data.copy() for key, t in self._state_tensors()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays (or Tensors) of ``state_dict`` into the parameters and buffers.

        Everything is checked before anything is assigned, so a failed load changes
        nothing: a shape mismatch always raises; a missing or unexpected key raises when
        ``strict``. Values are copied and converted to each tensor's dtype. Returns
        ``(missing_keys, unexpected_keys)``."""
        own = dict(self._state_tensors())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict:
            problems += [f"missing key '{key}' (shape {own[key].shape} in the model)" for key in missing]
            problems += [f"unexpected key '{key}' (not in the model)" for key in unexpected]
        arrays = {}
        for key, t in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            if array.dtype.kind not in "biuf":
                problems.append(f"'{key}' has dtype {array.dtype}; expected numbers")
            elif array.shape != t.shape:
                problems.append(f"size mismatch for '{key}': the state_dict has shape {array.shape}, "
                                f"the model has shape {t.shape}")
            else:
                arrays[key] = array
        if problems:
            raise ValueError(f"load_state_dict for {type(self).__name__}: nothing was loaded because of "
                             f"{len(problems)} problem(s):\n  " + "\n  ".join(problems))
        for key, array in arrays.items():
            own[key].data = np.array(array, dtype=own[key].dtype, order="C")
            increment_version(own[key])  # as PyTorch's copy_: a graph that kept it can't backward
        return IncompatibleKeys(missing, unexpected)

    # --- repr -------------------------------------------------------------------------
    def extra_repr(self):
        """The layer's settings, shown inside its repr; subclasses override."""
        return ""

    def __repr__(self):
        """PyTorch's layout: ``Name(settings)``, or one indented line per child."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(module).replace("\n", "\n  ")
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"
