"""Domain-adversarial training of neural networks, DANN (Ganin et al., 2016; seed 004).

A feature extractor G_f feeds a label classifier G_y and, through a gradient reversal
layer R_lambda, a domain classifier G_d that tells source features (d = 0) from target
features (d = 1). Seed 004 writes the objective as a saddle point,

    E(theta_f, theta_y, theta_d) = 1/n sum_source L_y^i - lambda (1/n sum_source L_d^i + 1/n' sum_target L_d^i)
    (theta_f, theta_y) = argmin E,        theta_d = argmax E,

and the reversal turns it into one minimization of L_y + L_d(G_d(R_lambda(G_f(x)))) by
ordinary backpropagation: G_d descends L_d, G_f receives -lambda dL_d/dtheta_f and so
makes its features ones G_d cannot tell apart, while G_y keeps them useful for the labels
(which exist for the source only).

G_d learns at ``domain_lr`` times the rate of G_f and G_y (two parameter groups, both on
the annealed schedule below; a learning-rate multiplier of G_d's parameter group, as
Caffe's per-layer ``lr_mult``). The default 0.1 was chosen by
measurement (README.md, "Domain-adversarial training", 3 seeds of ``npgan adapt``): DANN
read the target at 74.0 +- 0.5% with G_d at a tenth of the rate, 64.5 +- 3.0% at the full
rate, against 48.4 +- 1.5% for source-only training; G_d's own domain accuracy was 65.5%
and 90.3%.

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
from .. import random as ng_random
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..metrics.losses import cross_entropy
from ..ops import binary_cross_entropy_with_logits

METHODS = ("dann", "source-only")
OPTIMIZERS = ("adam", "sgd")
DOMAIN_LR = 0.1  # G_d's learning rate as a fraction of G_f's and G_y's (see above)


def dann_lambda(p, gamma=10.0):
    """lambda_p = 2 / (1 + exp(-gamma p)) - 1: from 0 at p = 0 towards 1."""
    return 2.0 / (1.0 + math.exp(-gamma * p)) - 1.0


def annealed_lr(p, lr0=0.01, alpha=10.0, beta=0.75):
    """mu_p = mu_0 / (1 + alpha p)^beta."""
    return lr0 / (1.0 + alpha * p) ** beta


def domain_head(width, hidden=100):
    """G_d without the reversal: linear -> ``hidden`` -> ReLU -> 1 logit (target vs source)."""
    return nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 1))


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
        self.domain_classifier = domain_head(width, hidden)

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
    continues the identical trajectory.

    The optimizer has two parameter groups: G_f and G_y at mu_p, then G_d at
    ``domain_lr`` * mu_p."""

    def __init__(self, model, sample_source, sample_target, steps, method="dann", batch_size=64,
                 optimizer="adam", lr=1e-3, momentum=0.9, gamma=10.0, seed=0, domain_lr=DOMAIN_LR):
        if method not in METHODS:
            raise ValueError(f"DANNTrainer: method must be one of {METHODS}, got {method!r}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"DANNTrainer: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        if isinstance(domain_lr, bool) or not isinstance(domain_lr, (int, float)) or not 0 < domain_lr < math.inf:
            raise ValueError(f"DANNTrainer: domain_lr must be a finite number > 0, got {domain_lr!r}")
        self.model, self.method = model, method
        self.sample_source, self.sample_target = sample_source, sample_target
        self.steps, self.batch_size, self.lr, self.gamma = steps, batch_size, lr, gamma
        self.lr_mults = (1.0, float(domain_lr))  # of the two parameter groups
        groups = [{"params": list(model.features.parameters()) + list(model.label_classifier.parameters())},
                  {"params": list(model.domain_classifier.parameters()), "lr": lr * domain_lr}]
        self.optimizer = (optim.Adam(groups, lr=lr, betas=(0.5, 0.999)) if optimizer == "adam" else
                          optim.SGD(groups, lr=lr, momentum=momentum))
        self.rng = np.random.default_rng(seed)
        self.step_count = 0
        self.dtype = next(iter(model.parameters())).dtype

    def schedule(self, step):
        """(lambda_p, mu_p) at ``step`` of ``self.steps``; G_d's rate is ``domain_lr`` * mu_p."""
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
        for group, mult in zip(self.optimizer.param_groups, self.lr_mults):
            group["lr"] = lr * mult
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
        self.optimizer.load_state_dict(self._as_two_groups(state["optimizer"]))
        self.rng.bit_generator.state = state["rng"]
        self.step_count = int(state["step"])

    def _as_two_groups(self, saved):
        """An optimizer state saved before ``domain_lr`` existed (one group of all of
        ``model.parameters()``, G_d at the full rate) as this trainer's two groups, so such a
        run resumes; a state with two groups as it is."""
        if len(saved["param_groups"]) != 1 or len(self.optimizer.param_groups) != 2:
            return saved
        (group,) = saved["param_groups"]
        position = {id(p): i for i, p in enumerate(self.model.parameters())}
        if len(group["params"]) != len(position):
            return saved  # not such a state: the optimizer's own check names the mismatch
        return {**saved, "param_groups": [
            {**group, "params": [group["params"][position[id(p)]] for p in new["params"]], "lr": group["lr"] * mult}
            for new, mult in zip(self.optimizer.param_groups, self.lr_mults)]}


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
    return {"source_accuracy": float(np.mean(label_s == ys)), "target_accuracy": float(np.mean(label_t == yt)),
            "domain_accuracy": domain_accuracy(domain_s, domain_t)}


def domain_accuracy(source_logits, target_logits):
    """The fraction of domain logits on the right side of 0: source <= 0, target > 0."""
    correct = np.count_nonzero(source_logits <= 0) + np.count_nonzero(target_logits > 0)
    return correct / (len(source_logits) + len(target_logits))


def features(model, images, batch_size=500):
    """G_f(images) as a NumPy array, without a graph."""
    dtype = next(iter(model.parameters())).dtype
    with no_grad():
        return np.concatenate([model.features(Tensor(np.asarray(images[start:start + batch_size], dtype))).data
                               for start in range(0, len(images), batch_size)])


def probe_domain_accuracy(model, sample_source, sample_target, held_out, steps=300, batch_size=64, lr=1e-3,
                          seed=123):
    """The held-out domain accuracy of a *fresh* G_d (``domain_head``, Adam ``lr``, beta1 0.5)
    trained for ``steps`` batches of ``batch_size`` + ``batch_size`` fresh images on the frozen
    features of ``model``: how well the domains can still be told apart from G_f's features.
    DANN's own G_d does not measure that (G_f was trained to fool that one adversary).

    ``held_out`` is (source images, target images); ``seed`` gives the head's weights and its
    batches, and the global npgan generator is restored afterwards."""
    saved = ng_random.get_rng_state()
    ng_random.manual_seed(seed)
    one = features(model, held_out[0][:1])
    head = domain_head(one.shape[1])
    head = head.double() if one.dtype == np.float64 else head
    ng_random.set_rng_state(saved)
    opt = optim.Adam(head.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = np.random.default_rng([seed, 9])
    labels = np.concatenate([np.zeros((batch_size, 1)), np.ones((batch_size, 1))])
    for _ in range(steps):
        x_source, _ = sample_source(batch_size, rng)
        logits = head(Tensor(features(model, np.concatenate([x_source, sample_target(batch_size, rng)]))))
        loss = (binary_cross_entropy_with_logits(logits[:batch_size], labels[:batch_size].astype(logits.dtype)) +
                binary_cross_entropy_with_logits(logits[batch_size:], labels[batch_size:].astype(logits.dtype)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        source_logits, target_logits = (head(Tensor(features(model, x))).data[:, 0] for x in held_out)
    return domain_accuracy(source_logits, target_logits)
