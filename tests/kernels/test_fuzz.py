"""Differential fuzz of every kernel in the registry: each backend against the NumPy reference.

For every registered kernel a seeded generator draws cases -- shapes (empty and size-1 axes
included), float32 and float64, memory layouts (C order, transposed, strided, reversed,
misaligned by one byte, read-only), values with NaN, +-inf, +-0 and subnormals, aliased
arguments -- and each backend runs the kernel through the registry's public entry
(``kernel(name)`` with the backend selected, the check included) on its own fresh copy of the case.
Then, on every backend:

* the same error (type and message) as the reference, or none: one contract everywhere;
* otherwise the same result, and the same in-place updates and untouched inputs:
  bit for bit (NaN where the reference has NaN, every other value with the same bits, so
  -0.0 is not 0.0) for the kernels that promise it -- LeakyReLU, Adam, the dropout mask,
  the data-moving loops (im2col, transpose_add_bias) and col2im (it adds in the
  reference's order), and conv2d / conv_transpose2d / conv2d_weight (the same loops around
  the same BLAS call); to a few ulps for BCE (exp/log1p come from different math libraries);
  to rounding for the channel sums and the gemm (summation order differs), and so for the
  conv kernels under the GEMM libraries (mkl, blis), relative to the reference on |args|.

``NPGAN_FUZZ_CASES`` sets the cases per kernel (default 200: ~3,000 per backend). Run
``python -m tests.kernels.test_fuzz [cases]`` for a table of cases and errors per backend.
"""
import os
import re
import sys

import numpy as np
import pytest

import npgan.kernels as K

CASES = int(os.environ.get("NPGAN_FUZZ_CASES", "200"))
DTYPES = (np.float32, np.float64)
SPECIALS = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, -1e-42, 1e30, -1e30)


# --------------------------------------------------------------------------- values and layouts

def values(rng, shape, dtype, special=True):
    """Random normal values with, sometimes, a few specials (NaN, +-inf, +-0, subnormal, huge)."""
    a = np.asarray(rng.standard_normal(shape) * rng.choice([0.1, 1.0, 30.0]), dtype=dtype)
    if special and a.size and rng.random() < 0.3:
        idx = rng.integers(0, a.size, size=rng.integers(1, 4))
        with np.errstate(over="ignore"):
            a.flat[idx] = np.array(rng.choice(SPECIALS, size=idx.size)).astype(dtype)
    return a


def misaligned(a):
    """A copy of ``a`` in memory one byte off its dtype's alignment (C order)."""
    buffer = bytearray(a.nbytes + 1)
    out = np.frombuffer(buffer, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    out[...] = a
    return out


def laid_out(rng, a, layout=None):
    """``a``'s values in one of several memory layouts (a view of other memory, or a copy)."""
    layout = layout or rng.choice(["c", "c", "transposed", "strided", "reversed", "misaligned", "readonly"])
    if layout == "transposed" and a.ndim >= 2:
        return np.ascontiguousarray(a.T).T
    if layout == "strided" and a.ndim >= 1:
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return wide[..., ::2]
    if layout == "reversed" and a.ndim >= 1:
        return np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    if layout == "misaligned":
        return misaligned(a)
    if layout == "readonly":
        a = a.copy()
        a.flags.writeable = False
        return a
    return a.copy()


# --------------------------------------------------------------------------- comparisons

def same_bits(got, expected):
    """Equal bit for bit, except that any NaN matches any NaN (payloads may differ)."""
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got.dtype, got.shape, expected.shape)
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(got), nan), "NaN in different places"
    bits = {4: np.uint32, 8: np.uint64}[got.itemsize]
    assert np.array_equal(got[~nan].view(bits), expected[~nan].view(bits)), "values differ in their bits"


