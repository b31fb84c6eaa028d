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


@pytest.fixture
def c_forbidden(monkeypatch):
    """Make any call into the C library fail loudly: argument errors must come first."""
    if "c" not in ng.available_backends():
        pytest.skip("C extension not built")
    from npgan.kernels import conv_c

    class Forbidden:
        def __getattr__(self, name):
            raise AssertionError(f"C function {name} was reached with invalid arguments")

    monkeypatch.setattr(conv_c, "lib", Forbidden())
    previous = ng.get_backend()
    ng.set_backend("c")
    yield
    ng.set_backend(previous)
