"""Containers: ``Sequential`` (a chain of modules) and ``ModuleList`` (a registered list),
as in PyTorch. Children are named "0", "1", ..., which gives state_dict keys such as
"0.weight"."""
from collections import OrderedDict

from .module import Module


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: their children, in order, behave as a list --
    ``len``, iteration, indexing (a slice is a new container of the subclass's own kind,
    see ``_sliced``) and ``append``, which names the new child by its position."""

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class Sequential(_ModuleSequence):
    """``Sequential(m0, m1, ...)`` or ``Sequential(OrderedDict(name=module, ...))``;
    forward feeds each module's output to the next."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    @staticmethod
    def _sliced(items):
        """A slice keeps the children's names, as in PyTorch."""
        return Sequential(OrderedDict(items))


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters belong to the owner (a plain Python list's
    would be invisible to ``parameters()`` and ``state_dict()``)."""

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    @staticmethod
    def _sliced(items):
        """A slice renumbers the children from "0", as in PyTorch."""
        return ModuleList(module for _, module in items)

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self
