"""Domain-adversarial training of neural networks, DANN (Ganin et al., 2016; seed 004).

A feature extractor G_f feeds a label classifier G_y and, through a gradient reversal
layer R_lambda, a domain classifier G_d that tells source features (d = 0) from target
features (d = 1). Seed 004 writes the objective as a saddle point,

    E(theta_f, theta_y, theta_d) = 1/n sum_source L_y^i - lambda (1/n sum_source L_d^i + 1/n' sum_target L_d^i)
    (theta_f, theta_y) = argmin E,        theta_d = argmax E,

and the reversal turns it into one minimization of L_y + L_d(G_d(R_lambda(G_f(x)))) by
ordinary backpropagation: G_d descends L_d, G_f receives -lambda dL_d/dtheta_f and so
makes its features ones G_d cannot tell apart, while G_y keeps them useful for the labels
(which exist for the source only). As in the paper's implementation, G_d learns at the
full rate (seed 004's SGD update scales its step by lambda as well).

Schedules of the paper, with p the progress from 0 to 1:
    lambda_p = 2 / (1 + exp(-gamma p)) - 1,  gamma = 10   (0 at the start, when G_d is still noise)
    mu_p = mu_0 / (1 + alpha p)^beta,  mu_0 = 0.01, alpha = 10, beta = 0.75   (SGD, momentum 0.9)

The optimizer is Adam by default (mu_0 = 1e-3 with the same annealing, beta1 = 0.5 as
DCGAN uses for its adversarial game); ``optimizer="sgd"`` with ``lr=0.01`` and momentum 0.9
is the paper's. README.md has both measured (``npgan adapt``).

Source-only training is the same loop with lambda = 0 throughout: G_d still learns (a
probe of how separable the two domains' features are), but nothing reaches G_f from it.
"""
import math

import numpy as np

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..metrics.losses import cross_entropy
from ..ops import binary_cross_entropy_with_logits

METHODS = ("dann", "source-only")
OPTIMIZERS = ("adam", "sgd")


def dann_lambda(p, gamma=10.0):
    """lambda_p = 2 / (1 + exp(-gamma p)) - 1: from 0 at p = 0 towards 1."""
    return 2.0 / (1.0 + math.exp(-gamma * p)) - 1.0


def annealed_lr(p, lr0=0.01, alpha=10.0, beta=0.75):
    """mu_p = mu_0 / (1 + alpha p)^beta."""
    return lr0 / (1.0 + alpha * p) ** beta


class DANN(nn.Module):
    """G_f, G_y and G_d for 28x28 grey images; the paper's MNIST networks with each
    convolution-and-max-pool replaced by a stride-2 convolution:

        G_f: conv 1->32 5x5 /2 -> ReLU -> conv 32->48 5x5 /2 -> ReLU -> flatten   (N, 48*7*7)
        G_y: linear -> 100 -> ReLU -> 100 -> ReLU -> 10 logits
        G_d: R_lambda -> linear -> 100 -> ReLU -> 1 logit (target vs source)
    """

    def __init__(self, in_channels=1, num_classes=10, hidden=100):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(32, 48, 5, stride=2, padding=2), nn.ReLU(), nn.Flatten())
        width = 48 * 7 * 7
        self.label_classifier = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                              nn.ReLU(), nn.Linear(hidden, num_classes))
        self.reversal = nn.GradientReversal(0.0)
        self.domain_classifier = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        """(label logits, domain logits) of a batch; the domain branch passes R_lambda."""
        f = self.features(x)
        return self.label_classifier(f), self.domain_classifier(self.reversal(f))


