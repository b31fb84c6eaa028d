"""DeZero's training steps (DeZero 0.0.13 from PyPI, the "Deep Learning from Scratch 3"
engine), written with its own API: ``Variable.backward`` fills every ``.grad``, so each
update clears the grads, runs backward, and steps the model's optimizer.

Two shims make the 2020 release run under NumPy 2, and neither changes its arithmetic:
``np.int`` is restored for its import, and ``dezero.core.as_array`` makes Python scalars
float32 0-d arrays -- under NumPy 2's promotion rules (NEP 50) its float64 0-d arrays
would silently turn a float32 graph into float64 (NumPy 1 treated them as weak scalars,
as DeZero expects)."""
import numpy as np

from . import common

if not hasattr(np, "int"):
    np.int = int  # removed in NumPy 1.24; dezero.transforms uses it as a default argument
import dezero  # noqa: E402
import dezero.core  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402
from dezero import Model, Variable, optimizers  # noqa: E402


def _as_array(x, array_module=np):
    if np.isscalar(x):
        return array_module.array(x, dtype=x.dtype if isinstance(x, np.generic) else np.float32)
    return x


dezero.core.as_array = _as_array


def version():
    return f"dezero {getattr(dezero, '__version__', '?')}"


def _linear(W, b):
    """A DeZero Linear layer holding torch-layout W (out, in) as DeZero's (in, out)."""
    layer = L.Linear(W.shape[0], nobias=b is None, in_size=W.shape[1])
    layer.W.data = np.array(W.T, order="C")  # a copy: DeZero updates it in place
    if b is not None:
        layer.b.data = b.copy()
    return layer


class MLPGenerator(Model):
    def __init__(self, arrays):
        super().__init__()
        p = arrays
        self.l0, self.l1, self.l2 = _linear(p[0], p[1]), _linear(p[2], p[3]), _linear(p[4], p[5])

    def forward(self, z):
        h = F.leaky_relu(self.l0(z), common.SLOPE)
        h = F.leaky_relu(self.l1(h), common.SLOPE)
        return F.reshape(F.tanh(self.l2(h)), (len(z),) + common.IMAGE)


class MLPDiscriminator(Model):
    def __init__(self, arrays):
        super().__init__()
        p = arrays
        self.l0, self.l1, self.l2 = _linear(p[0], p[1]), _linear(p[2], p[3]), _linear(p[4], p[5])

    def forward(self, x):
        h = F.reshape(x, (len(x), -1))
        h = F.leaky_relu(self.l0(h), common.SLOPE)
        h = F.leaky_relu(self.l1(h), common.SLOPE)
        return self.l2(h)


def _batch_norm(weight, bias):
    bn = L.BatchNorm()
    bn.gamma.data, bn.beta.data = weight.copy(), bias.copy()
    return bn


class DCGANGenerator(Model):
    """DeZero's Deconv2d layer cannot set the output size, so the transposed convs call
    ``F.deconv2d(..., outsize=...)`` on Parameters (output_padding 1 = outsize 14, 28)."""

    def __init__(self, arrays):
        super().__init__()
        p = arrays
        self.fc = _linear(p[0], None)
        self.bn0, self.bn1, self.bn2 = _batch_norm(p[1], p[2]), _batch_norm(p[4], p[5]), _batch_norm(p[7], p[8])
        self.W1, self.W2, self.W3 = (dezero.Parameter(p[i].copy()) for i in (3, 6, 9))

    def forward(self, z):
        h = F.leaky_relu(self.bn0(self.fc(z)), common.SLOPE)
        h = F.reshape(h, (len(z), 256, 7, 7))
        h = F.leaky_relu(self.bn1(F.deconv2d(h, self.W1, None, 1, 2, outsize=(7, 7))), common.SLOPE)
        h = F.leaky_relu(self.bn2(F.deconv2d(h, self.W2, None, 2, 2, outsize=(14, 14))), common.SLOPE)
        return F.tanh(F.deconv2d(h, self.W3, None, 2, 2, outsize=(28, 28)))


