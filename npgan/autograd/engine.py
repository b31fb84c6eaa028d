"""The backward engine: ``backward`` (accumulate into leaves' ``.grad``) and ``grad``
(return gradients, like ``torch.autograd.grad``).

The walk does three things, each in its own piece below: it schedules the functions by
generation (``_Schedule``, a max-heap: a function runs only after every function that
consumed its outputs, and a 10,000-op chain needs no recursion), calls each one's
backward (``Function.input_grads``), and accumulates the input gradients (``_add``, the
one place gradients add up). Gradients are kept per graph *node* -- a leaf Tensor, or
``(creator, output_index)`` for an op's output -- and freed as soon as their function
has run, so memory stays flat. Broadcasting is undone here, in one place: an input
gradient whose shape differs from its input is summed down with ``sum_to``.

With ``create_graph=True`` the backward formulas are recorded (they are ordinary ops),
which is how gradients of gradients work; otherwise they run under ``no_grad``.
"""
import heapq
import itertools

import numpy as np

from . import capture, grad_mode
from .broadcast import sum_to
from .tensor import Tensor


def _node(t):
    return t if t.creator is None else (t.creator, t.output_index)


def _add(old, new, create_graph):
    """old + new (old may be None): recorded only with ``create_graph``."""
    if old is None:
        return new
    if create_graph:
        return old + new
    if capture.recorder is not None:
        return capture.recorder.raw(np.add, old.data, new.data)
    return Tensor(old.data + new.data)


