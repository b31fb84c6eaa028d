"""The version counter (PyTorch's ``_version`` model): every in-place write through
npgan's API counts; a backward whose kept tensors were written since the forward raises a
RuntimeError naming the op and the tensor, before any gradient is stored; normal use
(writes after the backward, optimizer loops, double backprop) never trips it. And the
in-place methods themselves, against NumPy."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.autograd.inplace import increment_version
from npgan.optim import SGD, Adam


def f64(values, requires_grad=True):
    return ng.tensor(values, dtype=np.float64, requires_grad=requires_grad)


# every way of writing a leaf in place through the API; each takes the leaf
WRITERS = {
    "mul_": lambda x: x.mul_(10.0),
    "add_": lambda x: x.add_(1.0),
    "sub_": lambda x: x.sub_(f64([1.0, 1.0, 1.0], requires_grad=False), alpha=0.5),
    "div_": lambda x: x.div_(3.0),
    "copy_": lambda x: x.copy_(f64([10.0, 10.0, 10.0], requires_grad=False)),
    "fill_": lambda x: x.fill_(10.0),
    "zero_": lambda x: x.zero_(),
    "clamp_": lambda x: x.clamp_(max=0.5),
    "view": lambda x: x.reshape(3, 1).mul_(10.0),  # a view shares x's counter
    "detach": lambda x: x.detach().mul_(10.0),  # so does detach(), as in PyTorch
    "init.normal_": lambda x: nn.init.normal_(x),
    "increment_version": lambda x: increment_version(x),
}


@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_a_write_between_forward_and_backward_raises_and_stores_nothing(write):
    x = f64([1.0, 2.0, 3.0])
    y = (x * x).sum()
    with ng.no_grad():
        write(x)
    with pytest.raises(RuntimeError, match=r"Mul\.backward: its input 0 \(a leaf, shape \(3,\), float64\) was "
                                           r"changed in place after the forward \(it is at version 1, the "
                                           r"forward saw version 0\)"):
        y.backward()
    assert x.grad is None


def test_without_a_write_the_gradient_is_2x_and_writes_after_backward_are_fine():
    x = f64([1.0, 2.0, 3.0])
    y = (x * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])
    with ng.no_grad():
        x.mul_(10.0)  # the graph is released: nothing kept x
    assert x._version == 1
    (x * x).sum().backward()  # a new forward sees version 1
    np.testing.assert_array_equal(x.grad.data, [2.0 + 20.0, 4.0 + 40.0, 6.0 + 60.0])


def test_retained_graph_refuses_a_second_backward_after_a_write():
    x = f64([1.0, 2.0])
    y = (ng.exp(x) * x).sum()
    y.backward(retain_graph=True)
    with ng.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_grad_refuses_too():
    x = f64([1.0, 2.0])
    y = ng.tanh(x).sum()
    with ng.no_grad():
        x.fill_(0.0)
    with pytest.raises(RuntimeError, match=r"Tanh\.backward: its input 0"):
        ng.grad(y, [x])


def test_scaling_a_saved_output_in_place_raises():
    """Exp keeps its output y = exp(x) for its backward (dx = gy * y)."""
    x = f64([0.0, 1.0, -1.0])
    y = ng.exp(x)
    with ng.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"Exp\.backward: its output 0 \(made by Exp, shape \(3,\), float64\)"):
        y.backward(ng.ones(3, dtype=np.float64))
    assert x.grad is None


def test_scaling_a_dropped_saved_output_through_a_detached_copy_raises():
    """The Function keeps the output's counter, not the Tensor: a detach() made before
    the Tensor was dropped still counts."""
    x = f64([0.5, 2.0])
    y = ng.sigmoid(x * 1.0)  # a composite; keep only a detached alias of its result
    alias = y.detach()
    s = (y * 3.0).sum()
    del y
    with ng.no_grad():
        alias.mul_(0.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        s.backward()


def test_optimizer_step_between_a_forward_and_its_backward_raises():
    """Two losses from one forward at the same parameters; stepping after the first
    backward makes the second one stale (the simultaneous-update pitfall)."""
    ng.manual_seed(0)
    model = nn.Linear(3, 2).double()
    opt = SGD(model.parameters(), lr=0.1)
    x = ng.randn(4, 3, dtype=np.float64)
    out = model(x)
    first, second = (out * out).sum(), out.sum()
    first.backward(retain_graph=True)
    versions = [p._version for p in model.parameters()]
    opt.step()
    assert [p._version for p in model.parameters()] == [v + 1 for v in versions]
    with pytest.raises(RuntimeError, match=r"a leaf, shape \((2, 3|2,)\), float64\) was changed in place"):
        second.backward()


def test_optimizer_bumps_only_the_parameters_it_updates():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert (a._version, b._version) == (1, 0)


def test_load_state_dict_between_forward_and_backward_raises():
    model = nn.Linear(2, 1).double()
    loss = model(ng.ones(3, 2, dtype=np.float64)).sum()
    model.load_state_dict({k: np.zeros_like(v) for k, v in model.state_dict().items()})
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_double_backprop_then_step_does_not_trip():
    """The WGAN-GP pattern: a penalty from grad(create_graph=True), one backward, a step,
    repeated; its gradient against the closed form for D(x) = sum(w * x^2)."""
    w = nn.Parameter(np.array([0.5, -1.5]))
    opt = SGD([w], lr=0.01)
    x = f64([1.0, 2.0])
    for _ in range(3):
        opt.zero_grad()
        d = (w * x * x).sum()
        gx, = ng.grad(d, [x], create_graph=True)
        penalty = (gx * gx).sum()  # = sum(4 w^2 x^2), d/dw = 8 w x^2
        penalty.backward()
        np.testing.assert_allclose(w.grad.data, 8 * w.data * x.data ** 2)
        opt.step()


def test_hand_writes_into_data_are_not_counted():
    """The documented contract (Tensor's docstring): ``.data`` is the user's business."""
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    x.data[...] = 10.0
    assert x._version == 0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])  # the new values, silently


def test_a_write_into_an_input_that_backward_did_not_reach_does_not_matter():
    """grad() walks only what leads to its inputs: a changed tensor elsewhere is not checked."""
    x, z = f64([1.0, 2.0]), f64([3.0])
    y = (x * x).sum() + (z * z).sum()
    with ng.no_grad():
        z.mul_(2.0)
    gx, = ng.grad(y, [x])
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])


# --- the in-place methods -----------------------------------------------------------

def test_in_place_methods_match_numpy_and_count_one_write_each():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    cases = [
        (lambda t: t.add_(ng.tensor(b, dtype=np.float64), alpha=2.0), a + 2.0 * b),
        (lambda t: t.sub_(ng.tensor(b, dtype=np.float64)), a - b),
        (lambda t: t.mul_(ng.tensor(b, dtype=np.float64)), a * b),
        (lambda t: t.div_(2.0), a / 2.0),
        (lambda t: t.clamp_(-0.5, 0.25), np.clip(a, -0.5, 0.25)),
        (lambda t: t.clamp_(min=0.0), np.maximum(a, 0.0)),
        (lambda t: t.copy_(ng.tensor(b, dtype=np.float64)), np.broadcast_to(b, a.shape)),
        (lambda t: t.fill_(3.5), np.full_like(a, 3.5)),
        (lambda t: t.zero_(), np.zeros_like(a)),
    ]
    for method, expected in cases:
        t = ng.tensor(a, dtype=np.float64)
        array = t.data
        assert method(t) is t and t.data is array  # in place: same tensor, same array
        np.testing.assert_array_equal(t.data, expected)
        assert t._version == 1


def test_in_place_float32_stays_float32():
    t = ng.tensor([1.0, 2.0])
    t.mul_(0.1).add_(ng.tensor([1.0, 1.0]), alpha=3.0)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.float32([1.0, 2.0]) * np.float32(0.1) + np.float32(3.0))


def test_in_place_on_a_tensor_that_requires_grad_needs_no_grad():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"mul_: a tensor that requires grad can't be changed in place"):
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match="add_"):
        ng.exp(x).add_(1.0)  # nor a non-leaf: npgan does not differentiate in-place writes
    assert x._version == 0
    with ng.no_grad():
        x.mul_(2.0)
    np.testing.assert_array_equal(x.data, [2.0, 4.0])


BAD = [
    (lambda t: t.add_(ng.tensor([1.0, 2.0, 3.0])), TypeError,
     r"add_: dtype mismatch: the tensor is float64, the operand float32"),
    (lambda t: t.mul_(ng.tensor(np.ones((2, 3)), dtype=np.float64)), ValueError, r"mul_: an operand of shape \(2, 3\)"),
    (lambda t: t.copy_(np.ones(3)), TypeError, r"copy_: expected a Tensor, got ndarray"),
    (lambda t: t.fill_("1"), TypeError, r"fill_: expected a real number, got str"),
    (lambda t: t.div_([1.0]), TypeError, r"div_: expected a Tensor or a real number, got list"),
    (lambda t: t.clamp_(), ValueError, r"clamp_: give min, max or both"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_in_place_arguments_raise_before_writing(call, error, message):
    t = ng.tensor([1.0, 2.0, 3.0], dtype=np.float64)
    with pytest.raises(error, match=message):
        call(t)
    np.testing.assert_array_equal(t.data, [1.0, 2.0, 3.0])
    assert t._version == 0


def test_in_place_arithmetic_needs_a_float_tensor_and_read_only_arrays_are_refused():
    labels = ng.tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="mul_: in-place arithmetic needs a float32 or float64 tensor, got int64"):
        labels.mul_(2)
    labels.fill_(7)  # filling is fine for any dtype
    np.testing.assert_array_equal(labels.data, [7, 7])
    view = ng.tensor([1.0, 2.0]).expand(3, 2)  # a broadcast view is read-only
    with pytest.raises(ValueError, match="fill_: the tensor's array .* is read-only"):
        view.fill_(0.0)


def test_a_broadcast_view_shares_its_input_counter_even_where_the_walk_does_not_reach_the_input():
    """grad(z, [w]) walks only Mul, which kept y = x.expand(...), a view of x's memory:
    y must see x's write, or gw = gy * y would silently use the new x."""
    x, w = f64([1.0, 2.0]), f64(np.ones((3, 2)))
    y = x.expand(3, 2)
    z = (y * w).sum()
    with ng.no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"Mul\.backward: its input 0 \(made by BroadcastTo"):
        ng.grad(z, [w])


def test_a_reshape_that_copies_keeps_its_own_counter():
    x = f64(np.arange(6.0).reshape(2, 3))
    t = x.T.reshape(6)  # x.T is not contiguous: NumPy copies, so t does not alias x
    assert not np.shares_memory(t.data, x.data)
    y = (x * x).sum()
    with ng.no_grad():
        t.detach().mul_(0.0)  # writes t's own array, not x's
    assert x._version == 0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * np.arange(6.0).reshape(2, 3))
