"""First- and second-order finite-difference checks for every op in op_specs.SPECS,
on every shape configuration, contiguous and transposed, and on every backend for ops
that run kernels. Upstream gradients are random (never all ones)."""
import numpy as np
import pytest

import npgan as ng

from .op_specs import SPECS, make_inputs

CASES = [(spec, i, shapes) for spec in SPECS for i, shapes in enumerate(spec.shapes)]
IDS = [f"{spec.name}-{i}-{'x'.join(map(str, shapes))}" for spec, i, shapes in CASES]


def _random_output_grad(fn, inputs):
    """Compose fn with a fixed random projection so the upstream gradient is random."""
    out = fn(*inputs)
    w = ng.Tensor(np.random.default_rng(1).standard_normal(out.shape))
    return lambda *xs: (fn(*xs) * w).sum()


def _backends(spec):
    return ng.available_backends() if spec.uses_kernels else ("auto",)


@pytest.mark.parametrize("transposed", [False, True], ids=["contig", "transposed"])
@pytest.mark.parametrize("spec,i,shapes", CASES, ids=IDS)
def test_first_order(spec, i, shapes, transposed):
    tol = spec.extra.get("tol", 1e-5)
    for backend in _backends(spec):
        ng.set_backend(backend)
        try:
            inputs = make_inputs(shapes, spec.domain, seed=i, transposed=transposed)
            ng.gradcheck(_random_output_grad(spec.fn, inputs), inputs, eps=spec.extra.get("eps", 1e-6),
                         atol=tol, rtol=1e-3)
        finally:
            ng.set_backend("auto")


@pytest.mark.parametrize("spec,i,shapes", [c for c in CASES if c[0].second_order],
                         ids=[n for c, n in zip(CASES, IDS) if c[0].second_order])
def test_second_order(spec, i, shapes):
    tol = spec.extra.get("tol", 1e-5)
    for backend in _backends(spec):
        ng.set_backend(backend)
        try:
            inputs = make_inputs(shapes, spec.domain, seed=100 + i)
            ng.gradgradcheck(spec.fn, inputs, eps=spec.extra.get("eps", 1e-6), atol=tol, rtol=1e-3)
        finally:
            ng.set_backend("auto")


def test_every_public_op_has_a_spec():
    """The issue's op list, each covered by at least one spec above (by name prefix)."""
    required = ["add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                "leaky_relu", "softplus", "maximum", "minimum", "clamp", "where", "sum", "mean", "var", "max",
                "reshape", "flatten", "transpose", "permute", "getitem", "cat", "stack", "matmul", "linear",
                "bce_with_logits", "mse_loss", "l1_loss"]
    names = [s.name for s in SPECS]
    missing = [r for r in required if not any(n.startswith(r) for n in names)]
    assert not missing, f"ops without a gradient spec: {missing}"