def within_ulps(got, expected, scale=1, ulps=4):
    """Non-finite values identical; finite ones within ``ulps`` units of |expected| + scale (BCE;
    its gradient gy (sigmoid(x) - t) may cancel, so there scale = |gy|)."""
    assert got.dtype == expected.dtype and got.shape == expected.shape
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    same_bits(got[~finite], expected[~finite])
    scale = np.broadcast_to(np.abs(scale), expected.shape)[finite]
    tolerance = ulps * np.finfo(got.dtype).eps * (np.abs(expected[finite]) + scale)
    assert np.all(np.abs(got[finite] - expected[finite]) <= tolerance)


def within_rounding(got, expected, scale):
    """Sums in another order: within n eps of the sum of magnitudes ``scale`` (NaN/inf alike)."""
    assert got.dtype == expected.dtype and got.shape == expected.shape
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    same_bits(got[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)])
    assert np.all(np.abs(got[finite] - expected[finite]) <= 64 * np.finfo(got.dtype).eps * (scale[finite] + 1e-30))


# --------------------------------------------------------------------------- cases, one generator per kernel
# Each returns (args, compare, outputs): args for the public entry; compare(got, expected) for
# the returned values; outputs(args) the arrays a kernel writes into (compared too), if any.

def _elementwise_shape(rng):
    return tuple(int(s) for s in rng.integers(0, 5, size=rng.integers(0, 4)))


def _aliasing_inputs(rng, dtype, count):
    """``count`` input arrays of one shape, some of them the same array (aliasing)."""
    shape = _elementwise_shape(rng)
    arrays = [laid_out(rng, values(rng, shape, dtype)) for _ in range(count)]
    if count > 1 and rng.random() < 0.2:
        arrays[-1] = arrays[0]
    return arrays


def case_leaky_relu_forward(rng, dtype):
    x, = _aliasing_inputs(rng, dtype, 1)
    return (x, float(rng.choice([0.0, 0.01, 0.2, -0.5, 1.5]))), same_bits, None


def case_leaky_relu_backward(rng, dtype):
    x, gy = _aliasing_inputs(rng, dtype, 2)
    return (x, gy, float(rng.choice([0.0, 0.01, 0.2, 2.0]))), same_bits, None


def case_bce_with_logits_forward(rng, dtype):
    x, t = _aliasing_inputs(rng, dtype, 2)
    return (x, t), within_ulps, None


def case_bce_with_logits_backward(rng, dtype):
    x, t, gy = _aliasing_inputs(rng, dtype, 3)
    return (x, t, gy), lambda got, expected: within_ulps(got, expected, scale=gy.astype(np.float64)), None


def _adam_state(rng, dtype, shape, amsgrad):
    """param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq: state written in place, sometimes in a
    layout the kernel must refuse, sometimes aliased (refused too)."""
    state = [values(rng, shape, dtype), laid_out(rng, values(rng, shape, dtype)),
             values(rng, shape, dtype), np.abs(values(rng, shape, dtype)),
             np.abs(values(rng, shape, dtype)) if amsgrad else None]
    roll = rng.random()
    if roll < 0.05:
        state[rng.choice([0, 2, 3])] = laid_out(rng, state[0], rng.choice(["strided", "misaligned", "readonly"]))
    elif roll < 0.1:
        state[2] = state[0]  # param and exp_avg one array
    return state


def _adam_scalars(rng):
    return [float(rng.choice([1e-3, 0.1, 0.0])), float(rng.choice([0.9, 0.0, 0.5])), float(rng.choice([0.999, 0.9])),
            float(rng.choice([1e-8, 1e-3])), float(rng.choice([0.0, 0.01])), int(rng.integers(1, 5))]


def case_adam_update(rng, dtype):
    state = _adam_state(rng, dtype, _elementwise_shape(rng), rng.random() < 0.5)
    return tuple(state) + tuple(_adam_scalars(rng)), None, lambda args: [a for a in args[:5] if a is not None]