def _seed(i, out, g, where):
    """The gradient that starts the walk at output ``i`` (``g``, checked; ones for a
    one-element output when ``g`` is None)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{where}: output {i} is a {type(out).__name__}, not a Tensor")
    if not out.requires_grad:
        raise RuntimeError(f"{where}: output {i} does not require grad and has no creator "
                           "(was it computed under no_grad, or from inputs without requires_grad?)")
    if g is None:
        if out.data.size != 1:
            raise RuntimeError(f"{where}: grad can be created implicitly only for one-element outputs; "
                               f"output {i} has shape {out.shape}; pass grad_outputs")
        if capture.recorder is not None:
            return capture.recorder.raw(np.ones_like, out.data)
        return Tensor(np.ones_like(out.data))
    if not isinstance(g, Tensor):
        g = Tensor(np.asarray(g, dtype=out.dtype))
    if g.shape != out.shape:
        raise ValueError(f"{where}: grad_outputs[{i}] has shape {g.shape} but output {i} has shape {out.shape}")
    if g.dtype != out.dtype:
        raise TypeError(f"{where}: grad_outputs[{i}] has dtype {g.dtype} but output {i} has dtype {out.dtype}")
    return g


def _initial_grads(outputs, grad_outputs, create_graph, where):
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{where}: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    grads = {}
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        g = _seed(i, out, g, where)
        grads[_node(out)] = _add(grads.get(_node(out)), g, create_graph)
    return outputs, grads


def _functions_leading_to(outputs, targets):
    """The set of functions on some path from ``outputs`` down to a ``targets`` node.

    One walk collects the functions above the targets; they are then decided in
    increasing generation, so the makers of a function's inputs (of lower generation)
    are decided before it: a function is needed when an input is a target or was made
    by a needed function."""
    reached = set()
    stack = [o.creator for o in outputs if o.creator is not None]
    while stack:
        f = stack.pop()
        if f not in reached:
            reached.add(f)
            stack.extend([x.creator for x in f.kept_inputs() if x.creator is not None])
    needed = set()
    for f in sorted(reached, key=lambda f: f.generation):
        if any([_node(x) in targets or x.creator in needed for x in f.inputs]):
            needed.add(f)
    return needed


class _Schedule:
    """The functions still to run, highest generation first (a max-heap; the counter
    breaks ties in the order they were reached). With ``needed`` (a ``grad()`` call),
    functions outside that set are never scheduled."""

    def __init__(self, needed):
        self.needed, self.heap, self.seen, self.counter = needed, [], set(), itertools.count()

    def add(self, f):
        if f is not None and f not in self.seen and (self.needed is None or f in self.needed):
            self.seen.add(f)
            heapq.heappush(self.heap, (-f.generation, next(self.counter), f))

    def __iter__(self):
        while self.heap:
            yield heapq.heappop(self.heap)[2]


def _output_grads(f, grads, targets):
    """The gradients of ``f``'s outputs, taken out of ``grads`` (kept there for an output
    that is one of ``targets``, which ``grad()`` returns)."""
    keys = [(f, i) for i in range(f.num_outputs)]
    return [grads.get(k) if targets is not None and k in targets else grads.pop(k, None) for k in keys]


def _wanted(inputs, needed, targets):
    """Which input gradients to ask for: those that require grad and, for ``grad()``,
    lead to a target (are one, or were made by a needed function)."""
    if needed is None:
        return tuple([x.requires_grad for x in inputs])
    return tuple([x.requires_grad and (x.creator in needed or _node(x) in targets) for x in inputs])


def _run(outputs, grads, targets, retain_graph, create_graph):
    """Propagate ``grads`` from ``outputs`` down the graph; returns the grads table
    holding the gradients of the leaves (and of ``targets`` when given).

    For each function, highest generation first: take its output gradients, ask its
    backward for the wanted input gradients, add each to its input's node (summed down
    to the input's shape), and schedule the input's creator."""
    needed = None if targets is None else _functions_leading_to(outputs, targets)
    schedule = _Schedule(needed)
    for o in outputs:
        schedule.add(o.creator)
    with grad_mode.set_grad_enabled(create_graph):
        for f in schedule:
            inputs = f.kept_inputs()
            gys = _output_grads(f, grads, targets)
            if all([g is None for g in gys]):
                continue
            wanted = _wanted(inputs, needed, targets)
            for x, gx, want in zip(inputs, f.input_grads(gys, wanted), wanted):
                if want and gx is not None:
                    key = _node(x)
                    grads[key] = _add(grads.get(key), sum_to(gx, x.shape), create_graph)
                    schedule.add(x.creator)
            if not retain_graph:
                f.release()
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of
    ``inputs`` when given), as ``torch.autograd.backward``. Calling it twice adds up."""
    outputs, grads = _initial_grads(tensors, grad_tensors, create_graph, "backward")
    targets = None if inputs is None else {_node(x) for x in inputs}
    grads = _run(outputs, grads, targets, create_graph if retain_graph is None else retain_graph, create_graph)
    for key, g in grads.items():
        if isinstance(key, Tensor) and key.requires_grad and (targets is None or key in targets):
            key.grad = _add(key.grad, g if create_graph else g.detach(), create_graph)
            if capture.recorder is not None:
                capture.recorder.set_grad(key, create_graph)


def _grad_inputs(inputs):
    """``grad()``'s ``inputs`` as a list, each checked to be a Tensor that requires grad."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(x).__name__}, not a Tensor")
        if not x.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] (shape {x.shape}) does not require grad")
    return inputs


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple), without touching
    any ``.grad`` -- as ``torch.autograd.grad``. ``create_graph=True`` returns gradients
    that are themselves differentiable (double backprop, e.g. a gradient penalty).
    Only the part of the graph that leads to ``inputs`` is walked."""
    inputs = _grad_inputs(inputs)
    outputs, grads = _initial_grads(outputs, grad_outputs, create_graph, "grad")
    targets = {_node(x) for x in inputs}
    grads = _run(outputs, grads, targets, create_graph if retain_graph is None else retain_graph, create_graph)
    result = []
    for i, x in enumerate(inputs):
        g = grads.get(_node(x))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: inputs[{i}] (shape {x.shape}) was not used to compute the outputs; "
                               "pass allow_unused=True to get None for it")
        result.append(g if g is None or create_graph or g.creator is None else g.detach())
    return tuple(result)
