"""``Function``: one differentiable op = a forward on arrays + a backward on Tensors.

    class Exp(Function):
        retain_output = True                   # backward reads y = exp(x)
        def forward(self, x):                  # NumPy arrays in, array(s) out
            return np.exp(x)
        def backward(self, gy):                # Tensors in, one Tensor-or-None per input
            return gy * self.output()          # d exp(x)/dx = exp(x), written with ops

Because ``backward`` is written with differentiable ops, running it while the graph is
recorded (``create_graph=True``) builds the graph of the gradient itself: gradients of
gradients of any order need no extra code.

Retention is explicit: ``self.inputs`` keeps the input Tensors; an op that needs its
output sets ``retain_output`` and calls ``self.output()``, which keeps only the output
*array* and a weak reference to the output Tensor (no reference cycle, so a dropped
graph is freed at once). ``self.needs_input_grad[i]`` tells ``backward`` which input
gradients are wanted, so it can skip the rest.
"""
import weakref

import numpy as np

from . import anomaly, grad_mode
from .tensor import Tensor


class Function:
    retain_output = False
    inputs = None
    needs_input_grad = ()
    generation = 0

    def __call__(self, *inputs):
        """Run ``forward`` on the inputs' arrays; record the graph if any input needs it.

        This runs for every op, forward and (recorded or not) backward, so it is written
        for speed: list comprehensions rather than generators, the single-output case
        first, and nothing kept when nothing is recorded (the no_grad path, which every
        backward pass without ``create_graph`` takes, is a forward plus a Tensor)."""
        outs = self.forward(*[x.data for x in inputs])
        single = not isinstance(outs, tuple)
        if single:
            outs = (outs if type(outs) is np.ndarray else np.asarray(outs),)
        else:
            outs = tuple([o if type(o) is np.ndarray else np.asarray(o) for o in outs])
        if anomaly._enabled:
            anomaly.check(self, inputs, outs, "forward")
        if grad_mode._enabled and any([x.requires_grad for x in inputs]):
            self.inputs = inputs
            self.generation = max([x.generation for x in inputs])
            outputs = [Tensor(o, True, self, i) for i, o in enumerate(outs)]
            self._output_refs = [weakref.ref(t) for t in outputs]
            if self.retain_output:
                self._output_data = outs
            return outputs[0] if single else tuple(outputs)
        if single:
            return Tensor(outs[0])
        return tuple([Tensor(o) for o in outs])

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    def output(self, index=0):
        """The output Tensor ``index`` as a graph node (rebuilt from the retained array
        if the caller dropped it), for backward formulas that use the output."""
        t = self._output_refs[index]()
        if t is None:
            t = Tensor(self._output_data[index], True, self, index)
        return t

    def release(self):
        """Drop what backward needs: called after a backward pass without ``retain_graph``."""
        self.inputs = None
        self._output_data = None

