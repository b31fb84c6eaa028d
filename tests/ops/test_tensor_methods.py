"""The methods ``npgan.ops.tensor_methods`` attaches to Tensor: ``expand`` as PyTorch's
(new dims in front, -1 keeps a dim), and hashing by identity next to elementwise ``==``."""
import numpy as np
import pytest

import npgan as ng


@pytest.mark.parametrize("start, sizes, expected", [
    ((2,), (3, 2), (3, 2)),
    ((2,), (3, -1), (3, 2)),
    ((1, 2), (4, 5, 2), (4, 5, 2)),
    ((3, 1), (-1, 4), (3, 4)),
    ((3, 1), ((2, 3, 4),), (2, 3, 4)),
])
def test_expand_matches_numpy_broadcast_to(start, sizes, expected):
    a = np.arange(np.prod(start), dtype=np.float64).reshape(start)
    y = ng.tensor(a, dtype=np.float64).expand(*sizes)
    assert y.shape == expected
    np.testing.assert_array_equal(y.data, np.broadcast_to(a, expected))


def test_expand_refuses_what_does_not_broadcast():
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2,\) to \(3,\)"):
        ng.tensor([1.0, 2.0]).expand(3)


def test_tensors_hash_by_identity_while_eq_is_elementwise():
    a, b = ng.tensor([1.0, 2.0]), ng.tensor([1.0, 2.0])
    np.testing.assert_array_equal((a == b).data, [True, True])
    assert hash(a) == id(a) and len({a, b}) == 2 and {a: 1}[a] == 1
