"""``functional_call``: run a module with some of its parameters replaced by other Tensors,
as ``torch.func.functional_call``.

The unrolled GAN (Metz et al., 2017) needs D evaluated at simulated parameters
theta_D^1, ..., theta_D^k that are *Tensors in the graph* (results of optimizer steps that
depend on G), not the module's own leaf Parameters:

    functional_call(D, {"net.0.weight": W1, ...}, (x,))   =   D(x) with weight W1, ...

The replacements sit in the owning modules' parameter registries for the duration of
the call, so every layer's ``forward`` reads them with ``self.weight`` as usual, and the
originals are put back afterwards, also when the forward raises. A Parameter shared by
several modules is replaced everywhere it appears.
"""
from ...autograd.tensor import Tensor


def functional_call(module, parameters, args, kwargs=None):
    """``module(*args, **kwargs)`` with ``parameters`` ({name: Tensor}, names as in
    ``module.named_parameters()``) in place of the module's own; a name left out keeps
    its Parameter. Each replacement must have the shape and dtype of the parameter it
    replaces."""
    own = dict(module.named_parameters())
    unknown = [name for name in parameters if name not in own]
    if unknown:
        raise KeyError(f"functional_call: {type(module).__name__} has no parameters {unknown}; "
                       f"it has {list(own)}")
    replacement = {}  # id(original Parameter) -> its replacement
    for name, t in parameters.items():
        original = own[name]
        if not isinstance(t, Tensor):
            raise TypeError(f"functional_call: the replacement of '{name}' is a {type(t).__name__}, not a Tensor")
        if t.shape != original.shape or t.dtype != original.dtype:
            raise ValueError(f"functional_call: the replacement of '{name}' has shape {t.shape} and dtype "
                             f"{t.dtype}; the parameter has shape {original.shape} and dtype {original.dtype}")
        replacement[id(original)] = t
    swapped = []  # (registry, key, original), to restore
    for m in module.modules():
        registry = m._parameters
        for key, p in registry.items():
            if p is not None and id(p) in replacement:
                swapped.append((registry, key, p))
                registry[key] = replacement[id(p)]
    try:
        return module(*args, **(kwargs or {}))
    finally:
        for registry, key, p in swapped:
            registry[key] = p
