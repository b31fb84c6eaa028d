"""The recorder (what ``trace`` hears), the two-trace check and the replay of a step."""
import weakref

import numpy as np

from ..autograd import capture, grad_mode
from ..autograd.tensor import Tensor
from .why import changed_constant


class CaptureError(RuntimeError):
    """The step cannot be captured (data-dependent Python, stateful op, ...)."""


# What Function.__call__ and the engine keep on a Function for its backward: not part of
# what the op computes, so not compared between the two traces.
_BOOKKEEPING = {"inputs", "needs_input_grad", "num_outputs", "generation", "_output_refs", "_counters",
                "_versions", "_output_data"}


class Entry:
    """One step of the program: ``call(*ins)`` puts its results in the next ``n_out`` slots
    (``n_out == 0``: an effect, e.g. writing a leaf's ``.grad`` or an in-place write).
    ``facts`` (the op's attributes, its outputs' shapes and dtypes) must be equal in the two
    traces."""
    __slots__ = ("name", "call", "ins", "n_out", "facts")

    def __init__(self, name, call, ins, n_out, facts=()):
        self.name, self.call, self.ins, self.n_out, self.facts = name, call, ins, n_out, facts


class Recorder:
    """Turns a traced call into a list of ``Entry``; a slot is ("in", i), ("op", k) or
    ("ext", value) for an outside array or a Python value."""

    def __init__(self, inputs):
        # id(array) -> (a weak reference to it, its slot): the step's intermediates die as in
        # eager mode, and an id a dead array leaves behind names no slot
        self.slot = {}
        for i, x in enumerate(inputs):
            self.slot[id(x.data)] = (weakref.ref(x.data), ("in", i))
        self.entries, self.n = [], 0
        self.before = {}  # id -> (outside array, its values before the step's first write into it)
        self.optimizers = []  # whose step() the trace recorded: a refusal looks there for a stale copy

    def _in(self, a):
        named = self.slot.get(id(a))
        return named[1] if named is not None and named[0]() is a else ("ext", a)

    def _traced(self, a):
        """``a`` is an input of the step or made by a recorded op."""
        return self._in(a)[0] != "ext"

    def _out(self, arrays):
        for a in arrays:
            self.slot[id(a)] = (weakref.ref(a), ("op", self.n))
            self.n += 1
        return [(a.shape, a.dtype.str) for a in arrays]

    def op(self, f, inputs, arrays):
        """A Function's forward ran on ``inputs``: replay calls it again."""
        name = type(f).__name__
        state = {k: v for k, v in vars(f).items() if k not in _BOOKKEEPING}
        for k, v in state.items():
            if isinstance(v, np.ndarray) and self._traced(v):
                raise CaptureError(f"{name} keeps an array of this step ({k}) on itself, outside its inputs: "
                                   "its replay would use the traced values")
        ins = [self._in(x.data) for x in inputs]
        self.entries.append(Entry(name, f.forward, ins, len(arrays), (state, self._out(arrays))))

    def raw(self, fn, *arrays):
        """The engine's own array work (adding gradients, the seed of ones)."""
        result = fn(*arrays)
        ins = [self._in(a) for a in arrays]
        self.entries.append(Entry(fn.__name__, fn, ins, 1, self._out([result])))
        return Tensor(result)

    def source(self, sample, arrays):
        """A random draw (``npgan.random.draw``): a source, ``sample()`` called again at each
        replay, so the draws are fresh and follow eager's stream."""
        self.entries.append(Entry("draw", sample, [], len(arrays), self._out(arrays)))

    def write(self, write, target, operands):
        """An in-place write ``write(target, *operands)`` (``npgan.autograd.inplace``),
        about to happen: replay writes into the same slot's array."""
        if not self._traced(target) and id(target) not in self.before:
            self.before[id(target)] = (target, target.copy())
        ins = [self._in(target)] + [self._in(a) for a in operands]
        self.entries.append(Entry(write.__name__.lstrip("_") + "_", write, ins, 0))

    def set_grad(self, leaf, create_graph):
        """backward() just wrote ``leaf.grad``: replay writes the same slot's array there."""
        if create_graph:
            raise CaptureError("backward(create_graph=True) inside a captured step")
        def write(array):
            leaf.grad = Tensor(array)
        self.entries.append(Entry("set .grad", write, [self._in(leaf.grad.data)], 0))

    def effect(self, name, call, closure=None):
        """An optimizer's zero_grad or step: at replay, call it again (one kernel call
        per parameter group, in place on the parameters and their states)."""
        if closure is not None:
            raise CaptureError(f"{name} with a closure inside a captured step")
        if hasattr(call, "__self__"):  # optimizer.step, a bound method
            self.optimizers.append(call.__self__)
        self.entries.append(Entry(name, call, [], 0))

    def refuse(self, what):
        """``what`` turns the step's data into a Python value: the trace cannot replay it."""
        raise CaptureError(f"{what} inside a captured step: it turns data into a Python value, which a "
                           "replay cannot recompute; return the Tensor and convert it after the step")


def _trace(fn, inputs):
    recorder = Recorder(inputs)
    capture.recorder = recorder
    try:
        result = fn(*inputs)
    finally:
        capture.recorder = None
    single = isinstance(result, Tensor)
    outs = [result] if single else list(result)
    for o in outs:
        if not isinstance(o, Tensor):
            raise CaptureError(f"the step returned a {type(o).__name__}; return Tensors")
    return recorder, [recorder._in(o.data) for o in outs], single, result


