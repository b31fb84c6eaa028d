"""Spectral normalization: sigma converges to the largest singular value, the weight is
divided by it, u and v move only in training mode, and the gradient (u, v fixed) is
right to first and second order."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.nn.utils import spectral_norm


class Conv4d(nn.Module):
    """A module with a 4-D weight, to check the reshape to a matrix along ``dim``."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.random.default_rng(0).standard_normal((3, 4, 2, 2)))

    def forward(self, x):
        return x


def top_singular_value(matrix):
    return np.linalg.svd(matrix, compute_uv=False)[0]


def test_state_dict_keys_are_pytorchs():
    lin = spectral_norm(nn.Linear(4, 3))
    assert list(lin.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_orig"]
    assert lin.weight_u.shape == (3,) and lin.weight_v.shape == (4,)
    assert np.linalg.norm(lin.weight_u.data) == pytest.approx(1.0)


@pytest.mark.parametrize("dim,matrix", [(0, lambda w: w.reshape(3, -1)),
                                        (1, lambda w: np.moveaxis(w, 1, 0).reshape(4, -1))])
def test_sigma_converges_to_the_largest_singular_value(dim, matrix):
    ng.manual_seed(1)
    module = spectral_norm(Conv4d().double(), dim=dim)
    for _ in range(200):
        module(None)
    w_orig = module.weight_orig.data
    sigma = (module.weight_u.data @ matrix(w_orig) @ module.weight_v.data)
    assert sigma == pytest.approx(top_singular_value(matrix(w_orig)), rel=1e-10)
    np.testing.assert_allclose(module.weight.data, w_orig / sigma, rtol=1e-12)
    assert top_singular_value(matrix(module.weight.data)) == pytest.approx(1.0, rel=1e-10)


def test_power_iteration_runs_only_in_training_mode():
    lin = spectral_norm(nn.Linear(4, 3, dtype=np.float64), n_power_iterations=2)
    x = ng.randn(2, 4, dtype=np.float64)
    u0 = lin.weight_u.data.copy()
    lin(x)
    assert not np.allclose(lin.weight_u.data, u0)
    lin.eval()
    u1, v1 = lin.weight_u.data.copy(), lin.weight_v.data.copy()
    y = lin(x)
    np.testing.assert_array_equal(lin.weight_u.data, u1)
    np.testing.assert_array_equal(lin.weight_v.data, v1)
    w = lin.weight_orig.data
    np.testing.assert_allclose(y.data, x.data @ (w / (u1 @ w @ v1)).T + lin.bias.data, rtol=1e-12)


def test_gradients_with_u_v_fixed_first_and_second_order():
    lin = spectral_norm(nn.Linear(3, 2, dtype=np.float64))
    lin(ng.randn(1, 3, dtype=np.float64))  # one power iteration, then keep u, v fixed
    lin.eval()
    x = ng.tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)
    fn = lambda x, w, b: lin(x)  # noqa: E731
    ng.gradcheck(fn, [x, lin.weight_orig, lin.bias])
    ng.gradgradcheck(fn, [x, lin.weight_orig, lin.bias])


def test_a_parameter_gets_one_spectral_norm():
    lin = spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="already has a spectral_norm hook"):
        spectral_norm(lin)
    with pytest.raises(ValueError, match="no parameter named 'kernel'"):
        spectral_norm(nn.Linear(3, 2), name="kernel")
    with pytest.raises(ValueError, match="n_power_iterations must be positive"):
        spectral_norm(nn.Linear(3, 2), n_power_iterations=0)


def test_output_dim_is_0_for_conv_and_1_for_conv_transpose():
    conv = spectral_norm(nn.Conv2d(4, 3, 2))
    deconv = spectral_norm(nn.ConvTranspose2d(4, 3, 2))
    assert conv.weight_u.shape == (3,) and conv.weight_v.shape == (16,)
    assert deconv.weight_u.shape == (3,) and deconv.weight_v.shape == (16,)
    assert deconv(ng.randn(1, 4, 3, 3)).shape == (1, 3, 4, 4)