class DCGANDiscriminator(Model):
    def __init__(self, arrays, dropout):
        super().__init__()
        p = arrays
        self.dropout = dropout
        self.c1 = L.Conv2d(64, 5, stride=2, pad=2, in_channels=1)
        self.c2 = L.Conv2d(128, 5, stride=2, pad=2, in_channels=64)
        for layer, W, b in ((self.c1, p[0], p[1]), (self.c2, p[2], p[3])):
            layer.W.data, layer.b.data = W.copy(), b.copy()
        self.fc = _linear(p[4], p[5])

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), common.SLOPE)
        if self.dropout:
            h = F.dropout(h, self.dropout)
        h = F.leaky_relu(self.c2(h), common.SLOPE)
        if self.dropout:
            h = F.dropout(h, self.dropout)
        return self.fc(F.reshape(h, (len(x), -1)))


def _mean(x):
    return F.sum(x) / x.data.size


def build(w, arrays):
    np.random.seed(common.SEED)  # DeZero's dropout draws from NumPy's global generator
    if w.arch == "mlp":
        G = MLPGenerator(common.params_of(arrays, "mlp_G"))
        D = MLPDiscriminator(common.params_of(arrays, "mlp_D"))
    else:
        G = DCGANGenerator(common.params_of(arrays, "dcgan_G"))
        D = DCGANDiscriminator(common.params_of(arrays, "dcgan_D"), w.dropout)
    opt_g = optimizers.Adam(alpha=w.lr, beta1=w.betas[0], beta2=w.betas[1]).setup(G)
    opt_d = optimizers.Adam(alpha=w.lr, beta1=w.betas[0], beta2=w.betas[1]).setup(D)
    rng = np.random.default_rng(common.SEED)
    sample = common.sample_real(arrays["real"])
    B = w.batch
    ones, zeros = np.ones((B, 1), np.float32), np.zeros((B, 1), np.float32)

    def real_and_fake():
        real = sample(B, rng)[0]
        with dezero.no_grad():
            fake = G(common.noise(rng, B)).data
        return real, fake

    def apply(opt, loss):
        G.cleargrads()
        D.cleargrads()
        loss.backward()
        opt.update()

    def bce_d_loss(real, fake):
        return 0.5 * F.sigmoid_cross_entropy(D(real), ones) + 0.5 * F.sigmoid_cross_entropy(D(fake), zeros)

    def lsgan_d_loss(real, fake):
        return 0.5 * F.mean_squared_error(D(real), ones) + 0.5 * F.mean_squared_error(D(fake), zeros)

    def wgan_gp_d_loss(real, fake):
        critic = _mean(D(fake)) - _mean(D(real))
        eps = common.interpolation_eps(rng, B)
        x_hat = Variable(eps * real + (1.0 - eps) * fake)
        D.cleargrads()
        F.sum(D(x_hat)).backward(create_graph=True)  # DeZero has no grad(): this fills every .grad
        g = F.reshape(x_hat.grad, (B, -1))  # its sum over a tuple of axes fails in backward
        norm = (F.sum(g * g, axis=1) + 1e-12) ** 0.5
        return critic + common.GP_LAMBDA * _mean((norm - 1.0) ** 2)

    def g_loss():
        out = D(G(common.noise(rng, B)))
        if w.game == "non_saturating":
            return 0.5 * F.sigmoid_cross_entropy(out, ones)
        if w.game == "lsgan":
            return 0.5 * F.mean_squared_error(out, ones)
        return -_mean(out)

    d_loss_fn = {"non_saturating": bce_d_loss, "lsgan": lsgan_d_loss}.get(w.game, wgan_gp_d_loss)

    def step():
        for _ in range(w.n_critic):
            d_loss = d_loss_fn(*real_and_fake())
            apply(opt_d, d_loss)
        if w.game == "wgan-gp-critic":
            return {"d_loss": float(d_loss.data)}
        loss = g_loss()
        apply(opt_g, loss)
        return {"d_loss": float(d_loss.data), "g_loss": float(loss.data)}
    return step