def _equal(a, b):
    """Values equal in the two traces (arrays by shape, dtype and entries)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, Tensor):
        return isinstance(b, Tensor) and _equal(a.data, b.data)
    return a is b or (type(a) is type(b) and a == b)


def _arrays(a, b):
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray)


def _same(r1, slot1, r2, slot2):
    """The same slot in both traces: an outside array the same object (live) or with equal
    values before the step wrote into it (a constant)."""
    if slot1[0] != slot2[0]:
        return False
    if slot1[0] != "ext":
        return slot1 == slot2
    a, b = slot1[1], slot2[1]
    return a is b or _equal(r1.before.get(id(a), (a, a))[1], r2.before.get(id(b), (b, b))[1])


def _check(r1, outs1, r2, outs2):
    """Raise CaptureError at the first op where the two traces differ."""
    for k, (e1, e2) in enumerate(zip(r1.entries, r2.entries)):
        if e1.name != e2.name or len(e1.ins) != len(e2.ins):
            raise CaptureError(f"op {k} ({e1.name} vs {e2.name}) differs between two traces: data-dependent "
                               "Python control flow")
        for i, (a, b) in enumerate(zip(e1.ins, e2.ins)):
            if not _same(r1, a, r2, b):
                why = (changed_constant(i, b[1], r2.optimizers) if a[0] == b[0] == "ext" and _arrays(a[1], b[1])
                       else f"its input {i} comes from elsewhere: data-dependent Python control flow")
                raise CaptureError(f"op {k} ({e1.name}) differs between two traces: {why}")
        if not _equal(e1.facts, e2.facts):
            raise CaptureError(f"op {k} ({e1.name}) has other attributes or output shapes in the second trace: "
                               "it keeps values computed from the data on itself, or its shapes depend on the data")
    if len(r1.entries) != len(r2.entries):
        raise CaptureError(f"the two traces have {len(r1.entries)} and {len(r2.entries)} ops: "
                           "data-dependent control flow")
    if not all(_same(r1, a, r2, b) for a, b in zip(outs1, outs2)):
        raise CaptureError("the step's outputs differ between two traces")


def _restores(r1, r2):
    """Outside arrays the step writes in place that are constants (not the same object in
    both traces, e.g. made by ``npgan.zeros`` inside the step): replay starts them again
    from their values before the write."""
    restores = []
    for e1, e2 in zip(r1.entries, r2.entries):
        if e2.n_out == 0 and e2.ins and e2.ins[0][0] == "ext" and e1.ins[0][1] is not e2.ins[0][1]:
            restores.append(r2.before[id(e2.ins[0][1])])
    return restores


class CompiledStep:
    """``step(*inputs)``: traced on the first two calls per signature, replayed after."""

    def __init__(self, fn):
        self.fn, self.programs, self.first = fn, {}, {}

    def captured(self, *inputs):
        """True when a call with ``inputs`` replays (its two traces are done and agreed)."""
        return self._signature(inputs) in self.programs

    def _signature(self, inputs):
        return (grad_mode.is_grad_enabled(),) + tuple((x.shape, x.dtype.str, x.requires_grad) for x in inputs)

    def __call__(self, *inputs):
        for i, x in enumerate(inputs):
            if not isinstance(x, Tensor):
                raise TypeError(f"npgan.compile: input {i} is a {type(x).__name__}, not a Tensor")
        key = self._signature(inputs)
        if key in self.programs:
            return self._replay(self.programs[key], inputs)
        recorder, outs, single, result = _trace(self.fn, inputs)
        if key in self.first:
            first, first_outs = self.first.pop(key)
            _check(first, first_outs, recorder, outs)
            ops = [(e.call, e.ins, e.n_out) for e in recorder.entries]
            self.programs[key] = (ops, _last_uses(ops, outs), outs, single, _restores(first, recorder))
        else:
            self.first[key] = (recorder, outs)
        return result

    @staticmethod
    def _replay(program, inputs):
        ops, frees, outs, single, restores = program
        for array, values in restores:
            np.copyto(array, values)
        values, n = [None] * sum(n_out for _, _, n_out in ops), 0
        for (call, ins, n_out), dead in zip(ops, frees):
            args = [x[1] if x[0] == "ext" else (inputs[x[1]].data if x[0] == "in" else values[x[1]]) for x in ins]
            result = call(*args)
            if n_out == 1 and not isinstance(result, tuple):
                values[n] = np.asarray(result)
            elif n_out:
                values[n:n + n_out] = [np.asarray(a) for a in result]
            n += n_out
            for slot in dead:
                values[slot] = None
        arrays = [x[1] if x[0] == "ext" else (inputs[x[1]].data if x[0] == "in" else values[x[1]]) for x in outs]
        tensors = [Tensor(a) for a in arrays]
        return tensors[0] if single else tuple(tensors)


def _last_uses(ops, outs):
    """For each op, the slots that no later op and no output of the step reads: the replay
    lets go of them right after that op, so an intermediate lives about as long as in
    eager mode (where the graph frees it), not until the end of the step."""
    last, n = {}, 0
    for k, (_, ins, n_out) in enumerate(ops):
        for slot in range(n, n + n_out):
            last[slot] = k  # a result nothing reads dies at once
        for x in ins:
            if x[0] == "op":
                last[x[1]] = k
        n += n_out
    kept = {x[1] for x in outs if x[0] == "op"}
    frees = [[] for _ in ops]
    for slot, k in last.items():
        if slot not in kept:
            frees[k].append(slot)
    return frees


def compile(fn):
    """A captured version of ``fn`` (a function of Tensors returning Tensor(s)); see the
    package docstring for what it can capture."""
    return CompiledStep(fn)
