"""The recorder (what ``trace`` hears), the two-trace check and the replay of a step."""
import numpy as np

from ..autograd import capture, grad_mode
from ..autograd.tensor import Tensor
from .. import random as npgan_random


class CaptureError(RuntimeError):
    """The step cannot be captured (data-dependent Python, stateful op, ...)."""


class Recorder:
    """Turns a traced call into a program: ``ops`` entries (name, call, in_slots, out_slots);
    a slot is ("in", i), ("op", k), ("ext", array) for an outside array. Entries without
    outputs are effects: writing a leaf's ``.grad``, an optimizer's ``zero_grad``/``step``."""

    def __init__(self, inputs):
        self.slot = {id(x.data): ("in", i) for i, x in enumerate(inputs)}
        self.keep = [x.data for x in inputs]  # alive while tracing, so ids stay unique
        self.ops, self.n = [], 0

    def _in(self, a):
        return self.slot.get(id(a)) or ("ext", a)

    def _out(self, arrays):
        slots = []
        for a in arrays:
            self.slot[id(a)] = ("op", self.n)
            self.keep.append(a)
            slots.append(("op", self.n))
            self.n += 1
        return slots

    def op(self, f, inputs, arrays):
        state = [k for k, v in vars(f).items() if isinstance(v, np.ndarray) and k != "_output_data"]
        if state:
            raise CaptureError(f"{type(f).__name__} keeps arrays on itself ({', '.join(state)}): "
                               "its replay would reuse stale values")
        self.ops.append((type(f).__name__, f.forward, [self._in(x.data) for x in inputs], self._out(arrays)))

    def raw(self, fn, *arrays):
        result = fn(*arrays)
        self.ops.append((fn.__name__, fn, [self._in(a) for a in arrays], self._out([result])))
        return Tensor(result)

    def draw(self, generator, method, args, kwargs, data):
        def source():
            g = generator or npgan_random.default_generator()
            return getattr(g, method)(*args, **kwargs)
        self.ops.append((f"draw {method}", source, [], self._out([data])))

    def set_grad(self, leaf, create_graph):
        """backward() just wrote ``leaf.grad``: replay writes the same slot's array there."""
        if create_graph:
            raise CaptureError("backward(create_graph=True) inside a captured step")
        def write(array):
            leaf.grad = Tensor(array)
        self.ops.append(("set .grad", write, [self._in(leaf.grad.data)], []))

    def effect(self, name, call, closure=None):
        """An optimizer's zero_grad or step: at replay, call it again (one kernel call
        per parameter group, in place on the parameters and their states)."""
        if closure is not None:
            raise CaptureError(f"{name} with a closure inside a captured step")
        self.ops.append((name, call, [], []))


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


def _same(slot1, slot2):
    if slot1[0] != slot2[0]:
        return False
    if slot1[0] != "ext":
        return slot1 == slot2
    a, b = slot1[1], slot2[1]
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))


def _check(r1, outs1, r2, outs2):
    """Raise CaptureError at the first op where the two traces differ."""
    for k, (e1, e2) in enumerate(zip(r1.ops, r2.ops)):
        if e1[0] != e2[0] or len(e1[2]) != len(e2[2]) or not all(map(_same, e1[2], e2[2])):
            raise CaptureError(f"op {k} ({e1[0]} vs {e2[0]}) differs between two traces: data-dependent "
                               "Python control flow or a constant computed from the data")
    if len(r1.ops) != len(r2.ops):
        raise CaptureError(f"the two traces have {len(r1.ops)} and {len(r2.ops)} ops: data-dependent control flow")
    if not all(map(_same, outs1, outs2)):
        raise CaptureError("the step's outputs differ between two traces")


class CompiledStep:
    """``step(*inputs)``: traced on the first two calls per signature, replayed after."""

    def __init__(self, fn):
        self.fn, self.programs, self.first = fn, {}, {}

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
            _check(*self.first.pop(key), recorder, outs)
            self.programs[key] = ([(call, ins, len(o)) for _, call, ins, o in recorder.ops], outs, single)
        else:
            self.first[key] = (recorder, outs)
        return result

    @staticmethod
    def _replay(program, inputs):
        ops, outs, single = program
        values = []
        for call, ins, n_out in ops:
            args = [x[1] if x[0] == "ext" else (inputs[x[1]].data if x[0] == "in" else values[x[1]]) for x in ins]
            result = call(*args)
            if n_out == 0:
                continue
            if n_out == 1 and not isinstance(result, tuple):
                values.append(np.asarray(result))
            else:
                values.extend([np.asarray(a) for a in result])
        arrays = [x[1] if x[0] == "ext" else (inputs[x[1]].data if x[0] == "in" else values[x[1]]) for x in outs]
        tensors = [Tensor(a) for a in arrays]
        return tensors[0] if single else tuple(tensors)


def compile(fn):
    """A captured version of ``fn`` (a function of Tensors returning Tensor(s)); see the
    package docstring for what it can capture."""
    return CompiledStep(fn)
