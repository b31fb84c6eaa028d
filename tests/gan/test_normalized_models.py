"""normalized_mlp_generator: the layers its docstring lists, image outputs, a reference
batch drawn from npgan's seeded generator, and a clear error for an unknown norm."""
import numpy as np
import pytest

import npgan as ng
from npgan import nn
from npgan.gan.normalized_models import normalized_mlp_generator


@pytest.mark.parametrize("norm, layer", [("batch", nn.BatchNorm1d), ("virtual", nn.VirtualBatchNorm)])
def test_layers_are_bias_free_linear_then_norm_then_activation(norm, layer):
    G = normalized_mlp_generator(3, (2,), (8, 4), norm, reference_size=5)
    net = G.module if norm == "virtual" else G
    kinds = [type(m) for m in net]
    assert kinds == [nn.Linear, layer, nn.LeakyReLU, nn.Linear, layer, nn.LeakyReLU, nn.Linear]
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [m.bias is None for m in linears] == [True, True, False]   # the norm's shift replaces the bias
    assert [m.weight.shape for m in linears] == [(8, 3), (4, 8), (2, 4)]


def test_image_outputs_end_in_tanh_with_the_sample_shape():
    G = normalized_mlp_generator(4, (1, 6, 6), (8,), "virtual", reference_size=5, activation="relu")
    with ng.no_grad():
        x = G(ng.tensor(100.0 * np.random.default_rng(0).standard_normal((3, 4)), dtype=np.float32)).numpy()
    assert x.shape == (3, 1, 6, 6) and np.abs(x).max() <= 1.0
    assert any(isinstance(m, nn.ReLU) for m in G.modules())


def test_reference_batch_is_drawn_from_npgans_seeded_generator_after_the_weights():
    ng.manual_seed(3)
    G = normalized_mlp_generator(2, (2,), (8,), "virtual", reference_size=7)
    ng.manual_seed(3)
    plain = normalized_mlp_generator(2, (2,), (8,), "batch")   # the same weights, no reference drawn
    expected = ng.random.default_generator().standard_normal((7, 2), dtype=np.float32)
    np.testing.assert_array_equal(G.reference.data, expected)
    np.testing.assert_array_equal(G.module[0].weight.data, plain[0].weight.data)


def test_unknown_norm_is_named():
    with pytest.raises(ValueError, match="norm must be one of .*'group'"):
        normalized_mlp_generator(2, (2,), (8,), "group")
