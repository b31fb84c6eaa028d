"""``get_dataset``: what each data set declares, clear errors, and the layer rule."""
import ast
import pathlib

import numpy as np
import pytest

import npgan.data
from npgan.data import get_dataset, grid25, ring8, swissroll


@pytest.mark.parametrize("name, kind, shape, num_classes", [
    ("ring8", "points", (2,), None),
    ("grid25", "points", (2,), None),
    ("swissroll", "points", (2,), None),
    ("digits", "images", (1, 28, 28), 10),
])
def test_each_generated_data_set_declares_kind_shape_and_labels(name, kind, shape, num_classes):
    dataset = get_dataset(name)
    assert (dataset.name, dataset.kind, dataset.shape, dataset.num_classes) == (name, kind, shape, num_classes)
    assert dataset.has_labels == (num_classes is not None) and dataset.generated
    x, labels = dataset.sample(6, np.random.default_rng(0))
    assert x.shape == (6, *shape) and x.dtype == np.float32
    assert (labels is None) == (not dataset.has_labels)


def test_mixtures_expose_their_centres_and_std_for_the_metrics():
    assert get_dataset("ring8").centres is ring8.centres and get_dataset("ring8").std == 0.01
    assert get_dataset("grid25").centres is grid25.centres and get_dataset("grid25").std == 0.05
    assert get_dataset("swissroll").centres is None and get_dataset("swissroll").std == swissroll.std


@pytest.mark.parametrize("spec", ["ring", "Ring8", "mnist", "mnist:", "digits:extra", ""])
def test_an_unknown_name_lists_the_valid_ones(spec):
    with pytest.raises(ValueError, match="valid: ring8, grid25, swissroll, digits, mnist:PATH"):
        get_dataset(spec)


def test_a_spec_must_be_a_string():
    with pytest.raises(TypeError, match="spec must be a string"):
        get_dataset(8)


def test_data_never_imports_autograd():
    """npgan.data is a leaf returning NumPy arrays: it imports its own modules and the
    file-reading helper ``npgan.npz`` (itself numpy only), never Tensors."""
    for path in pathlib.Path(npgan.data.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                allowed = node.level <= 1 or (node.level == 2 and node.module == "npz")
                assert allowed and not (node.module or "").startswith("npgan"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("npgan") for alias in node.names), path.name