def case_adam_update_multi(rng, dtype):
    amsgrad = rng.random() < 0.5
    states = [_adam_state(rng, dtype, _elementwise_shape(rng), amsgrad) for _ in range(rng.integers(0, 4))]
    lists = [[s[i] for s in states] for i in range(4)] + [[s[4] for s in states] if amsgrad else None]
    if len(states) > 1 and rng.random() < 0.2:
        lists[1][1] = lists[1][0] if lists[1][0].shape == lists[1][1].shape else lists[1][1]  # two grads may share
    return tuple(lists) + tuple(_adam_scalars(rng)), None, \
        lambda args: [a for arrays in args[:5] if arrays is not None for a in arrays]


def case_dropout_mask(rng, dtype):
    shape = tuple(int(s) for s in rng.integers(0, 40, size=rng.integers(0, 4)))
    p = float(rng.choice([0.0, 0.3, 0.5, 0.999, rng.random()]))
    return (shape, p, int(rng.integers(0, 2**64, dtype=np.uint64)), dtype), same_bits, None


def _geometry(rng, in_size):
    """kernel_size, stride, padding, dilation (pairs) whose dilated kernel fits the padded input."""
    for _ in range(20):
        k, s, d, p = (tuple(int(v) for v in rng.integers(lo, hi, 2)) for lo, hi in ((1, 4), (1, 4), (1, 3), (0, 3)))
        if all(di * (ki - 1) + 1 <= n + 2 * pi for n, ki, di, pi in zip(in_size, k, d, p)):
            return k, s, p, d
    return (1, 1), (1, 1), (0, 0), (1, 1)


def _conv_out(in_size, k, s, p, d):
    return tuple((n + 2 * pi - di * (ki - 1) - 1) // si + 1 for n, ki, si, pi, di in zip(in_size, k, s, p, d))


def _image(rng):
    return int(rng.integers(0, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 8)), int(rng.integers(1, 8))


def case_conv2d_forward(rng, dtype):
    N, C, H, W = _image(rng)
    k, s, p, d = _geometry(rng, (H, W))
    O = int(rng.integers(1, 4))
    x, w = laid_out(rng, values(rng, (N, C, H, W), dtype)), laid_out(rng, values(rng, (O, C) + k, dtype))
    b = laid_out(rng, values(rng, (O,), dtype)) if rng.random() < 0.7 else None
    return (x, w, b, s, p, d), same_bits, None


def case_conv_transpose2d_forward(rng, dtype):
    N, C, H, W = _image(rng)
    k, s, p, d = _geometry(rng, (H, W))
    out_pad = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
    O = int(rng.integers(1, 4))
    x, w = laid_out(rng, values(rng, (N, C, H, W), dtype)), laid_out(rng, values(rng, (C, O) + k, dtype))
    b = laid_out(rng, values(rng, (O,), dtype)) if rng.random() < 0.7 else None
    return (x, w, b, s, p, out_pad, d), same_bits, None  # a padding too large for the output: an error


def case_conv2d_weight(rng, dtype):
    N, C, H, W = _image(rng)
    k, s, p, d = _geometry(rng, (H, W))
    O = int(rng.integers(1, 4))
    x = laid_out(rng, values(rng, (N, C, H, W), dtype))
    gy = laid_out(rng, values(rng, (N, O) + _conv_out((H, W), k, s, p, d), dtype))
    return (x, gy, k, s, p, d), same_bits, None


def case_conv_bias_grad(rng, dtype):
    N, C, H, W = _image(rng)
    gy = laid_out(rng, values(rng, (N, C, H, W), dtype))
    scale = np.abs(gy.astype(np.float64)).sum(axis=(0, 2, 3)).astype(dtype)
    return (gy,), lambda got, expected: within_rounding(got, expected, scale), None


def case_conv_im2col(rng, dtype):
    N, C, H, W = _image(rng)
    k, s, p, d = _geometry(rng, (H, W))
    out_size = _conv_out((H, W), k, s, p, d)
    x = laid_out(rng, values(rng, (C, H, W, max(N, 1)), dtype))
    return (x, k, s, p, d, out_size), same_bits, None


def case_conv_col2im(rng, dtype):
    N, C, H, W = _image(rng)
    k, s, p, d = _geometry(rng, (H, W))
    OH, OW = _conv_out((H, W), k, s, p, d)
    NB = max(N, 1)
    cols = laid_out(rng, values(rng, (C * k[0] * k[1], OH * OW * NB), dtype))
    return (cols, (C, H, W, NB), k, s, p, d, (OH, OW)), same_bits, None


def case_transpose_add_bias(rng, dtype):
    group, channels, S = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(0, 40))
    a = laid_out(rng, values(rng, (group * channels, S), dtype))
    bias = laid_out(rng, values(rng, (channels,), dtype)) if rng.random() < 0.6 else None
    roll = rng.random()
    if roll < 0.1 and a.size and a.flags.c_contiguous and a.flags.writeable:  # out overlapping a: refused
        return (a, bias, group, a.reshape(S, -1)), same_bits, None
    if roll < 0.4:
        out = laid_out(rng, np.zeros((S, group * channels), dtype), rng.choice(["c", "strided", "misaligned"]))
        return (a, bias, group, out), same_bits, lambda args: [args[3]]
    return (a, bias, group), same_bits, None


