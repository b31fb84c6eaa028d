"""NaN parity of the AMSGrad maximum (issue 14): every backend keeps a NaN of v_max or v,
as the NumPy reference's np.maximum does (``a >= b ? a : b`` dropped a NaN in v_max)."""
import numpy as np
import pytest

import npgan.kernels as K


def state(dtype):
    """param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq: NaN in v_max at 0, in grad at 1."""
    param = np.array([0.5, -1.0, 2.0, 0.25], dtype)
    grad = np.array([0.1, np.nan, -0.3, 0.2], dtype)
    exp_avg = np.array([0.01, 0.02, -0.03, 0.0], dtype)
    exp_avg_sq = np.array([0.1, 0.2, 0.3, 0.0], dtype)
    max_exp_avg_sq = np.array([np.nan, 0.5, 0.1, -0.0], dtype)
    return [param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", ["adam_update", "adam_update_multi"])
def test_amsgrad_keeps_nan_like_numpy(kernel, dtype):
    for backend, fn in K.implementations(kernel).items():
        got, expected = state(dtype), state(dtype)
        args = (0.1, 0.9, 0.999, 1e-8, 0.0, 3)
        for arrays, f in ((got, fn), (expected, K.implementations(kernel)["numpy"])):
            f(*(arrays if kernel == "adam_update" else [[a] for a in arrays]), *args)
        param, v_max = got[0], got[4]
        assert np.isnan(param[:2]).all() and np.isnan(v_max[:2]).all(), backend  # np.maximum's NaN
        assert np.isfinite(param[2:]).all(), backend
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e, err_msg=backend)
            assert (np.signbit(g) == np.signbit(e))[~np.isnan(e)].all(), backend
