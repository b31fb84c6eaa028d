"""The training-mode ``BatchNorm`` Function: finite differences of first and second
order, through y and through its statistics outputs mu and var; second and third
derivatives against the composition of primitives it replaced; nothing computed from
x kept on the Function; float32 against float64; and PyTorch, when installed."""
import numpy as np
import pytest

import npgan as ng
from npgan.ops.normalization import BatchNorm, batch_norm
from npgan.ops.reductions import mean
from npgan.ops.shape import reshape

# (N, C) with N = 2 and odd sizes, (N, C, L), (N, C, H, W) with odd H and W
SHAPES = [(2, 3), (5, 3), (3, 2, 5), (2, 3, 3, 5)]
AFFINE = {"affine": (True, True), "no_affine": (False, False), "weight_only": (True, False),
          "bias_only": (False, True)}


def composed_batch_norm(x, weight, bias, eps=1e-5):
    """The training-mode batch norm this Function replaced: mean, sub, mul, add, sqrt and
    div, whose derivatives of every order come from those ops (the reference)."""
    dims = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mu = mean(x, dims, keepdim=True)
    centered = x - mu
    var = mean(centered * centered, dims, keepdim=True)
    y = centered / (var + eps).sqrt()
    if weight is not None:
        y = y * reshape(weight, stat_shape)
    if bias is not None:
        y = y + reshape(bias, stat_shape)
    return y


