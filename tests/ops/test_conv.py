"""conv2d, conv_transpose2d and conv2d_weight as differentiable ops: adjoint identities,
the 1-D "transposed convolution applies A^T" picture, first/second/third-order gradient
checks on every backend, argument errors, and (when torch is installed) PyTorch parity."""
import itertools

import numpy as np
import pytest

import npgan as ng
from npgan.ops import conv as conv_ops
from npgan.ops.conv import conv2d, conv2d_weight, conv_transpose2d


def t(a, requires_grad=False):
    return ng.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def leftover(H, OH, K, s, p, d):
    """The output_padding that makes conv_transpose2d map conv2d's output size back to H."""
    return H - ((OH - 1) * s - 2 * p + d * (K - 1) + 1)


# --------------------------------------------------------------------------- adjoint identities

ADJOINT_H, ADJOINT_W = 7, 6
ADJOINT_GRID = [(s, p, d, k) for s, p, d, k in itertools.product((1, 2, 3), (0, 1, 2), (1, 2), ((3, 3), (2, 3), (1, 4)))
                if d * (max(k) - 1) + 1 <= min(ADJOINT_H, ADJOINT_W) + 2 * p]  # kernel fits the padded input


@pytest.mark.parametrize("stride, padding, dilation, kernel_size", ADJOINT_GRID)
def test_adjoint_identity(stride, padding, dilation, kernel_size, backend, rng):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> = <w, conv2d_weight(x, y)>."""
    KH, KW = kernel_size
    H, W = ADJOINT_H, ADJOINT_W
    x = t(rng.standard_normal((2, 3, H, W)))
    w = t(rng.standard_normal((4, 3, KH, KW)))
    cx = conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    y = t(rng.standard_normal(cx.shape))
    OH, OW = cx.shape[2:]
    output_padding = (leftover(H, OH, KH, stride, padding, dilation), leftover(W, OW, KW, stride, padding, dilation))
    ty = conv_transpose2d(y, w, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    wy = conv2d_weight(x, y, kernel_size, stride=stride, padding=padding, dilation=dilation)
    assert ty.shape == x.shape and wy.shape == w.shape
    lhs = np.vdot(cx.data, y.data)
    assert np.isclose(lhs, np.vdot(x.data, ty.data), rtol=1e-12, atol=1e-12)
    assert np.isclose(lhs, np.vdot(w.data, wy.data), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, output_padding, dilation", [
    (1, 0, 1), (2, 0, 1), (2, 1, 1), (3, 2, 1), (3, (1, 2), 1), (1, 1, 2), ((1, 2), (1, 1), (2, 1)), (2, 2, 3)])
def test_transposed_adjoint_identity(stride, output_padding, dilation, backend, rng):
    """<conv_transpose2d(x, w), z> = <x, conv2d(z, w)> for every allowed output_padding
    (including output_padding >= stride when it is < dilation)."""
    x = t(rng.standard_normal((2, 3, 4, 5)))
    w = t(rng.standard_normal((3, 2, 3, 2)))
    y = conv_transpose2d(x, w, stride=stride, padding=1, output_padding=output_padding, dilation=dilation)
    z = t(rng.standard_normal(y.shape))
    cz = conv2d(z, w, stride=stride, padding=1, dilation=dilation)[:, :, :4, :5]
    assert np.isclose(np.vdot(y.data, z.data), np.vdot(x.data, cz.data), rtol=1e-12)


# --------------------------------------------------------------------------- the 1-D picture (lecture notes)

def dense_matrix(f, n_in):
    """The matrix of the linear map f on R^n_in, one column per unit vector."""
    return np.stack([f(np.eye(n_in)[j]) for j in range(n_in)], axis=1)


@pytest.mark.parametrize("n, stride, padding", [(5, 1, 1), (7, 2, 0), (9, 2, 0)])
def test_transposed_convolution_applies_A_transpose(n, stride, padding, backend):
    """A 1-D convolution with kernel (k1, k2, k3) is y = A x; the transposed convolution
    with the same kernel applies exactly A^T (a 1-D signal is a 1 x n image)."""
    k1, k2, k3 = 2.0, -3.0, 5.0
    w = t(np.array([k1, k2, k3]).reshape(1, 1, 1, 3))

    def conv(v):
        return conv2d(t(v.reshape(1, 1, 1, -1)), w, stride=(1, stride), padding=(0, padding)).data.ravel()

    A = dense_matrix(conv, n)
    m = A.shape[0]
    assert m == (n + 2 * padding - 3) // stride + 1
    expected = np.zeros((m, n))  # row i holds the kernel starting at column i*stride - padding
    for i in range(m):
        for k, value in enumerate((k1, k2, k3)):
            if 0 <= i * stride - padding + k < n:
                expected[i, i * stride - padding + k] = value
    np.testing.assert_array_equal(A, expected)
    if stride == 1:  # the tridiagonal matrix of the notes: k2 on the diagonal
        np.testing.assert_array_equal(np.diag(A), k2)
        np.testing.assert_array_equal(np.diag(A, 1), k3)
        np.testing.assert_array_equal(np.diag(A, -1), k1)

    output_padding = leftover(n, m, 3, stride, padding, 1)

    def conv_t(v):
        return conv_transpose2d(t(v.reshape(1, 1, 1, -1)), w, stride=(1, stride), padding=(0, padding),
                                output_padding=(0, output_padding)).data.ravel()

    np.testing.assert_array_equal(dense_matrix(conv_t, m), A.T)


# --------------------------------------------------------------------------- gradients of every order

GRAD_GRID = [
    # (N, C, H, W, O, KH, KW, stride, padding, dilation, output_padding for conv_transpose2d)
    (1, 2, 5, 5, 3, 3, 3, 1, 0, 1, 0),                  # batch 1, no padding
    (2, 2, 5, 4, 2, 3, 2, 2, 1, 1, 1),                  # stride 2, padding, non-square kernel, output_padding
    (2, 1, 6, 5, 2, 2, 3, (2, 1), (1, 2), 2, (1, 0)),   # dilation 2, per-dimension stride/padding
    (1, 3, 3, 4, 2, 1, 2, 3, (0, 1), (1, 2), (2, 1)),   # stride 3, 1-wide kernel, output_padding >= stride
]


def _params(rng, N, C, H, W, O, KH, KW, transposed):
    x = t(rng.standard_normal((N, C, H, W)), True)
    w = t(rng.standard_normal((C, O, KH, KW) if transposed else (O, C, KH, KW)), True)
    b = t(rng.standard_normal(O), True)
    return x, w, b


@pytest.mark.parametrize("config", GRAD_GRID)
def test_conv2d_gradcheck_and_gradgradcheck(config, backend, rng):
    N, C, H, W, O, KH, KW, s, p, d, _ = config
    x, w, b = _params(rng, N, C, H, W, O, KH, KW, False)

    def f(x, w, b):
        return conv2d(x, w, b, stride=s, padding=p, dilation=d)

    assert ng.gradcheck(f, (x, w, b))
    assert ng.gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("config", GRAD_GRID)
def test_conv_transpose2d_gradcheck_and_gradgradcheck(config, backend, rng):
    N, C, H, W, O, KH, KW, s, p, d, op = config
    x, w, b = _params(rng, N, C, H, W, O, KH, KW, True)

    def f(x, w, b):
        return conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, dilation=d)

    assert ng.gradcheck(f, (x, w, b))
    assert ng.gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("config", GRAD_GRID[1:3])
def test_conv2d_weight_gradcheck_and_gradgradcheck(config, backend, rng):
    N, C, H, W, O, KH, KW, s, p, d, _ = config
    x = t(rng.standard_normal((N, C, H, W)), True)
    OH, OW = conv2d(x, t(np.zeros((O, C, KH, KW))), stride=s, padding=p, dilation=d).shape[2:]
    gy = t(rng.standard_normal((N, O, OH, OW)), True)

    def f(x, gy):
        return conv2d_weight(x, gy, (KH, KW), stride=s, padding=p, dilation=d)

    assert ng.gradcheck(f, (x, gy))
    assert ng.gradgradcheck(f, (x, gy))


def test_third_order_through_a_gradient_penalty(rng):
    """The WGAN-GP shape: a penalty on ||d critic / d x||, differentiated twice more."""
    x, w, b = _params(rng, 1, 2, 5, 4, 2, 3, 2, False)
    w2 = t(rng.standard_normal((2, 2, 2, 2)), True)

    def penalty_grad(x, w, w2):
        h = conv2d(x, w, b, stride=1, padding=1)
        out = conv_transpose2d(h * h, w2, stride=2)
        gx, = ng.grad(out.sum(), [x], create_graph=True)
        gw, gw2 = ng.grad((gx * gx).sum(), [w, w2], create_graph=True)
        return gw, gw2

    assert ng.gradcheck(penalty_grad, (x, w, w2))


# --------------------------------------------------------------------------- op behaviour

def test_unbatched_input_matches_batch_of_one(rng):
    x = rng.standard_normal((2, 6, 5))
    w = t(rng.standard_normal((3, 2, 3, 3)))
    b = t(rng.standard_normal(3))
    y3 = conv2d(t(x), w, b, stride=2, padding=1)
    y4 = conv2d(t(x[None]), w, b, stride=2, padding=1)
    assert y3.shape == y4.shape[1:]
    np.testing.assert_array_equal(y3.data, y4.data[0])
    wt = t(rng.standard_normal((2, 3, 3, 3)))
    z3 = conv_transpose2d(t(x), wt, None, stride=2, padding=1, output_padding=1)
    np.testing.assert_array_equal(z3.data, conv_transpose2d(t(x[None]), wt, None, 2, 1, 1).data[0])
    gy = t(rng.standard_normal(y3.shape))
    np.testing.assert_array_equal(conv2d_weight(t(x), gy, 3, 2, 1).data,
                                  conv2d_weight(t(x[None]), t(gy.data[None]), 3, 2, 1).data)


def test_float32_stays_float32(backend, rng):
    x = ng.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = ng.tensor(rng.standard_normal((4, 3, 5, 5)).astype(np.float32), requires_grad=True)
    b = ng.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    y = conv_transpose2d(conv2d(x, w, b, stride=2, padding=2), w, None, stride=2, padding=2, output_padding=1)
    assert y.dtype == np.float32 and y.shape == x.shape
    y.backward(ng.tensor(rng.standard_normal(y.shape).astype(np.float32)))
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_backward_computes_only_the_needed_gradients(monkeypatch, rng):
    calls = []
    real = conv_ops.unchecked

    def spy(name):
        calls.append(name)
        return real(name)

    monkeypatch.setattr(conv_ops, "unchecked", spy)
    x = t(rng.standard_normal((2, 3, 6, 6)), True)
    w = t(rng.standard_normal((4, 3, 3, 3)), True)
    b = t(rng.standard_normal(4), True)
    y = conv2d(x, w, b, stride=2, padding=1)
    calls.clear()
    ng.grad(y.sum(), [x])
    assert calls == ["conv_transpose2d_forward"]
    y = conv2d(x, w, b, stride=2, padding=1)
    calls.clear()
    ng.grad(y.sum(), [w, b])
    assert sorted(calls) == ["conv2d_weight", "conv_bias_grad"]


def test_gradients_match_the_formula(rng):
    """x.grad, w.grad and b.grad of sum(conv2d(x, w, b) * g) for a random g."""
    x = t(rng.standard_normal((2, 2, 5, 6)), True)
    w = t(rng.standard_normal((3, 2, 3, 2)), True)
    b = t(rng.standard_normal(3), True)
    y = conv2d(x, w, b, stride=(2, 1), padding=(1, 0))
    g = rng.standard_normal(y.shape)
    y.backward(t(g))
    np.testing.assert_allclose(b.grad.data, g.sum(axis=(0, 2, 3)), rtol=1e-12)
    gx = conv_transpose2d(t(g), w, stride=(2, 1), padding=(1, 0), output_padding=(leftover(5, 3, 3, 2, 1, 1), 0))
    np.testing.assert_allclose(x.grad.data, gx.data, rtol=1e-12)
    np.testing.assert_allclose(w.grad.data, conv2d_weight(x, t(g), (3, 2), (2, 1), (1, 0)).data, rtol=1e-12)


# --------------------------------------------------------------------------- argument errors (never reach C)



X = t(np.ones((2, 3, 8, 8)))
W = t(np.ones((4, 3, 3, 3)))


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((X, W), dict(stride=0), ValueError, r"conv2d: stride.*stride=\(0, 0\)"),
    ((X, W), dict(stride=(2, 0)), ValueError, r"stride=\(2, 0\)"),
    ((X, W), dict(padding=-1), ValueError, r"conv2d: padding.*padding=\(-1, -1\)"),
    ((X, W), dict(dilation=(1, 0)), ValueError, r"dilation=\(1, 0\)"),
    ((X, W), dict(stride="2"), TypeError, r"stride='2'"),
    ((X, t(np.ones((4, 3, 11, 3)))), dict(), ValueError, r"kernel_size=\(11, 3\).*larger than the padded input"),
    ((X, t(np.ones((4, 5, 3, 3)))), dict(), ValueError, r"input has 3 channels.*expects 5"),
    ((t(np.ones((8, 8))), W), dict(), ValueError, r"conv2d: input must be 3-D \(C, H, W\) or 4-D.*\(8, 8\)"),
    ((t(np.ones((1, 2, 3, 8, 8))), W), dict(), ValueError, r"input must be 3-D.*\(1, 2, 3, 8, 8\)"),
    ((X, t(np.ones((4, 3, 3)))), dict(), ValueError, r"weight must be 4-D"),
    ((X, ng.tensor(np.ones((4, 3, 3, 3), np.float32))), dict(), TypeError, r"weight has dtype float32.*float64"),
    ((X, W, t(np.ones(3))), dict(), ValueError, r"bias must have shape \(4,\)"),
    ((np.ones((2, 3, 8, 8)), W), dict(), TypeError, r"conv2d: input must be a Tensor"),
])
def test_conv2d_errors(args, kwargs, error, message, c_forbidden):
    with pytest.raises(error, match=message):
        conv2d(*args, **kwargs)


WT = t(np.ones((3, 4, 3, 3)))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(stride=2, output_padding=2), ValueError,
     r"conv_transpose2d: output_padding must be smaller than either stride or dilation.*output_padding=\(2, 2\)"),
    (dict(output_padding=1), ValueError, r"output_padding=\(1, 1\), stride=\(1, 1\), dilation=\(1, 1\)"),
    (dict(stride=2, output_padding=(1, 3), dilation=(1, 3)), ValueError, r"output_padding=\(1, 3\)"),
    (dict(stride=0), ValueError, r"stride=\(0, 0\)"),
    (dict(padding=(0, -3)), ValueError, r"padding=\(0, -3\)"),
    (dict(padding=9), ValueError, r"output size would be"),
])
def test_conv_transpose2d_errors(kwargs, error, message, c_forbidden):
    with pytest.raises(error, match=message):
        conv_transpose2d(X, WT, **kwargs)


def test_conv_transpose2d_channel_mismatch(c_forbidden):
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 3 channels.*expects 4"):
        conv_transpose2d(X, t(np.ones((4, 3, 3, 3))))


def test_conv2d_weight_errors(c_forbidden):
    with pytest.raises(ValueError, match=r"conv2d_weight: grad_output of shape \(2, 4, 7, 6\) does not fit"):
        conv2d_weight(X, t(np.ones((2, 4, 7, 6))), 3)
    with pytest.raises(ValueError, match=r"conv2d_weight: kernel_size must be >= 1.*kernel_size=\(0, 3\)"):
        conv2d_weight(X, t(np.ones((2, 4, 6, 6))), (0, 3))


# --------------------------------------------------------------------------- PyTorch parity

@pytest.mark.parametrize("config", GRAD_GRID)
def test_pytorch_parity(config, rng):
    torch = pytest.importorskip("torch")
    N, C, H, W, O, KH, KW, s, p, d, op = config
    for transposed in (False, True):
        x, w, b = _params(rng, N, C, H, W, O, KH, KW, transposed)
        tx, tw, tb = (torch.tensor(a.data, requires_grad=True) for a in (x, w, b))
        if transposed:
            y = conv_transpose2d(x, w, b, s, p, op, d)
            ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, s, p, op, 1, d)
        else:
            y = conv2d(x, w, b, s, p, d)
            ty = torch.nn.functional.conv2d(tx, tw, tb, s, p, d)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
        g = rng.standard_normal(y.shape)
        y.backward(t(g))
        ty.backward(torch.tensor(g))
        for ours, theirs in ((x, tx), (w, tw), (b, tb)):
            np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)
