"""The backend registry: selection, fallback when C is missing, errors."""
import subprocess
import sys

import pytest

import npgan as ng
from npgan.kernels import _availability, registry


def test_set_and_get_backend_round_trip():
    previous = ng.get_backend()
    try:
        for name in ng.available_backends() + ("auto",):
            ng.set_backend(name)
            assert ng.get_backend() == name
    finally:
        ng.set_backend(previous)


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        ng.set_backend("cuda")


def test_without_the_c_extension_auto_falls_back_and_c_is_refused(monkeypatch):
    monkeypatch.setitem(_availability._status, "c", (False, "the C extension npgan._C is not built (test)"))
    previous = ng.get_backend()
    try:
        ng.set_backend("auto")
        assert registry.backend_of("leaky_relu_forward") in ("numba", "numpy")
        with pytest.raises(RuntimeError, match="not built"):
            ng.set_backend("c")
    finally:
        monkeypatch.undo()
        ng.set_backend(previous)


def test_environment_variable_selects_the_backend():
    code = "import npgan; print(npgan.get_backend())"
    out = subprocess.run([sys.executable, "-c", code], env={"NPGAN_BACKEND": "numpy", "PATH": ""},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "numpy"
    bad = subprocess.run([sys.executable, "-c", code], env={"NPGAN_BACKEND": "gpu", "PATH": ""},
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "NPGAN_BACKEND='gpu'" in bad.stderr


def test_debug_flag_prints_each_kernel_call():
    code = ("import numpy as np, npgan as ng, npgan.nn.functional as F;"
            "F.leaky_relu(ng.tensor(np.ones((2, 3), np.float32)), 0.2)")
    out = subprocess.run([sys.executable, "-c", code], env={"NPGAN_DEBUG_KERNELS": "1", "PATH": ""},
                         capture_output=True, text=True, check=True)
    assert "[npgan kernel] leaky_relu_forward" in out.stderr and "(2, 3)" in out.stderr


def test_debug_trace_prints_lists_of_arrays_as_shapes():
    code = ("import numpy as np, npgan as ng;"
            "p = ng.nn.Parameter(ng.tensor(np.ones((2, 3), np.float32)));"
            "p.grad = ng.tensor(np.full((2, 3), 0.5, np.float32));"
            "ng.optim.Adam([p]).step()")
    out = subprocess.run([sys.executable, "-c", code], env={"NPGAN_DEBUG_KERNELS": "1", "PATH": ""},
                         capture_output=True, text=True, check=True)
    assert "[npgan kernel] adam_update_multi" in out.stderr and "[(2, 3)]" in out.stderr
    assert "0.5" not in out.stderr  # no array contents


def test_register_checks_once_then_runs_the_implementation(monkeypatch):
    """kernel(name) = the check, then the implementation; validate and unchecked split the
    two for an op that validates before recording a Function."""
    import numpy as np
    monkeypatch.setattr(registry, "_kernels", dict(registry._kernels))
    monkeypatch.setattr(registry, "_resolved", {})
    checks = []

    def double_args(x, scale=2.0):
        checks.append(x.shape)
        if not isinstance(x, np.ndarray):
            raise TypeError(f"double: x must be an ndarray, got {type(x).__name__}")
        return x, float(scale)

    def double(x, scale):
        return x * scale

    registry.register("double", double, check=double_args)
    np.testing.assert_array_equal(registry.kernel("double")(np.ones(2)), [2.0, 2.0])
    assert len(checks) == 1
    checked = registry.validate("double", np.ones(3), 3)
    np.testing.assert_array_equal(registry.unchecked("double")(*checked), [3.0, 3.0, 3.0])
    assert len(checks) == 2  # unchecked ran no check
    with pytest.raises(ValueError, match="'double' is already registered"):
        registry.register("double", double, check=double_args)
    with pytest.raises(TypeError, match="needs a guard"):
        registry.register("triple", double, check=double_args, c="npgan.kernels.conv_c:channel_sum")
