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

A recorded call keeps what backward needs, explicitly, until ``release()``:
``self.inputs`` (the input Tensors); ``self.needs_input_grad[i]``, whether input i's
gradient is wanted (set from the inputs at the forward, narrowed by ``grad()`` to those
that lead where it was asked), so backward can skip the rest; and, for an op that sets
``retain_output``, the output *arrays* behind ``self.output()``. The outputs themselves
are held by weak references only (no reference cycle: a dropped graph is freed at once).
So ``y.creator.backward(gy)`` can be called by hand while the graph is kept;
``input_grads``, which the engine calls, adds the checks. One of them: no kept tensor was
written in place since the forward (``npgan.autograd.inplace``). Every input counts as
kept, since ``self.inputs`` holds them all; PyTorch saves only what each backward reads,
so it lets ``a + b`` through after a write to ``b``, npgan does not.
"""
import weakref

import numpy as np

from . import anomaly, capture, grad_mode, inplace
from .tensor import Tensor

FREED = ("Trying to backward through the graph a second time (or to use its gradients after they were freed). "
         "Pass retain_graph=True to the first backward/grad call if you need to do this.")


class Function:
    retain_output = False   # backward calls self.output(): keep the output arrays
    output_is_view = False  # output 0 may view input 0's array (reshape, ...): if so, they share a version counter
    inputs = None           # the input Tensors of a recorded call, until release()
    needs_input_grad = ()
    num_outputs = 0
    generation = 0

    def __call__(self, *inputs):
        """Run ``forward`` on the inputs' arrays and wrap its result(s) in Tensors. If
        gradients are recorded and some input requires grad, this call becomes the
        outputs' creator and keeps what its backward needs."""
        arrays = self.forward(*[x.data for x in inputs])
        single = not isinstance(arrays, tuple)
        arrays = [a if type(a) is np.ndarray else np.asarray(a) for a in ((arrays,) if single else arrays)]
        if anomaly._enabled:
            anomaly.check(self, inputs, arrays, "forward")
        if capture.recorder is not None:
            capture.recorder.op(self, inputs, arrays)
        record = grad_mode._enabled and any([x.requires_grad for x in inputs])
        if record:
            self.generation = max([x.generation for x in inputs])  # before the outputs take theirs
        outputs = [Tensor(a, record, self if record else None, i) for i, a in enumerate(arrays)]
        if self.output_is_view and np.may_share_memory(arrays[0], inputs[0].data):
            outputs[0]._version_counter = inputs[0]._version_counter
        if record:
            self._keep(inputs, outputs, arrays)
        return outputs[0] if single else tuple(outputs)

    def _keep(self, inputs, outputs, arrays):
        """Keep what backward needs (module docstring), with the versions of the kept tensors."""
        self.inputs = inputs
        self.needs_input_grad = tuple([x.requires_grad for x in inputs])
        self.num_outputs = len(outputs)
        self._output_refs = [weakref.ref(t) for t in outputs]
        kept = inputs + tuple(outputs) if self.retain_output else inputs
        self._counters = [t._version_counter for t in kept]
        self._versions = [c[0] for c in self._counters]
        if self.retain_output:
            self._output_data = arrays

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
            t._version_counter = self._counters[len(self.inputs) + index]
        return t

    def kept_inputs(self):
        """``self.inputs``, or a RuntimeError saying why they are not kept."""
        if self.inputs is None:
            raise RuntimeError(FREED if self.num_outputs else
                               f"{type(self).__name__}: this call was not recorded (under no_grad, or no input "
                               "required grad), so it has no backward")
        return self.inputs

    def input_grads(self, grad_outputs, needs_input_grad=None):
        """``backward(*grad_outputs)`` (a Tensor or None per output) as the engine runs it:
        the graph must be kept and no kept tensor written in place since the forward;
        ``needs_input_grad`` (if given) replaces the flags; under ``detect_anomaly`` the
        gradients are checked. Returns a tuple of one gradient (Tensor or None) per input."""
        inputs = self.kept_inputs()
        if [c[0] for c in self._counters] != self._versions:
            raise inplace.modified_error(self, self._counters, self._versions)
        if needs_input_grad is not None:
            self.needs_input_grad = needs_input_grad
        grads = anomaly.call_backward(self, grad_outputs) if anomaly._enabled else self.backward(*grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(f"{type(self).__name__}.backward returned {len(grads)} gradients "
                               f"for {len(inputs)} inputs")
        if anomaly._enabled:
            anomaly.check(self, inputs, [None if g is None else g.data for g in grads], "backward")
        return grads

    def release(self):
        """Drop what backward needs: called after a backward pass without ``retain_graph``."""
        self.inputs = None
        self._output_data = None
