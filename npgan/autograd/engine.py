"""The backward engine: ``backward`` (accumulate into leaves' ``.grad``) and ``grad``
(return gradients, like ``torch.autograd.grad``).

The walk is iterative, ordered by generation (a max-heap: an op runs only after every
op that consumed its outputs), so a 10,000-op chain needs no recursion. Gradients are
kept per graph *node* — a leaf Tensor, or ``(creator, output_index)`` for an op's
output — and freed as soon as their op has run, so memory stays flat. Broadcasting is
undone here, in one place: an input gradient whose shape differs from its input is
summed down with ``sum_to``.

With ``create_graph=True`` the backward formulas are recorded (they are ordinary ops),
which is how gradients of gradients work; otherwise they run under ``no_grad``.
"""
import heapq
import itertools

import numpy as np

from . import anomaly, grad_mode
from .tensor import Tensor


def _node(t):
    return t if t.creator is None else (t.creator, t.output_index)


def _initial_grads(outputs, grad_outputs, where):
    if isinstance(outputs, Tensor):
        outputs = [outputs]
    outputs = list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or isinstance(grad_outputs, np.ndarray):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{where}: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    grads = {}
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{where}: output {i} is a {type(out).__name__}, not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(f"{where}: output {i} does not require grad and has no creator "
                               "(was it computed under no_grad, or from inputs without requires_grad?)")
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(f"{where}: grad can be created implicitly only for one-element outputs; "
                                   f"output {i} has shape {out.shape}; pass grad_outputs")
            g = Tensor(np.ones_like(out.data))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=out.dtype))
        if g.shape != out.shape:
            raise ValueError(f"{where}: grad_outputs[{i}] has shape {g.shape} but output {i} has shape {out.shape}")
        if g.dtype != out.dtype:
            raise TypeError(f"{where}: grad_outputs[{i}] has dtype {g.dtype} but output {i} has dtype {out.dtype}")
        key = _node(out)
        grads[key] = grads[key] + g if key in grads else g
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
        if f in reached:
            continue
        if f.inputs is None:
            raise RuntimeError(_FREED)
        reached.add(f)
        stack.extend([x.creator for x in f.inputs if x.creator is not None])
    needed = set()
    for f in sorted(reached, key=_generation):
        for x in f.inputs:
            if _node(x) in targets or x.creator in needed:
                needed.add(f)
                break
    return needed


def _generation(f):
    return f.generation


_FREED = ("Trying to backward through the graph a second time (or to use its gradients after they were freed). "
          "Pass retain_graph=True to the first backward/grad call if you need to do this.")


def _run(outputs, grads, targets, retain_graph, create_graph):
    """Propagate ``grads`` from ``outputs`` down the graph; returns the grads table
    holding the gradients of the leaves (and of ``targets`` when given).

    The loop body runs once per function of the graph, so it avoids per-input helper
    calls; the steps are: pop the function of highest generation, collect its output
    gradients (kept for ``targets``, otherwise freed), ask its backward for the wanted
    input gradients, sum each one down to its input's shape and add it to that input's
    node, and schedule the input's creator."""
    from ..ops.shape import sum_to  # ops sit above autograd; import at use

    needed = None if targets is None else _functions_leading_to(outputs, targets)
    keep = targets if targets is not None else ()
    counter = itertools.count()
    heap = []
    seen = set()
    for o in outputs:
        f = o.creator
        if f is not None and f not in seen and (needed is None or f in needed):
            seen.add(f)
            heapq.heappush(heap, (-f.generation, next(counter), f))

    with grad_mode.set_grad_enabled(create_graph):
        while heap:
            f = heapq.heappop(heap)[2]
            inputs = f.inputs
            if inputs is None:
                raise RuntimeError(_FREED)
            gys = [grads.get(key) if key in keep else grads.pop(key, None)
                   for key in [(f, i) for i in range(len(f._output_refs))]]
            if all([g is None for g in gys]):
                continue
            # an input's gradient is wanted if it requires grad and, for grad(inputs=...),
            # leads to a target: it is one, or its creator is a needed function
            if needed is None:
                f.needs_input_grad = need = tuple([x.requires_grad for x in inputs])
            else:
                f.needs_input_grad = need = tuple([x.requires_grad and (x.creator in needed or _node(x) in targets)
                                                   for x in inputs])
            gxs = _call_backward(f, gys) if anomaly._enabled else f.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            if len(gxs) != len(inputs):
                raise RuntimeError(f"{type(f).__name__}.backward returned {len(gxs)} gradients for {len(inputs)} inputs")
            if anomaly._enabled:
                anomaly.check(f, inputs, [None if g is None else g.data for g in gxs], "backward")
            for x, gx, want in zip(inputs, gxs, need):
                if gx is None or not want:
                    continue
                if gx.data.shape != x.data.shape:
                    gx = sum_to(gx, x.data.shape)
                g = x.creator
                key = x if g is None else (g, x.output_index)
                old = grads.get(key)
                if old is None:
                    grads[key] = gx
                else:
                    grads[key] = old + gx if create_graph else Tensor(old.data + gx.data)
                if g is not None and g not in seen and (needed is None or g in needed):
                    seen.add(g)
                    heapq.heappush(heap, (-g.generation, next(counter), g))
            if not retain_graph:
                f.release()
    return grads


def _call_backward(f, gys):
    """``f.backward`` under ``detect_anomaly``: a NaN made inside the formula names ``f``."""
    try:
        return f.backward(*gys)
    except FloatingPointError as exc:  # an op inside the backward formula made NaN/inf
        shapes = ", ".join(str(x.shape) for x in f.inputs)
        raise FloatingPointError(f"detect_anomaly: in {type(f).__name__}.backward (input shapes: {shapes}): "
                                 f"{exc}") from None


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of
    ``inputs`` when given), as ``torch.autograd.backward``. Calling it twice adds up."""
    outputs, grads = _initial_grads(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    targets = None if inputs is None else {_node(x) for x in inputs}
    grads = _run(outputs, grads, targets, retain_graph, create_graph)
    for key, g in grads.items():
        if isinstance(key, Tensor) and key.requires_grad and (targets is None or key in targets):
            if not create_graph:
                g = g.detach()
            if key.grad is None:
                key.grad = g
            elif create_graph:
                key.grad = key.grad + g
            else:
                key.grad = Tensor(key.grad.data + g.data)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple), without touching
    any ``.grad`` — as ``torch.autograd.grad``. ``create_graph=True`` returns gradients
    that are themselves differentiable (double backprop, e.g. a gradient penalty).
    Only the part of the graph that leads to ``inputs`` is walked."""
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(x).__name__}, not a Tensor")
        if not x.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] (shape {x.shape}) does not require grad")
    outputs, grads = _initial_grads(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    targets = {_node(x) for x in inputs}
    grads = _run(outputs, grads, targets, retain_graph, create_graph)
    result = []
    for i, x in enumerate(inputs):
        g = grads.get(_node(x))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: inputs[{i}] (shape {x.shape}) was not used to compute the outputs; "
                               "pass allow_unused=True to get None for it")
        if g is not None and not create_graph and g.creator is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)