def case_conv_channel_sum(rng, dtype):
    shape = (int(rng.integers(0, 4)), int(rng.integers(1, 5))) + tuple(int(v) for v in rng.integers(0, 6, rng.integers(0, 3)))
    y = laid_out(rng, values(rng, shape, dtype))
    scale = np.abs(y.astype(np.float64)).reshape(shape[:2] + (-1,) if y.size else shape[:2] + (0,))
    scale = scale.sum(axis=(0, 2)).astype(dtype)
    return (y,), lambda got, expected: within_rounding(got, expected, scale), None


def _gemm_scale(a, b):
    """|a| @ |b| in float64: the sum of magnitudes each entry's rounding is relative to."""
    with np.errstate(all="ignore"):
        return np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))


def case_gemm(rng, dtype):
    M, K_, N = (int(v) for v in rng.integers(0, 9, 3))
    a, b = laid_out(rng, values(rng, (M, K_), dtype)), laid_out(rng, values(rng, (K_, N), dtype))
    roll = rng.random()
    if roll < 0.05:
        b = values(rng, (K_ + 1, N), dtype)  # shapes that do not align: refused
    elif roll < 0.1:
        b = b.astype(np.float64 if dtype == np.float32 else np.float32)  # mixed dtypes: refused
    elif roll < 0.4:
        out = laid_out(rng, np.full((M, N), np.nan, dtype), rng.choice(["c", "c", "strided", "misaligned"]))
        return (a, b, out), lambda got, expected: within_rounding(got, expected, _gemm_scale(a, b)), \
            lambda args: [args[2]]
    return (a, b), lambda got, expected: within_rounding(got, expected, _gemm_scale(a, b)), None


GEMM_LIBRARIES = ("mkl", "blis")  # backends that change only the GEMM: conv results to rounding


