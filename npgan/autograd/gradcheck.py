"""``gradcheck`` and ``gradgradcheck``: analytic gradients against central differences.

gradcheck builds both Jacobians of ``fn`` at ``inputs`` (float64):
  numerical  J[:, j] = (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)
  analytical J[i, :] = one reverse pass with upstream gradient e_i
and requires |analytical - numerical| <= atol + rtol |numerical| entrywise (PyTorch's
defaults: eps 1e-6, atol 1e-5, rtol 1e-3). On failure the error names the input and the
output, the index of the worst entry, and both values.

gradgradcheck is gradcheck applied to (inputs, grad_outputs) -> d<f, grad_outputs>/d inputs
computed with ``create_graph=True``: the upstream gradient is itself a differentiable
input, as in PyTorch, so every term of the second derivative is exercised.
"""
import numpy as np

from . import grad_mode
from .engine import grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (an AssertionError, for pytest)."""


def _outputs_tuple(out):
    if isinstance(out, Tensor):
        return (out,)
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return tuple(out)
    raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {type(out).__name__}")


def _check_inputs(inputs, where):
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            raise TypeError(f"{where}: input {i} has dtype {x.dtype}; finite differences need float64 inputs "
                            "(use .double() or npgan.tensor(..., dtype=np.float64))")
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError(f"{where}: no input has requires_grad=True, nothing to check")
    return inputs


def _numerical_jacobians(fn, inputs, eps):
    """{(output k, input i): J of shape (out.size, in.size)} by central differences."""
    def evaluate():
        with grad_mode.enable_grad():
            return [o.data.astype(np.float64).ravel().copy() for o in _outputs_tuple(fn(*inputs))]

    jac = {}
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        flat_idx = list(np.ndindex(x.shape))
        columns = None
        for j, idx in enumerate(flat_idx):
            orig = x.data[idx]
            x.data[idx] = orig + eps
            plus = evaluate()
            x.data[idx] = orig - eps
            minus = evaluate()
            x.data[idx] = orig
            if columns is None:
                columns = [np.zeros((p.size, len(flat_idx))) for p in plus]
            for k, (p, m) in enumerate(zip(plus, minus)):
                columns[k][:, j] = (p - m) / (2 * eps)
        for k, col in enumerate(columns or []):
            jac[k, i] = col
    return jac


def _analytical_jacobians(fn, inputs):
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with grad_mode.enable_grad():
        outputs = _outputs_tuple(fn(*inputs))
    jac = {(k, i): np.zeros((o.data.size, inputs[i].data.size)) for k, o in enumerate(outputs) for i in diff}
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for r in range(out.data.size):
            seed = np.zeros(out.data.size, dtype=out.dtype)
            seed[r] = 1
            grads = grad([out], [inputs[i] for i in diff], [Tensor(seed.reshape(out.shape))],
                         retain_graph=True, allow_unused=True)
            for i, g in zip(diff, grads):
                if g is not None:
                    if g.shape != inputs[i].shape:
                        raise GradcheckError(f"gradcheck: gradient for input {i} has shape {g.shape}, "
                                             f"expected {inputs[i].shape}")
                    jac[k, i][r] = g.data.ravel()
    return jac


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires
    grad against central finite differences. Returns True, or raises ``GradcheckError``
    (returns False with ``raise_exception=False``)."""
    inputs = _check_inputs(inputs, "gradcheck")
    numerical = _numerical_jacobians(fn, inputs, eps)
    analytical = _analytical_jacobians(fn, inputs)
    for (k, i), num in numerical.items():
        ana = analytical[k, i]
        err = np.abs(ana - num) - (atol + rtol * np.abs(num))
        if err.size and err.max() > 0:
            r, c = np.unravel_index(np.argmax(err), err.shape)
            in_shape = inputs[i].shape
            msg = (f"gradcheck: Jacobian mismatch for output {k} with respect to input {i} (shape {in_shape}): "
                   f"worst at output entry {r} / input index {tuple(int(j) for j in np.unravel_index(c, in_shape))}: "
                   f"analytical {ana[r, c]:.10g} vs numerical {num[r, c]:.10g} "
                   f"(tolerance atol={atol} + rtol={rtol} * |numerical|); "
                   f"{int((err > 0).sum())} of {err.size} entries differ")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> the first-order
    gradients (computed with ``create_graph=True``). Random ``grad_outputs`` are drawn
    (seeded, standard normal — never all ones, which hides errors) when not given."""
    inputs = _check_inputs(inputs, "gradgradcheck")
    n = len(inputs)
    with grad_mode.enable_grad():
        outputs = _outputs_tuple(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outputs)
    else:
        grad_outputs = _outputs_tuple(grad_outputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args):
        xs, gos = args[:n], args[n:]
        outs = _outputs_tuple(fn(*xs))
        pairs = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
        gs = grad([o for o, _ in pairs], [xs[i] for i in diff], [g for _, g in pairs],
                  create_graph=True, allow_unused=True)
        # every gradient is returned, even one that is not differentiable (a backward that
        # read .data where it should not): its analytic Jacobian is then zero, and the
        # numerical one exposes the missing term
        return tuple(Tensor(np.zeros(xs[i].shape)) if g is None else g for i, g in zip(diff, gs))

    return gradcheck(first_order, inputs + grad_outputs, eps, atol, rtol, raise_exception)
