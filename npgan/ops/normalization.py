"""Normalization: batch_norm, layer_norm; and dropout, the other op whose result depends
on train / eval mode.

    batch norm (per channel c, statistics over the batch and spatial axes):
        mu_c    = mean(x[:, c])
        var_c   = mean((x[:, c] - mu_c)^2)                 biased, for normalizing
        y[:, c] = (x[:, c] - mu_c) / sqrt(var_c + eps) * weight_c + bias_c
        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var + momentum var n / (n - 1)   unbiased
    layer norm (statistics over the trailing ``normalized_shape`` axes of each sample):
        y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias

Training-mode batch norm is one Function, ``BatchNorm``: it runs in a few NumPy passes
over the activation, where the composition of ~10 primitives made many more. Its batch
statistics are outputs, not attributes (caching input-dependent arrays on the Function
is the bug that gives DeZero's BatchNorm a wrong second derivative), and its backward is
written with ops, so the graph of the gradient is exact at every order. The eval-mode
path and layer norm are compositions of mean, sub, mul, add, sqrt and div, whose
gradients of every order come from those ops.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..kernels import kernel
from ..random import default_generator, draw
from ._util import check_tensor
from .locally_constant import locally_constant
from .reductions import mean
from .shape import broadcast_to, reshape


def _check_param(x, t, name, shape, op):
    """``t`` (a Tensor or None) must have ``shape`` and x's dtype."""
    if t is None:
        return
    check_tensor(t, op, name)
    if t.shape != shape:
        raise ValueError(f"{op}: {name} has shape {t.shape}, expected {shape} for input of shape {x.shape}")
    if t.dtype != x.dtype:
        raise TypeError(f"{op}: {name} has dtype {t.dtype} but the input has dtype {x.dtype}; "
                        "convert the module or the input (.float() / .double())")


