"""The elementwise kernels (LeakyReLU, BCE with logits, Adam) on every available backend.

Each backend is checked against the NumPy reference and against closed forms written
out here independently of the kernels. LeakyReLU and Adam use only + - * / sqrt and
comparisons, which IEEE arithmetic rounds the same way everywhere, so every backend
must match the reference bit for bit; BCE goes through exp/log1p, whose last bit
depends on the math library, so it is compared to a few ulps.
"""
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import npgan.kernels as K

DTYPES = (np.float32, np.float64)
KERNELS = ("leaky_relu_forward", "leaky_relu_backward", "bce_with_logits_forward", "bce_with_logits_backward",
           "adam_update")
BACKENDS = tuple(b for b in K.available_backends() if b in ("numpy", "numba", "c"))  # the loops (mkl, blis: only gemm)
ULPS = {np.float32: 4 * np.finfo(np.float32).eps, np.float64: 4 * np.finfo(np.float64).eps}


def impl(name, backend):
    return K.implementations(name)[backend]


def random_arrays(rng, shape, dtype, scale=3.0):
    """Logits x, targets t in [0, 1] and an output gradient gy (random, never all-ones)."""
    x = np.asarray(scale * rng.standard_normal(shape), dtype=dtype)  # asarray: 0-d arrays, not scalars
    t = np.asarray(rng.random(shape), dtype=dtype)
    gy = np.asarray(rng.standard_normal(shape), dtype=dtype)
    return x, t, gy


def call(name, backend, x, t, gy, slope=0.2):
    """Run a returning kernel on (x, t, gy), taking the arguments it needs."""
    f = impl(name, backend)
    return {"leaky_relu_forward": lambda: f(x, slope),
            "leaky_relu_backward": lambda: f(x, gy, slope),
            "bce_with_logits_forward": lambda: f(x, t),
            "bce_with_logits_backward": lambda: f(x, t, gy)}[name]()


