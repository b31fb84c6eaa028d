"""The gemm kernel (kernels/gemm.py) on every available GEMM library against NumPy's matmul,
computed in float64 from the same operands: odd shapes, transposed and strided operands,
batch 1, empty products; and its argument check."""
import numpy as np
import pytest

import npgan as ng
import npgan.kernels as K

SHAPES = [(1, 1, 1), (3, 5, 7), (1, 784, 256), (64, 784, 256), (17, 1, 3), (0, 4, 3), (4, 0, 3), (4, 3, 0),
          (33, 65, 1), (1031, 130, 47), (64, 1600, 3136)]
LAYOUTS = ["c", "transposed", "strided"]


def laid_out(a, layout):
    if layout == "transposed":
        return np.asfortranarray(a)
    if layout == "strided":
        wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
        wide[:, ::2] = a
        return wide[:, ::2]
    return a.copy()


@pytest.mark.parametrize("library", [b for b in ("numpy", "c", "mkl", "blis") if b in K.available_backends()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_equals_the_product_to_rounding(library, dtype, shape):
    M, Kd, N = shape
    rng = np.random.default_rng(M * 1000 + Kd * 10 + N)
    a, b = rng.standard_normal((M, Kd)).astype(dtype), rng.standard_normal((Kd, N)).astype(dtype)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    gemm = K.implementations("gemm")[library]
    for la in LAYOUTS:
        for lb in LAYOUTS:
            A, B = laid_out(a, la), laid_out(b, lb)
            got = gemm(A, B)
            assert got.dtype == dtype and got.shape == (M, N)
            assert np.all(np.abs(got - exact) <= 2 * Kd * np.finfo(dtype).eps * scale + 1e-300), (la, lb)
            np.testing.assert_array_equal(A, laid_out(a, la))  # operands untouched


@pytest.mark.parametrize("library", [b for b in ("c", "mkl", "blis") if b in K.available_backends()])
def test_linear_and_conv_gradients_run_on_the_library(library):
    """Under set_backend(library) the ops run their GEMMs there and stay right (float64 gradcheck)."""
    ng.set_backend(library)
    try:
        rng = np.random.default_rng(0)
        x = ng.tensor(rng.standard_normal((3, 5)), requires_grad=True)
        w = ng.tensor(rng.standard_normal((4, 5)), requires_grad=True)
        assert ng.gradcheck(lambda x, w: ng.nn.functional.linear(x, w), (x, w))
        xi = ng.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
        wi = ng.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
        assert ng.gradcheck(lambda x, w: ng.nn.functional.conv2d(x, w, padding=1), (xi, wi))
        assert K.backend_of("gemm") == library
    finally:
        ng.set_backend("auto")


@pytest.mark.parametrize("args, error, message", [
    ((np.ones((2, 3)), np.ones((4, 2))), ValueError, r"gemm: shapes \(2, 3\) and \(4, 2\) do not align"),
    ((np.ones((2, 3)), np.ones((3, 2), np.float32)), TypeError, "gemm: b has dtype float32 but a has dtype float64"),
    ((np.ones(3), np.ones((3, 2))), ValueError, "gemm: a must be 2-D"),
    ((np.ones((2, 3), int), np.ones((3, 2), int)), TypeError, "gemm: a has dtype int64"),
    ((np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3))), ValueError, r"gemm: out has shape \(2, 3\)"),
])
def test_bad_arguments_are_named(args, error, message):
    with pytest.raises(error, match=message):
        K.validate("gemm", *args)


def test_out_overlapping_an_operand_is_refused():
    a = np.ones((3, 3))
    with pytest.raises(ValueError, match="gemm: out overlaps an input"):
        K.validate("gemm", a, np.ones((3, 3)), a)
