"""``locally_constant(fn, *tensors, **params)``: a value computed from the data that the
gradient treats as a constant -- ReLU's mask [x > 0], abs's sign, the condition of
maximum and clamp, the ties of max, argmax's indices, a comparison's booleans, dropout's
mask. It is no node of the graph (it runs under ``no_grad``).

In eager code this could be ``Tensor(fn(x.data))``. It is a Function call instead because
a captured step (``npgan.compile``) records Function calls: there the mask is recomputed
from the new data at every replay, where an array made outside any op would be replayed
as the traced constant.
"""
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad


class LocallyConstant(Function):
    """y = fn(*arrays, **params); never recorded in the graph, so it has no backward."""

    def __init__(self, fn, params):
        self.fn, self.params = fn, params

    def forward(self, *arrays):
        return self.fn(*arrays, **self.params)


def locally_constant(fn, *tensors, **params):
    """``fn(*[t.data for t in tensors], **params)`` as a Tensor outside the graph."""
    with no_grad():
        return LocallyConstant(fn, params)(*tensors)