def make_inputs(shape, affine, seed, transposed=False):
    """x (float64, offset so the mean is not 0), and weight / bias (or None), all
    requiring grad; ``transposed`` makes x a non-contiguous view."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape[::-1]).T if transposed else rng.standard_normal(shape)
    x = ng.Tensor(1.5 * data + 0.7, requires_grad=True)
    channels = shape[1]
    weight = ng.Tensor(rng.uniform(0.5, 1.5, channels), requires_grad=True) if affine[0] else None
    bias = ng.Tensor(rng.standard_normal(channels), requires_grad=True) if affine[1] else None
    return x, weight, bias


def present(*tensors):
    return [t for t in tensors if t is not None]


def as_fn(norm, weight, bias):
    """norm(x, weight, bias) as a function of the inputs that are given."""
    def fn(x, *params):
        params = list(params)
        w = params.pop(0) if weight is not None else None
        b = params.pop(0) if bias is not None else None
        return norm(x, w, b)
    return fn


def train_bn(x, weight, bias):
    return batch_norm(x, None, None, weight, bias, training=True)


def random_projection(fn, shape, seed=1):
    """<fn(...), G> for a fixed random G: the upstream gradient of fn is random."""
    g = ng.Tensor(np.random.default_rng(seed).standard_normal(shape))
    return lambda *xs: (fn(*xs) * g).sum()


@pytest.mark.parametrize("affine", AFFINE.values(), ids=AFFINE.keys())
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_first_and_second_order_finite_differences(shape, affine):
    x, weight, bias = make_inputs(shape, affine, seed=0)
    inputs = present(x, weight, bias)
    fn = as_fn(train_bn, weight, bias)
    ng.gradcheck(random_projection(fn, shape), inputs)
    ng.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 3, 5)], ids=lambda s: "x".join(map(str, s)))
def test_finite_differences_on_a_non_contiguous_input(shape):
    x, weight, bias = make_inputs(shape, (True, True), seed=1, transposed=True)
    assert not x.data.flags.c_contiguous
    fn = as_fn(train_bn, weight, bias)
    ng.gradcheck(random_projection(fn, shape), [x, weight, bias])
    ng.gradgradcheck(fn, [x, weight, bias])


def first_order(x, weight, bias, g, wrt, create_graph):
    y = train_bn(x, weight, bias)
    return ng.grad(y, wrt, grad_outputs=g, create_graph=create_graph)


@pytest.mark.parametrize("affine", AFFINE.values(), ids=AFFINE.keys())
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_finite_differences_through_the_statistics_outputs(shape, affine):
    """mu and var are outputs of the Function (the running statistics are made from
    them): the gradient of <y, G> + <mu, U> + <var, V>, and its derivative, against
    finite differences."""
    x, weight, bias = make_inputs(shape, affine, seed=2)
    rng = np.random.default_rng(3)
    g, u, v = (ng.Tensor(rng.standard_normal(s)) for s in (shape, shape[1], shape[1]))

    def projected(x, *params):
        y, mu, var = BatchNorm(1e-5, weight is not None, bias is not None)(x, *params)
        return (y * g).sum() + (mu * u).sum() + (var * v).sum()

    def statistics_only(x, *params):
        _, mu, var = BatchNorm(1e-5, weight is not None, bias is not None)(x, *params)
        return (mu * u).sum() + (var * v).sum()

    for fn in (projected, statistics_only):
        ng.gradcheck(fn, present(x, weight, bias))
        ng.gradgradcheck(fn, present(x, weight, bias))


def test_each_input_gradient_alone():
    """needs_input_grad: asking for one gradient (or an x without requires_grad) gives
    the same value as asking for all, on both paths."""
    x, weight, bias = make_inputs((4, 3, 5), (True, True), seed=4)
    g = ng.Tensor(np.random.default_rng(5).standard_normal(x.shape))
    everything = first_order(x, weight, bias, g, [x, weight, bias], create_graph=False)
    for create_graph in (False, True):
        for i, t in enumerate((x, weight, bias)):
            alone, = first_order(x, weight, bias, g, [t], create_graph)
            np.testing.assert_allclose(alone.data, everything[i].data, rtol=1e-12, atol=1e-14)
        constant_x = ng.Tensor(x.data)
        gw, gb = first_order(constant_x, weight, bias, g, [weight, bias], create_graph)
        np.testing.assert_allclose(gw.data, everything[1].data, rtol=1e-12)
        np.testing.assert_allclose(gb.data, everything[2].data, rtol=1e-12)


def derivatives_up_to_third_order(norm, x, weight, bias, seed):
    """d<y, G>, then d<d<y, G>, U>, then the derivative of <that, V>, w.r.t. every input,
    for random G, U, V (the first two with create_graph=True)."""
    rng = np.random.default_rng(seed)
    inputs = present(x, weight, bias)
    y = norm(x, weight, bias)
    first = ng.grad((y * ng.Tensor(rng.standard_normal(y.shape))).sum(), inputs, create_graph=True)
    inner = sum([(g * ng.Tensor(rng.standard_normal(g.shape))).sum() for g in first])
    second = ng.grad(inner, inputs, create_graph=True, allow_unused=True)
    inner = sum([(g * ng.Tensor(rng.standard_normal(g.shape))).sum() for g in second if g is not None])
    third = ng.grad(inner, inputs, allow_unused=True)
    return first, second, third


@pytest.mark.parametrize("affine", AFFINE.values(), ids=AFFINE.keys())
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_second_and_third_derivatives_match_the_composed_reference(shape, affine):
    x, weight, bias = make_inputs(shape, affine, seed=6)
    new = derivatives_up_to_third_order(train_bn, x, weight, bias, seed=7)
    ref = derivatives_up_to_third_order(composed_batch_norm, x, weight, bias, seed=7)
    for order, (got, expected) in enumerate(zip(new, ref), start=1):
        for g, e in zip(got, expected):
            if e is None or g is None:  # e.g. the bias enters linearly: no second derivative
                assert g is None or not np.any(g.data), order
                assert e is None or not np.any(e.data), order
                continue
            np.testing.assert_allclose(g.data, e.data, rtol=1e-9, atol=1e-9 * max(np.abs(e.data).max(), 1.0),
                                       err_msg=f"order {order}")


def test_retained_graph_runs_twice_and_a_released_one_raises():
    x, weight, bias = make_inputs((4, 3), (True, True), seed=8)
    y = train_bn(x, weight, bias)
    g = ng.Tensor(np.random.default_rng(9).standard_normal(y.shape))
    once = ng.grad(y, [x, weight, bias], grad_outputs=g, retain_graph=True)
    twice = ng.grad(y, [x, weight, bias], grad_outputs=g)
    for a, b in zip(once, twice):
        np.testing.assert_array_equal(a.data, b.data)
    fn = y.creator
    assert isinstance(fn, BatchNorm) and fn.inputs is None and fn._output_data is None  # released
    assert not [k for k, v in vars(fn).items() if isinstance(v, np.ndarray)]  # nothing computed from x
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ng.grad(y, [x], grad_outputs=g)


@pytest.mark.parametrize("shape", [(64, 40), (8, 16, 7, 7)], ids=lambda s: "x".join(map(str, s)))
def test_float32_is_close_to_float64(shape):
    x, weight, bias = make_inputs(shape, (True, True), seed=10)
    g = np.random.default_rng(11).standard_normal(shape)
    results = {}
    for dtype in (np.float32, np.float64):
        xs = [ng.Tensor(t.data.astype(dtype), requires_grad=True) for t in (x, weight, bias)]
        rm, rv = ng.Tensor(np.zeros(shape[1], dtype)), ng.Tensor(np.ones(shape[1], dtype))
        y = batch_norm(xs[0], rm, rv, xs[1], xs[2], training=True)
        grads = ng.grad(y, xs, grad_outputs=ng.Tensor(g.astype(dtype)))
        results[dtype] = [y, rm, rv, *grads]
        assert all(t.dtype == dtype for t in results[dtype])
    for single, double in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(single.data, double.data, rtol=1e-4, atol=1e-4 * np.abs(double.data).max())


@pytest.mark.parametrize("affine", [(True, True), (False, False)], ids=["affine", "no_affine"])
@pytest.mark.parametrize("shape", [(2, 3), (5, 4, 3), (3, 2, 5, 7)], ids=lambda s: "x".join(map(str, s)))
def test_matches_torch_forward_running_stats_and_gradients(shape, affine):
    torch = pytest.importorskip("torch")
    x, weight, bias = make_inputs(shape, affine, seed=12)
    g = np.random.default_rng(13).standard_normal(shape)
    channels = shape[1]
    rm, rv = ng.Tensor(np.full(channels, 0.2)), ng.Tensor(np.full(channels, 1.3))
    y = batch_norm(x, rm, rv, weight, bias, training=True, momentum=0.3)
    inputs = present(x, weight, bias)
    grads = ng.grad(y, inputs, grad_outputs=ng.Tensor(g))

    tx = [torch.tensor(t.data, requires_grad=True) for t in inputs]
    tw = tx[1] if weight is not None else None
    tb = tx[-1] if bias is not None else None
    trm, trv = torch.full((channels,), 0.2, dtype=torch.float64), torch.full((channels,), 1.3, dtype=torch.float64)
    ty = torch.nn.functional.batch_norm(tx[0], trm, trv, tw, tb, training=True, momentum=0.3)
    tgrads = torch.autograd.grad(ty, tx, grad_outputs=torch.tensor(g))

    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rm.data, trm.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rv.data, trv.numpy(), rtol=1e-12)
    for a, b in zip(grads, tgrads):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-10, atol=1e-10 * np.abs(b.numpy()).max())
