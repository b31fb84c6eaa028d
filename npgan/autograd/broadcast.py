"""Broadcasting and its undo, which the engine needs: a binary op broadcasts its inputs,
so its backward returns gradients in the broadcast shape, and the engine sums each one
down to its input's shape with ``sum_to`` -- in one place, instead of in every op.

``BroadcastTo`` and ``SumTo`` are each other's backward, so every order of derivative
works. ``npgan.broadcast_to`` (in ``npgan.ops.shape``) checks its arguments and calls
``BroadcastTo``; ``npgan.sum_to`` is the ``sum_to`` here.
"""
import numpy as np

from .function import Function


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dx = sum_to(gy, x.shape)."""
    output_is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)


class SumTo(Function):
    """y = x summed over the axes that broadcasting added or stretched from 1, so that
    y.shape == shape;  dx = broadcast_to(gy, x.shape)."""
    output_is_view = True  # when no axis is summed, y is x reshaped

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        stretched = tuple(i + lead for i, n in enumerate(self.shape) if n == 1 and x.shape[i + lead] != 1)
        axes = tuple(range(lead)) + stretched
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape)

    def backward(self, gy):
        return BroadcastTo(self.inputs[0].shape)(gy)


def sum_to(x, shape):
    """x summed down to ``shape`` (the inverse of broadcasting ``shape`` to x.shape)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo(shape)(x)
