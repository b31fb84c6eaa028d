"""Shared fixtures: run a test once per available kernel backend."""
import numpy as np
import pytest

import npgan as ng


@pytest.fixture(params=ng.available_backends())
def backend(request):
    """Select each available backend in turn and restore the previous one after."""
    previous = ng.get_backend()
    ng.set_backend(request.param)
    yield request.param
    ng.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