def assert_matches(name, actual, expected, gy):
    """Bit for bit, except BCE: a few ulps of the result, and for the gradient
    gy (sigmoid(x) - t) a few ulps of |gy| (sigmoid - t may cancel)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    if name.startswith("bce"):
        scale = np.abs(expected) + (np.abs(gy) if name.endswith("backward") else 1)
        assert np.all(np.abs(actual - expected) <= ULPS[expected.dtype.type] * scale), (actual, expected)
    else:
        np.testing.assert_array_equal(actual, expected)


RETURNING = KERNELS[:4]


def test_every_kernel_has_all_three_backends():
    for name in KERNELS:
        assert set(K.registry._kernels[name].targets) == {"numpy", "numba", "c"}


def test_importing_kernels_does_not_import_numba():
    root = Path(__file__).resolve().parents[2]
    code = "import sys, npgan.kernels; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


# ---------------------------------------------------------------- against the reference

@pytest.mark.parametrize("name", RETURNING)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1,), (7,), (1001,), (3, 5, 2), (), (0,), (4, 0)])
def test_matches_reference(name, backend, dtype, shape):
    x, t, gy = random_arrays(np.random.default_rng(1), shape, dtype)
    x.flat[: min(x.size, 2)] = 0  # the kink of LeakyReLU and the switch of the stable sigmoid
    out = call(name, backend, x, t, gy)
    assert isinstance(out, np.ndarray) and out.dtype == dtype and out.shape == shape
    assert_matches(name, out, call(name, "numpy", x, t, gy), gy)


@pytest.mark.parametrize("name", RETURNING)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_inputs(name, backend, dtype):
    x, t, gy = random_arrays(np.random.default_rng(2), (6, 9), dtype)
    views = (x.T, t.T, gy.T)
    assert not views[0].flags.c_contiguous
    out = call(name, backend, *views)
    assert out.shape == (9, 6) and out.dtype == dtype
    assert_matches(name, out, call(name, "numpy", *(np.ascontiguousarray(v) for v in views)), views[2])
    strided = (x[:, ::2], t[:, ::2], gy[:, ::2])
    assert_matches(name, call(name, backend, *strided), call(name, "numpy", *(v.copy() for v in strided)),
                   strided[2])


@pytest.mark.parametrize("name", RETURNING)
@pytest.mark.parametrize("backend", BACKENDS)
def test_inputs_are_not_modified(name, backend):
    x, t, gy = random_arrays(np.random.default_rng(3), (5, 4), np.float32)
    copies = [a.copy() for a in (x, t, gy)]
    for a in (x, t, gy):
        a.flags.writeable = False  # read-only inputs are accepted
    out = call(name, backend, x, t, gy)
    assert all(out is not a and not np.shares_memory(out, a) for a in (x, t, gy))
    for a, a0 in zip((x, t, gy), copies):
        np.testing.assert_array_equal(a, a0)


# ---------------------------------------------------------------- against closed forms

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_leaky_relu_closed_form(backend, dtype):
    x = np.array([-3.5, -1e-30, -0.0, 0.0, 1e-30, 2.25, 1e30], dtype=dtype)
    gy = np.array([1.5, -2.0, 3.0, 4.0, -5.0, 6.0, 7.0], dtype=dtype)
    s = dtype(0.01)
    # the product of two floats is exact in float64; rounding it once to dtype is the kernel's float product
    y = np.array([v if v > 0 else float(s) * v for v in x.astype(float)]).astype(dtype)
    gx = np.array([g if v > 0 else float(s) * g for v, g in zip(x.astype(float), gy.astype(float))]).astype(dtype)
    np.testing.assert_array_equal(impl("leaky_relu_forward", backend)(x, 0.01), y)
    np.testing.assert_array_equal(impl("leaky_relu_backward", backend)(x, gy, 0.01), gx)


def naive_bce(x, t):
    """-t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x)), straight from the definition (float64)."""
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    return -t * np.log(sigmoid) - (1.0 - t) * np.log(1.0 - sigmoid)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_closed_form(backend, dtype):
    x, t, gy = random_arrays(np.random.default_rng(4), (200,), dtype, scale=4.0)
    x64, t64, gy64 = (a.astype(np.float64) for a in (x, t, gy))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(impl("bce_with_logits_forward", backend)(x, t), naive_bce(x64, t64), rtol=rtol)
    np.testing.assert_allclose(impl("bce_with_logits_backward", backend)(x, t, gy),
                               gy64 * (1.0 / (1.0 + np.exp(-x64)) - t64), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_large_logits(backend, dtype):
    x = np.array([1000, -1000, 1000, -1000, 3000, -3000], dtype=dtype)
    t = np.array([0, 0, 1, 1, 0.5, 0.5], dtype=dtype)
    gy = np.full(6, 2.0, dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):  # exp(-1000) = 0 is a harmless underflow
        warnings.simplefilter("error")
        loss = impl("bce_with_logits_forward", backend)(x, t)
        gx = impl("bce_with_logits_backward", backend)(x, t, gy)
    # sigmoid(1000) is 1 and sigmoid(-1000) is 0 to every float precision
    np.testing.assert_array_equal(loss, np.array([1000, 0, 0, 1000, 1500, 1500], dtype=dtype))
    np.testing.assert_array_equal(gx, np.array([2, 0, 0, -2, 1, -1], dtype=dtype))


def adam_by_hand(param, grads, lr, beta1, beta2, eps, weight_decay, amsgrad):
    """Adam (with AMSGrad and L2 weight decay) written out in float64, one element at a time."""
    param = [float(p) for p in param]
    m, v, v_max = [0.0] * len(param), [0.0] * len(param), [0.0] * len(param)
    for step, grad in enumerate(grads, start=1):
        for i, p in enumerate(param):
            g = float(grad[i]) + weight_decay * p
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            v_max[i] = max(v_max[i], v[i])
            v_hat = (v_max[i] if amsgrad else v[i]) / (1 - beta2 ** step)
            param[i] = p - lr * (m[i] / (1 - beta1 ** step)) / (v_hat ** 0.5 + eps)
    return np.array(param), np.array(m), np.array(v), np.array(v_max)


def run_adam(backend, dtype, grads, amsgrad, weight_decay, lr=0.1, beta1=0.9, beta2=0.6, eps=1e-3):
    param = np.array([0.5, -1.0, 2.0, 0.0, -0.25], dtype=dtype)
    m, v = np.zeros_like(param), np.zeros_like(param)
    v_max = np.zeros_like(param) if amsgrad else None
    for step, grad in enumerate(grads, start=1):
        grad = grad.astype(dtype)
        grad_before = grad.copy()
        assert impl("adam_update", backend)(param, grad, m, v, v_max, lr, beta1, beta2, eps, weight_decay, step) is None
        np.testing.assert_array_equal(grad, grad_before)
    return param, m, v, v_max


# large, then small gradients: v falls at step 3, so AMSGrad's max(v_max, v) matters
ADAM_GRADS = [np.array([1.0, -2.0, 0.5, 3.0, -0.1]), np.array([0.8, -1.0, 0.4, -2.0, 0.3]),
              np.array([0.01, 0.02, -0.01, 0.05, 0.0])]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_three_steps_closed_form(backend, dtype, amsgrad, weight_decay):
    param, m, v, v_max = run_adam(backend, dtype, ADAM_GRADS, amsgrad, weight_decay)
    expected = adam_by_hand([0.5, -1.0, 2.0, 0.0, -0.25], ADAM_GRADS, 0.1, 0.9, 0.6, 1e-3, weight_decay, amsgrad)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    for actual, want in zip((param, m, v), expected):
        assert actual.dtype == dtype
        np.testing.assert_allclose(actual, want, rtol=rtol, atol=rtol)
    if amsgrad:
        np.testing.assert_allclose(v_max, expected[3], rtol=rtol, atol=rtol)
        assert np.all(v_max >= v) and np.any(v_max > v)  # the max was active
    for actual, reference in zip((param, m, v, v_max),
                                 run_adam("numpy", dtype, ADAM_GRADS, amsgrad, weight_decay)):
        np.testing.assert_array_equal(actual, reference)


def test_amsgrad_changes_the_trajectory():
    assert not np.allclose(run_adam("numpy", np.float64, ADAM_GRADS, True, 0.0)[0],
                           run_adam("numpy", np.float64, ADAM_GRADS, False, 0.0)[0])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (1001,), (3, 4, 5)])
def test_adam_matches_reference_in_place(backend, dtype, shape):
    rng = np.random.default_rng(5)

    def state():
        arrays = [np.asarray(rng.standard_normal(shape), dtype=dtype) for _ in range(5)]
        np.abs(arrays[3], out=arrays[3])  # the second moments are >= 0
        np.abs(arrays[4], out=arrays[4])
        return arrays

    ours = state()
    reference = [a.copy() for a in ours]
    impl("adam_update", backend)(*ours, 1e-2, 0.5, 0.999, 1e-8, 1e-4, 7)
    impl("adam_update", "numpy")(*reference, 1e-2, 0.5, 0.999, 1e-8, 1e-4, 7)
    for a, r in zip(ours, reference):
        assert a.shape == shape and a.dtype == dtype
        np.testing.assert_array_equal(a, r)


@pytest.mark.parametrize("backend", BACKENDS)
def test_adam_reads_a_non_contiguous_grad(backend):
    param, m, v = np.ones((3, 4)), np.zeros((3, 4)), np.zeros((3, 4))
    grad = np.arange(12.0).reshape(4, 3).T
    impl("adam_update", backend)(param, grad, m, v, None, 0.1, 0.9, 0.999, 1e-8, 0.0, 1)
    np.testing.assert_allclose(m, 0.1 * grad)


# ---------------------------------------------------------------- bad input

def bad_calls():
    """(kernel, arguments, error type, words the message must contain)."""
    f32, f64 = np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float64)
    x = np.zeros((3, 4))

    def adam(**change):
        args = dict(param=np.zeros((3, 4)), grad=np.zeros((3, 4)), exp_avg=np.zeros((3, 4)),
                    exp_avg_sq=np.zeros((3, 4)), max_exp_avg_sq=None, lr=1e-3, beta1=0.9, beta2=0.999,
                    eps=1e-8, weight_decay=0.0, step=1)
        args.update(change)
        return tuple(args.values())

    read_only = np.zeros((3, 4))
    read_only.flags.writeable = False
    shared = np.zeros((3, 4))
    return [
        ("leaky_relu_forward", ([1.0, 2.0], 0.2), TypeError, ["numpy.ndarray", "list"]),
        ("leaky_relu_forward", (np.float32(1.0), 0.2), TypeError, ["NumPy scalar", "np.asarray"]),
        ("leaky_relu_forward", (np.arange(3), 0.2), TypeError, ["int64"]),
        ("leaky_relu_forward", (x, float("nan")), ValueError, ["negative_slope", "nan"]),
        ("leaky_relu_forward", (x, "0.2"), TypeError, ["negative_slope"]),
        ("leaky_relu_backward", (x, np.zeros((3, 5)), 0.2), ValueError, ["gy", "(3, 5)", "(3, 4)"]),
        ("leaky_relu_backward", (f32, f64, 0.2), TypeError, ["gy", "float64", "float32"]),
        ("bce_with_logits_forward", (f32, f64), TypeError, ["t", "float64", "float32"]),
        ("bce_with_logits_forward", (x, np.zeros(4)), ValueError, ["t", "(4,)", "(3, 4)"]),
        ("bce_with_logits_backward", (x, x, np.zeros((4, 3))), ValueError, ["gy", "(4, 3)"]),
        ("bce_with_logits_forward", (np.zeros(3, np.float16), np.zeros(3, np.float16)), TypeError, ["float16"]),
        ("adam_update", adam(exp_avg=np.zeros((3, 5))), ValueError, ["exp_avg", "(3, 5)", "param", "(3, 4)"]),
        ("adam_update", adam(grad=np.zeros((3, 4), np.float32)), TypeError, ["grad", "float32", "float64"]),
        ("adam_update", adam(param=np.zeros((3, 4), np.int32)), TypeError, ["param", "int32"]),
        ("adam_update", adam(param=read_only), ValueError, ["param", "writeable"]),
        ("adam_update", adam(exp_avg_sq=np.zeros((4, 3)).T), ValueError, ["exp_avg_sq", "C-contiguous"]),
        ("adam_update", adam(max_exp_avg_sq=np.zeros(3)), ValueError, ["max_exp_avg_sq", "(3,)"]),
        ("adam_update", adam(exp_avg=shared, exp_avg_sq=shared), ValueError, ["exp_avg", "exp_avg_sq", "share"]),
        ("adam_update", adam(step=0), ValueError, ["step", "0"]),
        ("adam_update", adam(step=1.0), TypeError, ["step"]),
        ("adam_update", adam(beta1=1.0), ValueError, ["beta1", "1.0"]),
        ("adam_update", adam(beta2=-0.1), ValueError, ["beta2"]),
        ("adam_update", adam(eps=0.0), ValueError, ["eps"]),
        ("adam_update", adam(lr=float("inf")), ValueError, ["lr", "inf"]),
        ("adam_update", adam(weight_decay=-1.0), ValueError, ["weight_decay"]),
        ("adam_update", adam(lr=True), TypeError, ["lr", "bool"]),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", range(len(bad_calls())))
def test_bad_input_raises_an_error_naming_the_kernel(backend, case):
    name, args, error, words = bad_calls()[case]
    with pytest.raises(error) as info:
        impl(name, backend)(*args)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rejected_adam_call_changes_no_state(backend):
    param, m, v = np.ones(4), np.full(4, 0.5), np.full(4, 0.25)
    with pytest.raises(ValueError, match="adam_update: step"):
        impl("adam_update", backend)(param, np.ones(4), m, v, None, 0.1, 0.9, 0.999, 1e-8, 0.0, 0)
    assert (param == 1).all() and (m == 0.5).all() and (v == 0.25).all()


# ---------------------------------------------------------------- fuzz

@settings(max_examples=40, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(DTYPES), transpose=st.booleans())
def test_fuzz_every_backend_agrees_with_the_reference(data, dtype, transpose):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6), label="shape")
    width = 32 if dtype == np.float32 else 64
    logits = hnp.arrays(dtype, shape, elements=st.floats(-2000, 2000, width=width))
    x, gy = data.draw(logits, label="x"), data.draw(logits, label="gy")
    t = data.draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=width)), label="t")
    if transpose:
        x, t, gy = x.T, t.T, gy.T
    slope = data.draw(st.floats(-2, 2), label="negative_slope")
    for name in RETURNING:
        expected = call(name, "numpy", x, t, gy, slope)
        assert np.isfinite(expected).all()
        for backend in BACKENDS:
            assert_matches(name, call(name, backend, x, t, gy, slope), expected, gy)