def _normalize(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims``, with the biased variance (layer norm)."""
    centered = x - mean(x, dims, keepdim=True)
    var = mean(centered * centered, dims, keepdim=True)
    return centered / (var + eps).sqrt()


class BatchNorm(Function):
    """Batch normalization with the batch statistics (training mode) of x (N, C, *); the
    optional inputs after x are weight (gamma) then bias (beta), each of shape (C,), as
    ``has_weight`` / ``has_bias`` say. Per channel, over its M = N * prod(*) entries:

        mu = mean(x)    var = mean((x - mu)^2)    inv_std = 1 / sqrt(var + eps)
        xhat = (x - mu) inv_std
        y = gamma xhat + beta

    The outputs are y, mu and var. The statistics are outputs, not attributes, so that
    nothing computed from x is kept on the Function (DeZero's BatchNorm caches inv_std
    and gets its second derivative wrong) and the running statistics are updated from
    arrays an op made (which ``npgan.compile`` replays). Backward, with sums over the
    channel's M entries and gy, gmu, gvar the gradients of the three outputs:

        dbeta  = sum(gy)        dgamma = sum(gy xhat)
        dx     = gamma inv_std (gy - (dbeta + xhat dgamma) / M) + gmu / M + gvar 2 (x - mu) / M

    (the first term is inv_std (gxhat - mean(gxhat) - xhat mean(gxhat xhat)) with
    gxhat = gamma gy). It is written with ops on x, gamma and the retained mu and var;
    those two are this Function's outputs, so when the graph of the gradient is recorded
    their dependence on x flows back through the gmu and gvar terms: derivatives of every
    order are exact.

    The forward is five passes over the activation (the sum for mu, x - mu, the sum of
    squares for var, then a multiply and an add in place on x - mu, which becomes y).
    """
    retain_output = True  # backward reads mu and var

    def __init__(self, eps, has_weight, has_bias):
        self.eps, self.has_weight, self.has_bias = eps, has_weight, has_bias

    def forward(self, x, *affine):
        weight, bias = self._affine(affine)
        x3 = _by_channel(x)
        n, _, length = x3.shape
        mu = np.einsum("ncl->c", x3) / (n * length)
        centered = x3 - _spread(mu, length)
        var = np.einsum("ncl,ncl->c", centered, centered) / (n * length)
        a = 1.0 / np.sqrt(var + x.dtype.type(self.eps))  # gamma inv_std
        if weight is not None:
            a *= weight
        y = np.multiply(centered, _spread(a, length), out=centered)  # (x - mu) a, in place
        if bias is not None:
            y += _spread(bias, length)
        return y.reshape(x.shape), mu, var

    def backward(self, gy, gmu, gvar):
        x = self.inputs[0]
        weight, _ = self._affine(self.inputs[1:])
        need_gx = self.needs_input_grad[0]
        need_gweight = self.has_weight and self.needs_input_grad[1]
        need_gbias = self.has_bias and self.needs_input_grad[-1]
        dims, stat, m = _stat_dims(x), _stat_shape(x), x.numel() // x.shape[1]
        mu, var = reshape(self.output(1), stat), reshape(self.output(2), stat)
        gx = gweight = gbias = None
        if gy is not None:
            inv_std = 1.0 / (var + self.eps).sqrt()
            xhat = (x - mu) * inv_std
            dbeta = gy.sum(dims, keepdim=True) if need_gx or need_gbias else None
            dgamma = (gy * xhat).sum(dims, keepdim=True) if need_gx or need_gweight else None
            if need_gx:
                a = inv_std if weight is None else inv_std * reshape(weight, stat)
                gx = a * (gy - dbeta / m) - xhat * (a * dgamma / m)  # the docstring's dx, one pass fewer
            gweight = reshape(dgamma, -1) if need_gweight else None
            gbias = reshape(dbeta, -1) if need_gbias else None
        if need_gx and gmu is not None:
            gx = _plus(gx, reshape(gmu, stat) / m, x.shape)
        if need_gx and gvar is not None:
            gx = _plus(gx, (x - mu) * (reshape(gvar, stat) * (2.0 / m)), x.shape)
        return (gx,) + ((gweight,) if self.has_weight else ()) + ((gbias,) if self.has_bias else ())

    def _affine(self, params):
        """(weight, bias) from the inputs after x, None for an absent one."""
        params = list(params)
        weight = params.pop(0) if self.has_weight else None
        bias = params.pop(0) if self.has_bias else None
        return weight, bias


def _plus(total, term, shape):
    """total + term (total may be None), of ``shape``."""
    total = term if total is None else total + term
    return total if total.shape == shape else broadcast_to(total, shape)


def _by_channel(a):
    """a (N, C, *) as (N, C, L): a view for the usual layouts, so the per-channel sums
    are single einsum passes (several times faster than ``sum(axis=(0, 2, 3))``)."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _spread(v, length):
    """Per-channel values v (C,) repeated over the L entries of each channel, (C, L):
    broadcast against (N, C, L), the ufunc's inner loops then run over C * L contiguous
    entries rather than L, faster for DCGAN's activations (benchmarks/README.md, section
    "Per-channel values spread over a channel")."""
    return np.repeat(v, length).reshape(v.shape[0], length)


def _stat_dims(x):
    """The axes per-channel statistics reduce over: all but the channel axis 1."""
    return (0,) + tuple(range(2, x.ndim))


def _stat_shape(x):
    """(1, C, 1, ...): per-channel statistics broadcast against x (N, C, *)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization (Ioffe & Szegedy, 2015) of ``input`` (N, C, *) per channel C,
    as ``torch.nn.functional.batch_norm``. With ``training`` the batch statistics are used
    and the running ones (when given) are updated in place with ``momentum`` (a number,
    or a 0-d Tensor such as the module's cumulative-average factor 1 / t); otherwise the
    running ones are used."""
    op = "batch_norm"
    check_tensor(input, op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input of shape (N, C, *), got shape {input.shape}")
    channels = (input.shape[1],)
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_param(input, t, name, channels, op)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{op}: give both running_mean and running_var, or neither")
    if training:
        n = input.numel() // channels[0]
        if n <= 1:
            raise ValueError(f"{op}: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        y, mu, var = BatchNorm(eps, weight is not None, bias is not None)(
            input, *[t for t in (weight, bias) if t is not None])
        if running_mean is not None:
            _update_running_stats(running_mean, running_var, mu, var, n, momentum)
        return y
    if running_mean is None:
        raise ValueError(f"{op}: running_mean and running_var are needed when training=False")
    stat_shape = _stat_shape(input)
    y = (input - reshape(running_mean, stat_shape)) / (reshape(running_var, stat_shape) + eps).sqrt()
    if weight is not None:
        y = y * reshape(weight, stat_shape)
    if bias is not None:
        y = y + reshape(bias, stat_shape)
    return y


def _update_running_stats(running_mean, running_var, batch_mean, batch_var, n, momentum):
    """Exponential moving averages of the batch statistics, by in-place ops (which a
    captured step replays), as PyTorch: the unbiased variance n / (n - 1) var goes into
    running_var. ``momentum`` is a number or a 0-d Tensor (BatchNorm's cumulative
    average, 1 / t)."""
    with no_grad():
        running_mean.mul_(1.0 - momentum).add_(batch_mean * momentum)
        running_var.mul_(1.0 - momentum).add_(batch_var * (momentum * (n / (n - 1))))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization (Ba et al., 2016) over the trailing ``normalized_shape`` axes,
    as ``torch.nn.functional.layer_norm``."""
    op = "layer_norm"
    check_tensor(input, op)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or input.shape[-k:] != normalized_shape:
        raise ValueError(f"{op}: input of shape {input.shape} does not end with normalized_shape {normalized_shape}")
    _check_param(input, weight, "weight", normalized_shape, op)
    _check_param(input, bias, "bias", normalized_shape, op)
    y = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def dropout(input, p=0.5, training=True):
    """Inverted dropout (Srivastava et al., 2014), as ``torch.nn.functional.dropout``:
    in training each entry is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so the expected value is unchanged and evaluation is the identity.
    The mask is a constant of the graph, made by the ``dropout_mask`` kernel (see
    ``npgan/kernels/dropout.py``) from one 64-bit seed drawn from npgan's seeded
    generator, so ``manual_seed`` reproduces it. The draw is a random source and the mask
    a ``locally_constant`` op on it, so a captured step (``npgan.compile``) draws a fresh
    seed and remakes the mask at every replay, as eager does."""
    check_tensor(input, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    mask = locally_constant(_dropout_mask, _draw_seed(), shape=input.shape, p=p, dtype=input.dtype)
    return input * mask


def _draw_seed():
    """One 64-bit seed from npgan's generator, as a 0-d uint64 Tensor; a captured step
    records the draw as a source (``npgan.random.draw``), so each replay draws a fresh one."""
    return draw(lambda: np.asarray(default_generator().integers(0, 2 ** 64, dtype=np.uint64)))


def _dropout_mask(seed, shape, p, dtype):
    """The mask 1 / (1 - p) or 0 per entry of ``shape``, from the 0-d array ``seed``."""
    return kernel("dropout_mask")(shape, p, int(seed), dtype)
