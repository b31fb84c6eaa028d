"""Function's own interface: what a recorded call keeps (inputs, needs_input_grad, the
number of outputs), backward called by hand, ``input_grads`` (the checked call the engine
makes) and its errors; and the dtype rules of the ways to make a leaf."""
import numpy as np
import pytest

import npgan as ng
from npgan.autograd.function import Function


def f64(values, requires_grad=True):
    return ng.tensor(values, dtype=np.float64, requires_grad=requires_grad)


def test_backward_by_hand_after_a_recorded_forward():
    """d(a*b)/da = b, d(a*b)/db = a; with only a requiring grad, the forward sets
    needs_input_grad = (True, False) and Mul's backward skips b's gradient."""
    a, b = f64([1.0, -2.0]), f64([3.0, 0.5], requires_grad=False)
    y = a * b
    f = y.creator
    assert f.inputs == (a, b) and f.needs_input_grad == (True, False) and f.num_outputs == 1
    gy = f64([1.0, 10.0], requires_grad=False)
    ga, gb = f.backward(gy)
    np.testing.assert_array_equal(ga.data, [3.0, 5.0])
    assert gb is None


def test_backward_by_hand_of_an_op_that_uses_its_output():
    x = f64([0.0, 1.0])
    y = ng.exp(x)
    gx = y.creator.backward(ng.ones(2, dtype=np.float64))
    np.testing.assert_allclose(gx.data, np.exp([0.0, 1.0]), rtol=1e-15)


def test_input_grads_narrows_needs_input_grad_and_returns_a_tuple():
    a, b = f64([2.0]), f64([5.0])
    f = (a * b).creator
    assert f.needs_input_grad == (True, True)
    ga, gb = f.input_grads([f64([1.0], requires_grad=False)], (False, True))
    assert ga is None and f.needs_input_grad == (False, True)
    np.testing.assert_array_equal(gb.data, [2.0])
    gx, = ng.exp(a).creator.input_grads([f64([1.0], requires_grad=False)])  # one input: still a tuple
    np.testing.assert_allclose(gx.data, np.exp([2.0]), rtol=1e-15)


def test_input_grads_after_the_graph_was_freed_says_so():
    x = f64([1.0, 2.0])
    y = ng.exp(x)
    y.sum().backward()
    assert y.creator.inputs is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.creator.input_grads([ng.ones(2, dtype=np.float64)])


def test_input_grads_of_a_call_that_was_not_recorded_says_so():
    x = f64([1.0, 2.0])
    f = ng.ops.elementwise.Exp()
    with ng.no_grad():
        f(x)
    with pytest.raises(RuntimeError, match=r"Exp: this call was not recorded \(under no_grad, or no input "
                                           r"required grad\)"):
        f.input_grads([ng.ones(2, dtype=np.float64)])


class TwoGradsForOneInput(Function):
    def forward(self, x):
        return 2 * x

    def backward(self, gy):
        return gy, gy


def test_a_backward_returning_the_wrong_number_of_gradients_is_named():
    y = TwoGradsForOneInput()(f64([1.0]))
    with pytest.raises(RuntimeError, match="TwoGradsForOneInput.backward returned 2 gradients for 1 inputs"):
        y.sum().backward()


def test_multi_output_function_counts_its_outputs():
    class Split(Function):
        def forward(self, x):
            return x[:1].copy(), x[1:].copy()

        def backward(self, g0, g1):
            zero = np.zeros(1)
            return ng.cat([g0 if g0 is not None else ng.tensor(zero, dtype=np.float64),
                           g1 if g1 is not None else ng.tensor(zero, dtype=np.float64)])

    x = f64([1.0, 2.0])
    first, second = Split()(x)
    assert first.creator is second.creator and first.creator.num_outputs == 2
    (second * 3.0).sum().backward()  # first got no gradient: backward sees None for it
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0])


# --- dtype rules of every way to make a leaf ---------------------------------------

@pytest.mark.parametrize("array", [np.arange(3), np.array([True, False]), np.zeros(2, np.float16)],
                         ids=["int64", "bool", "float16"])
def test_tensor_constructor_refuses_requires_grad_on_what_tensor_refuses(array):
    with pytest.raises(TypeError, match=rf"tensor: .*{array.dtype}"):
        ng.tensor(array, requires_grad=True)
    with pytest.raises(TypeError, match=rf"Tensor: only floating-point tensors \(float32, float64\) can require "
                                        rf"gradients, got dtype {array.dtype}"):
        ng.Tensor(array, requires_grad=True)


def test_tensor_constructor_with_requires_grad_needs_an_array():
    with pytest.raises(TypeError, match="Tensor: data must be a numpy.ndarray, got list"):
        ng.Tensor([1.0, 2.0], requires_grad=True)
    assert ng.Tensor(np.zeros(2, np.float32), requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", [np.float16, np.complex128, np.longdouble, object])
def test_from_numpy_and_tensor_refuse_the_same_dtypes(dtype):
    if np.dtype(dtype) == np.float64:  # platforms where longdouble is double
        pytest.skip("longdouble is float64 here")
    array = np.zeros(3, dtype=dtype)
    with pytest.raises(TypeError, match=rf"from_numpy: unsupported dtype {np.dtype(dtype)}; npgan computes in "
                                        r"float32 or float64"):
        ng.from_numpy(array)
    with pytest.raises(TypeError, match=rf"tensor: unsupported dtype {np.dtype(dtype)}"):
        ng.tensor(array)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.bool_])
def test_from_numpy_keeps_the_dtypes_tensor_keeps_and_shares_memory(dtype):
    array = np.zeros(3, dtype=dtype)
    t = ng.from_numpy(array)
    assert t.data is array and t.dtype == ng.tensor(array).dtype == dtype


def test_requires_grad_underscore_follows_the_same_rule():
    with pytest.raises(TypeError, match="requires_grad_: only floating-point tensors"):
        ng.from_numpy(np.arange(2)).requires_grad_()
    assert ng.from_numpy(np.zeros(2)).requires_grad_().requires_grad
