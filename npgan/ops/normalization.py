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
over the activation, where the composition of ~10 primitives made many more. Its
backward still builds the exact graph of the gradient when that graph is recorded,
recomputing the statistics from x with ops: caching input-dependent arrays there is the
bug that gives DeZero's BatchNorm a wrong second derivative. The eval-mode path and
layer norm are compositions of mean, sub, mul, add, sqrt and div, whose gradients of
every order come from those ops.
"""
import numpy as np

from ..autograd import grad_mode
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..kernels import kernel
from ..random import default_generator
from ._util import check_tensor
from .reductions import mean
from .shape import reshape


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
    """(x - mean) / sqrt(var + eps) over ``dims``, with the biased variance; also returns
    the mean and variance (Tensors in the graph). Layer norm's forward and the recorded
    backward of ``BatchNorm`` use it."""
    mu = mean(x, dims, keepdim=True)
    centered = x - mu
    var = mean(centered * centered, dims, keepdim=True)
    return centered / (var + eps).sqrt(), mu, var


class BatchNorm(Function):
    """Batch normalization with the batch statistics (training mode) of x (N, C, *); the
    optional inputs after x are weight (gamma) then bias (beta), each of shape (C,), as
    ``has_weight`` / ``has_bias`` say. Per channel, over its M = N * prod(*) entries:

        mu = mean(x)    var = mean((x - mu)^2)    inv_std = 1 / sqrt(var + eps)
        xhat = (x - mu) inv_std
        y = gamma xhat + beta = (x - mu) a + beta    with a = gamma inv_std

        with gxhat = gy gamma and the means over the channel's M entries:
        dx     = inv_std (gxhat - mean(gxhat) - xhat mean(gxhat xhat))
        dgamma = sum(gy xhat)        dbeta = sum(gy)

    The forward is five passes over the activation (the sum for mu, x - mu, the sum of
    squares for var, then a multiply and an add in place on x - mu, which becomes y); it
    keeps mu, var (for the running statistics) and inv_std, per channel. backward takes
    one of two paths:

    * recorded (``create_graph=True``: grad mode is on inside backward): the formulas
      run as ops on the input Tensors, with mu, var and xhat recomputed from x, so the
      gradient is a differentiable function of x, gamma, beta and gy and derivatives of
      every order follow. The cached mu and inv_std would enter that graph as constants
      and their dependence on x would be missing from the second derivative (DeZero's
      BatchNorm bug).
    * not recorded (a first-order backward, the usual training step): no graph of the
      gradient is built, so nothing differentiates it and constants cannot make it
      wrong. The formulas run on arrays with the forward's mu and inv_std, as
          dx = a (gy - sum(gy) / M) - (x - mu) a inv_std^2 sum(gy (x - mu)) / M
      in seven passes over the activation: two per-channel sums, x - mu, and four
      elementwise ops.
    """

    def __init__(self, eps, has_weight, has_bias):
        self.eps, self.has_weight, self.has_bias = eps, has_weight, has_bias

    def forward(self, x, *affine):
        weight, bias = self._affine(affine)
        x3 = _by_channel(x)
        n, _, length = x3.shape
        self.mu = np.einsum("ncl->c", x3) / (n * length)
        centered = x3 - _spread(self.mu, length)
        self.var = np.einsum("ncl,ncl->c", centered, centered) / (n * length)
        self.inv_std = 1.0 / np.sqrt(self.var + x.dtype.type(self.eps))
        a = self.inv_std if weight is None else self.inv_std * weight
        y = np.multiply(centered, _spread(a, length), out=centered)  # (x - mu) a, in place
        if bias is not None:
            y += _spread(bias, length)
        return y.reshape(x.shape)

    def backward(self, gy):
        if grad_mode.is_grad_enabled():
            return self._backward_with_ops(gy)
        return self._backward_on_arrays(gy)

    def _backward_with_ops(self, gy):
        x = self.inputs[0]
        weight, _ = self._affine(self.inputs[1:])
        need = self.needs_input_grad
        dims = (0,) + tuple(range(2, x.ndim))
        gx = gweight = gbias = None
        if need[0] or (self.has_weight and need[1]):
            xhat, _, var = _normalize(x, dims, self.eps)
            inv_std = 1.0 / (var + self.eps).sqrt()
        if need[0]:
            gxhat = gy if weight is None else gy * reshape(weight, _stat_shape(x))
            gx = inv_std * (gxhat - mean(gxhat, dims, keepdim=True)
                            - xhat * mean(gxhat * xhat, dims, keepdim=True))
        if self.has_weight and need[1]:
            gweight = (gy * xhat).sum(dims)
        if self.has_bias and need[-1]:
            gbias = gy.sum(dims)
        return self._grads(gx, gweight, gbias)

    def _backward_on_arrays(self, gy):
        x = self.inputs[0].data
        weight, _ = self._affine([t.data for t in self.inputs[1:]])
        need = self.needs_input_grad
        want_gx, want_gweight = need[0], self.has_weight and need[1]
        want_gbias = self.has_bias and need[-1]
        x3, gy3 = _by_channel(x), _by_channel(gy.data)
        n, _, length = x3.shape
        m = n * length
        inv_std = self.inv_std
        gx = gweight = gbias = None
        if want_gx or want_gbias:
            sum_gy = np.einsum("ncl->c", gy3)
            gbias = Tensor(sum_gy) if want_gbias else None
        if want_gx or want_gweight:
            centered = x3 - _spread(self.mu, length)
            dot = np.einsum("ncl,ncl->c", gy3, centered)  # sum(gy xhat) / inv_std
            gweight = Tensor(dot * inv_std) if want_gweight else None
        if want_gx:
            # dx = a (gy - sum(gy) / M - (x - mu) inv_std^2 dot / M), a = gamma inv_std
            a = inv_std if weight is None else inv_std * weight
            gx3 = np.multiply(gy3, _spread(a, length))
            gx3 -= _spread(a * sum_gy / m, length)
            gx3 -= np.multiply(centered, _spread(a * inv_std * inv_std * dot / m, length), out=centered)
            gx = Tensor(gx3.reshape(x.shape))
        return self._grads(gx, gweight, gbias)

    def _affine(self, params):
        """(weight, bias) from the inputs after x, None for an absent one."""
        params = list(params)
        weight = params.pop(0) if self.has_weight else None
        bias = params.pop(0) if self.has_bias else None
        return weight, bias

    def _grads(self, gx, gweight, gbias):
        """The input gradients in the order of the inputs: x, then weight and bias if given."""
        return (gx,) + ((gweight,) if self.has_weight else ()) + ((gbias,) if self.has_bias else ())

    def release(self):
        super().release()
        self.mu = self.var = self.inv_std = None


def _by_channel(a):
    """a (N, C, *) as (N, C, L): a view for the usual layouts, so the per-channel sums
    are single einsum passes (several times faster than ``sum(axis=(0, 2, 3))``)."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _spread(v, length):
    """Per-channel values v (C,) repeated over the L entries of each channel, (C, L):
    broadcast against (N, C, L), the ufunc's inner loops then run over C * L contiguous
    entries rather than L (for (64, 64, 14, 14) float32, a multiply takes 0.23 ms
    instead of 0.37 ms; for (64, 128, 7, 7), 0.13 ms instead of 0.20 ms)."""
    return np.repeat(v, length).reshape(v.shape[0], length)