def _conv_to_rounding(name, args):
    """Under a GEMM library the conv kernels sum their products in another order: compare to
    rounding, relative to the reference kernel run on the magnitudes of the arguments."""
    magnitudes = [np.abs(a.astype(np.float64)) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(all="ignore"):
        scale = K.implementations(name)["numpy"](*magnitudes)
    return lambda got, expected: within_rounding(got, expected, scale.astype(got.dtype))


GENERATORS = {name[len("case_"):]: fn for name, fn in dict(globals()).items() if name.startswith("case_")}


# --------------------------------------------------------------------------- the differential run

def run_case(name, backend, seed):
    """Run case ``seed`` of kernel ``name`` on ``backend`` (its own copy of the case):
    ('error', type, message) or ('ok', result, arrays written, inputs, compare)."""
    rng = np.random.default_rng([seed, list(GENERATORS).index(name)])
    dtype = DTYPES[seed % 2]
    args, compare, outputs = GENERATORS[name](rng, dtype)
    if backend in GEMM_LIBRARIES and name in ("conv2d_forward", "conv_transpose2d_forward", "conv2d_weight"):
        try:
            compare = _conv_to_rounding(name, args)
        except (TypeError, ValueError):
            pass  # a refused case: the errors are compared
    inputs = [a.copy() for a in _arrays(args)]
    previous = K.get_backend()
    K.set_backend(backend)
    try:
        with np.errstate(all="ignore"):  # inf and NaN are the point here
            result = K.kernel(name)(*args)
    except (TypeError, ValueError) as exc:
        return "error", type(exc), str(exc), _arrays(args), inputs
    finally:
        K.set_backend(previous)
    written = outputs(args) if outputs else []
    return "ok", result, written, compare, (_arrays(args), inputs)


def _arrays(args):
    """Every array among the arguments (also inside lists)."""
    found = []
    for a in args:
        if isinstance(a, np.ndarray):
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found.extend(_arrays(a))
    return found


def differential(name, seed, backends):
    """Compare case ``seed`` of ``name`` on ``backends`` with the reference; returns
    {backend: 'error' or 'ok'}. Raises AssertionError (naming the case) on any difference."""
    expected = run_case(name, "numpy", seed)
    outcome = {}
    for backend in backends:
        got = expected if backend == "numpy" else run_case(name, backend, seed)
        where = f"{name}, case {seed}, backend {backend}"
        assert got[0] == expected[0], f"{where}: {got[0]} but the reference gave {expected[0]}: {got[1:3]} / {expected[1:3]}"
        if got[0] == "error":
            assert (got[1], _indexless(got[2])) == (expected[1], _indexless(expected[2])), \
                f"{where}: error {got[1:3]}, reference {expected[1:3]}"
            for after, before in zip(got[3], got[4]):  # a refused call changes nothing
                same_bits(after, before)
        else:
            _, result, written, compare, (arrays, inputs) = got
            try:
                if result is not None:
                    compare(result, expected[1])
                for a, e in zip(written, expected[2]):
                    if a is not result:  # (an ``out`` returned as the result is compared above)
                        same_bits(a, e)
                written_ids = {id(a) for a in written}
                for a, before in zip(arrays, inputs):
                    if id(a) not in written_ids:
                        same_bits(a, before)  # inputs are not modified
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
        outcome[backend] = got[0]
    return outcome


def _indexless(message):
    """An error message without list indices: of several pairs of arrays sharing memory,
    adam_update_multi names the pair lowest in memory, which differs from run to run."""
    return re.sub(r"\[\d+\]", "[i]", message)


def fuzz(names, cases, backends):
    """{backend: [cases run, cases the check refused]} over ``cases`` cases of each kernel."""
    counts = {backend: [0, 0] for backend in backends}
    for name in names:
        for seed in range(cases):
            for backend, result in differential(name, seed, backends).items():
                counts[backend][0] += 1
                counts[backend][1] += result == "error"
    return counts


def test_every_registered_kernel_has_a_generator():
    assert sorted(GENERATORS) == K.names()


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_backend_agrees_with_the_reference(name):
    counts = fuzz([name], CASES, K.available_backends())
    assert all(run == CASES for run, _ in counts.values())
    assert counts["numpy"][1] < CASES  # most cases are valid calls, not errors


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else CASES
    totals = fuzz(sorted(GENERATORS), n, K.available_backends())
    print(f"{len(GENERATORS)} kernels x {n} cases: no difference from the NumPy reference")
    for backend, (run, refused) in totals.items():
        print(f"  {backend:6s} {run} cases, {refused} refused by the check with the reference's error")
