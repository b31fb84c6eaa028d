"""npgan's spectral_norm against torch.nn.utils.spectral_norm, from the same weight and the
same u, v: output, the power iteration's u and v, and the gradient through W / sigma(W) (u, v
constants) agree to 1e-12 over several training-mode and eval-mode forwards and backwards.
Skipped where torch is not installed (CI's environment)."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
from npgan.nn.utils import spectral_norm

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("in_features, out_features", [(2, 256), (256, 256), (256, 1), (7, 3)])
def test_spectral_norm_matches_torch(in_features, out_features):
    ng.manual_seed(0)
    ours = spectral_norm(nn.Linear(in_features, out_features, dtype=np.float64))
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(in_features, out_features).double())
    with torch.no_grad():
        for name in ("weight_orig", "bias", "weight_u", "weight_v"):
            getattr(theirs, name).copy_(torch.from_numpy(getattr(ours, name).data))
    rng = np.random.default_rng(1)
    for training in (True, True, False, True, False):
        ours.train(training)
        theirs.train(training)
        x = rng.standard_normal((8, in_features))
        seed_grad = rng.standard_normal((8, out_features))
        y = ours(ng.tensor(x))
        (y * ng.tensor(seed_grad)).sum().backward()
        y_torch = theirs(torch.from_numpy(x))
        (y_torch * torch.from_numpy(seed_grad)).sum().backward()
        np.testing.assert_allclose(y.data, y_torch.detach().numpy(), atol=1e-12)
        for name in ("weight_u", "weight_v"):
            np.testing.assert_allclose(getattr(ours, name).data, getattr(theirs, name).numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.weight_orig.grad.data, theirs.weight_orig.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), atol=1e-12)
        ours.weight_orig.grad = ours.bias.grad = None
        theirs.weight_orig.grad = theirs.bias.grad = None