def _stat_shape(x):
    """(1, C, 1, ...): per-channel statistics broadcast against x (N, C, *)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization (Ioffe & Szegedy, 2015) of ``input`` (N, C, *) per channel C,
    as ``torch.nn.functional.batch_norm``. With ``training`` the batch statistics are used
    and the running ones (when given) are updated in place; otherwise the running ones
    are used."""
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
        fn = BatchNorm(eps, weight is not None, bias is not None)
        y = fn(input, *[t for t in (weight, bias) if t is not None])
        if running_mean is not None:
            _update_running_stats(running_mean, running_var, fn.mu, fn.var, n, momentum)
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
    """Exponential moving averages of the batch statistics, in place (as PyTorch: the
    unbiased variance n / (n - 1) var goes into running_var)."""
    with no_grad():
        running_mean.data[...] = momentum * batch_mean + (1.0 - momentum) * running_mean.data
        running_var.data[...] = momentum * batch_var * (n / (n - 1)) + (1.0 - momentum) * running_var.data


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
    y, _, _ = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def dropout(input, p=0.5, training=True):
    """Inverted dropout (Srivastava et al., 2014), as ``torch.nn.functional.dropout``:
    in training each entry is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so the expected value is unchanged and evaluation is the identity.
    The mask is a constant of the graph, made by the ``dropout_mask`` kernel from one
    64-bit seed drawn from npgan's seeded generator (so ``manual_seed`` reproduces it):
    0.4 ms for a float32 DCGAN activation (64, 64, 14, 14), where NumPy's uniforms alone
    took 1.3 ms (see ``npgan/kernels/dropout.py``)."""
    check_tensor(input, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    seed = int(default_generator().integers(0, 2 ** 64, dtype=np.uint64))
    mask = kernel("dropout_mask")(input.shape, p, seed, input.dtype)
    return input * Tensor(mask)
