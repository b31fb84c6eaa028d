"""Adversarially fair representations (seed 004, "classification setting"): an encoder f
whose representation z = f(x) serves a classifier g of the label y while an adversary h
cannot recover the sensitive attribute a from it,

    L = L_classification(g(f(x)), y) + L_adversarial(h(R_lambda(f(x))), a)

with the gradient reversal R_lambda of DANN between f and h: h descends its loss, f
ascends it. Seed 004 writes L_adversarial = sum |h(f(x)) - a|; here it is h's binary
cross-entropy (the loss of the strongest adversary of its class, and the one DANN uses).

``train_fair`` trains f, g and h together with Adam and returns the networks; with
``adversary=False`` it is the same loop with lambda = 0 (h still learns, nothing reaches
f from it). Whether a is hidden is then measured by a *fresh* adversary trained on the
frozen z (``probe_accuracy``), not only by the h that f learned to fool.
"""
import numpy as np

from .. import nn, optim
from .. import random as ng_random
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..ops import binary_cross_entropy_with_logits


class FairModel(nn.Module):
    """f: in -> hidden -> z (tanh); g: z -> 1 logit of y; h: R_lambda -> z -> hidden -> 1 logit of a."""

    def __init__(self, in_features, z_dim=8, hidden=32, lambda_=1.0):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_features, hidden), nn.Tanh(), nn.Linear(hidden, z_dim), nn.Tanh())
        self.classifier = nn.Linear(z_dim, 1)
        self.reversal = nn.GradientReversal(lambda_)
        self.adversary = adversary_network(z_dim, hidden)

    def forward(self, x):
        z = self.encoder(x)
        return self.classifier(z), self.adversary(self.reversal(z))


def adversary_network(z_dim, hidden=32):
    return nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def _bce(logits, targets):
    return binary_cross_entropy_with_logits(logits, targets.astype(logits.dtype)[:, None])


def train_fair(x, y, a, adversary=True, lambda_=1.0, steps=2000, batch_size=256, lr=1e-3, adversary_lr=1e-2,
               seed=0):
    """A ``FairModel`` trained on (x, y, a) for ``steps`` Adam steps on random batches."""
    ng_random.manual_seed(seed)
    model = FairModel(x.shape[1], lambda_=lambda_ if adversary else 0.0)
    others = [p for name, p in model.named_parameters() if not name.startswith("adversary.")]
    opt = optim.Adam([{"params": others}, {"params": list(model.adversary.parameters()), "lr": adversary_lr}], lr=lr)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        i = rng.integers(0, len(x), batch_size)
        y_logit, a_logit = model(Tensor(x[i]))
        loss = _bce(y_logit, y[i]) + _bce(a_logit, a[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def representation(model, x):
    with no_grad():
        return model.encoder(Tensor(x)).data


def task_accuracy(model, x, y):
    with no_grad():
        return float(np.mean((model(Tensor(x))[0].data[:, 0] > 0) == y))


def probe_accuracy(z_train, a_train, z_test, a_test, steps=1500, lr=3e-3, seed=1):
    """Held-out accuracy on a of a fresh adversary network trained (Adam, full batch) on frozen z."""
    ng_random.manual_seed(seed)
    probe = adversary_network(z_train.shape[1])
    opt = optim.Adam(probe.parameters(), lr=lr)
    z = Tensor(z_train)
    for _ in range(steps):
        loss = _bce(probe(z), a_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        return float(np.mean((probe(Tensor(z_test)).data[:, 0] > 0) == a_test))