class DANNTrainer:
    """One optimizer step per call on a source batch (x_s, y_s) and an unlabelled target batch x_t,
    each ``batch_size`` images, with the schedules above over ``steps`` steps.

    ``sample_source(n, rng) -> (images, labels)`` and ``sample_target(n, rng) -> images``:
    the target sampler gives no labels, so none can be used. Every draw comes from the
    seeded ``rng``, saved in ``state_dict`` with the weights and momenta, so a resumed run
    continues the identical trajectory."""

    def __init__(self, model, sample_source, sample_target, steps, method="dann", batch_size=64,
                 optimizer="adam", lr=1e-3, momentum=0.9, gamma=10.0, seed=0):
        if method not in METHODS:
            raise ValueError(f"DANNTrainer: method must be one of {METHODS}, got {method!r}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"DANNTrainer: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        self.model, self.method = model, method
        self.sample_source, self.sample_target = sample_source, sample_target
        self.steps, self.batch_size, self.lr, self.gamma = steps, batch_size, lr, gamma
        self.optimizer = (optim.Adam(model.parameters(), lr=lr, betas=(0.5, 0.999)) if optimizer == "adam" else
                          optim.SGD(model.parameters(), lr=lr, momentum=momentum))
        self.rng = np.random.default_rng(seed)
        self.step_count = 0
        self.dtype = next(iter(model.parameters())).dtype

    def schedule(self, step):
        """(lambda_p, mu_p) at ``step`` of ``self.steps``."""
        p = min(step / self.steps, 1.0)
        return (dann_lambda(p, self.gamma) if self.method == "dann" else 0.0), annealed_lr(p, self.lr)

    def losses(self, x_source, y_source, x_target):
        """(L_y, L_d): the mean cross-entropy on the source labels; G_d's mean BCE on the
        source features (d = 0) plus its mean BCE on the target features (d = 1), as seed 004's E."""
        n = len(x_source)
        x = Tensor(np.concatenate([x_source, x_target]).astype(self.dtype, copy=False))
        label_logits, domain_logits = self.model(x)
        label_loss = cross_entropy(label_logits[:n], y_source)
        source_d, target_d = domain_logits[:n], domain_logits[n:]
        domain_loss = (binary_cross_entropy_with_logits(source_d, np.zeros(source_d.shape, self.dtype)) +
                       binary_cross_entropy_with_logits(target_d, np.ones(target_d.shape, self.dtype)))
        return label_loss, domain_loss

    def step(self):
        lambda_, lr = self.schedule(self.step_count)
        self.model.reversal.lambda_ = lambda_
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        x_source, y_source = self.sample_source(self.batch_size, self.rng)
        x_target = self.sample_target(self.batch_size, self.rng)
        label_loss, domain_loss = self.losses(x_source, y_source, x_target)
        self.optimizer.zero_grad()
        (label_loss + domain_loss).backward()
        self.optimizer.step()
        self.step_count += 1
        return {"label_loss": label_loss.item(), "domain_loss": domain_loss.item(), "lambda": lambda_, "lr": lr}

    def state_dict(self):
        return {"step": self.step_count, "model": dict(self.model.state_dict()),
                "optimizer": self.optimizer.state_dict(), "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        self.step_count = int(state["step"])


def predict(model, images, batch_size=500):
    """(label predictions (N,), domain logits (N,)) in eval mode, without a graph."""
    labels, domains = [], []
    dtype = next(iter(model.parameters())).dtype
    with no_grad():
        for start in range(0, len(images), batch_size):
            label_logits, domain_logits = model(Tensor(np.asarray(images[start:start + batch_size], dtype)))
            labels.append(label_logits.data.argmax(axis=1))
            domains.append(domain_logits.data[:, 0])
    return np.concatenate(labels), np.concatenate(domains)


def evaluate(model, source, target):
    """Accuracies on held-out sets ``source`` and ``target`` ((images, labels) each):
    the label classifier's on each domain, and the domain classifier's over both
    (0.5 is chance when the two sets are the same size)."""
    (xs, ys), (xt, yt) = source, target
    label_s, domain_s = predict(model, xs)
    label_t, domain_t = predict(model, xt)
    correct_domain = np.count_nonzero(domain_s <= 0) + np.count_nonzero(domain_t > 0)
    return {"source_accuracy": float(np.mean(label_s == ys)), "target_accuracy": float(np.mean(label_t == yt)),
            "domain_accuracy": correct_domain / (len(xs) + len(xt))}
