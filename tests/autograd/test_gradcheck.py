"""The checkers themselves: they pass right gradients and catch wrong ones."""
import numpy as np
import pytest

import npgan as ng
from npgan.autograd.function import Function


def _x(shape=(3, 4), seed=0):
    return ng.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


class ScaledExp(Function):
    """exp with a backward scaled by ``scale`` (1.01 is a wrong gradient)."""
    retain_output = True

    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * self.output() * self.scale


class SquareDataBackward(Function):
    """x^2 with a first derivative right in value but built from ``.data`` (a dropped
    term): first order passes, second order must fail."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * ng.Tensor(2.0 * self.inputs[0].data)


class MulDroppedTerm(Function):
    """a * b whose backward forgets the gradient for b."""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return gy * b, gy * 0.0


def test_right_gradient_passes():
    assert ng.gradcheck(lambda x: ScaledExp(1.0)(x), [_x()])
    assert ng.gradgradcheck(lambda x: ScaledExp(1.0)(x), [_x()])


def test_scaled_backward_fails_with_a_precise_message():
    with pytest.raises(ng.GradcheckError) as info:
        ng.gradcheck(lambda x: ScaledExp(1.01)(x), [_x()])
    msg = str(info.value)
    assert "input 0" in msg and "analytical" in msg and "numerical" in msg and "input index (" in msg


def test_scaled_backward_returns_false_without_raising():
    assert ng.gradcheck(lambda x: ScaledExp(1.01)(x), [_x()], raise_exception=False) is False


def test_dropped_term_fails_first_order():
    a, b = _x((2, 3), 1), _x((2, 3), 2)
    with pytest.raises(ng.GradcheckError, match="input 1"):
        ng.gradcheck(lambda a, b: MulDroppedTerm()(a, b), [a, b])


def test_non_differentiable_backward_fails_second_order_only():
    x = _x((4,))
    assert ng.gradcheck(lambda x: SquareDataBackward()(x), [x])
    with pytest.raises(ng.GradcheckError):
        ng.gradgradcheck(lambda x: SquareDataBackward()(x), [x])


def test_gradgradcheck_catches_wrong_second_derivative_in_gy():
    """A backward that is right at gy = 1 only (ignores gy): the checker's random
    upstream gradient exposes it."""
    class IgnoresUpstream(Function):
        def forward(self, x):
            return x * 3.0

        def backward(self, gy):
            return ng.ones_like(gy) * 3.0

    x = _x((3,))
    with pytest.raises(ng.GradcheckError):
        ng.gradcheck(lambda x: (IgnoresUpstream()(x) * ng.tensor([1.0, 2.0, -1.0], dtype=np.float64)).sum(), [x])


def test_float32_inputs_are_refused():
    with pytest.raises(TypeError, match="float64"):
        ng.gradcheck(ng.exp, [ng.tensor([1.0, 2.0], requires_grad=True)])


def test_no_differentiable_input_is_an_error():
    with pytest.raises(ValueError, match="requires_grad"):
        ng.gradcheck(ng.exp, [ng.tensor([1.0], dtype=np.float64)])


def test_multiple_outputs_and_non_differentiable_inputs():
    a, b = _x((2, 2), 3), _x((2, 2), 4)
    c = ng.tensor(np.ones((2, 2)), dtype=np.float64)
    assert ng.gradcheck(lambda a, b, c: (a * b + c, ng.tanh(a) * c), [a, b, c])
    assert ng.gradgradcheck(lambda a, b, c: (a * b + c, ng.tanh(a) * c), [a, b, c])
