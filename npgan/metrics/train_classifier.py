"""Train the digit classifier of the image metrics, with npgan itself.

    python -m npgan.metrics.train_classifier --out npgan/metrics/digit_classifier.npz \\
        [--data digits|mnist:PATH] --steps 1500 --seed 0

Each step draws a fresh batch (``digits`` renders new ones; ``mnist:PATH`` draws from the
training split) and takes one Adam step on the softmax cross-entropy, with the learning
rate decayed linearly to 0 over the run (a short run then ends in a settled minimum
instead of wherever the last large step left it). The held-out accuracy is measured on
digits from a random stream training never touched (``digits``), or on MNIST's test split.
The weights go to ``--out`` with how they were made; ``load_classifier`` reads them.

The shipped weights: ``--steps 1500 --seed 0`` on digits, 99.7% on 5,000 held-out digits
(its time: benchmarks/README.md, section "The digit classifier's training"). On a shared
machine, set ``OPENBLAS_NUM_THREADS=1``: OpenBLAS threads that wait for a busy core made
each step many times slower (measured there too).
"""
import argparse
import time

import numpy as np

from .. import optim
from .. import random as ng_random
from ..autograd.tensor import Tensor
from ..data import get_dataset, load_mnist
from ..serialization import save_checkpoint
from .classifier import KIND, DigitClassifier, DigitNet, file_checksum
from .losses import cross_entropy

HELD_OUT = 5000


def held_out_set(data, seed, n=HELD_OUT):
    """Images and labels training never saw: fresh digits from stream ``[seed, 1]``, or MNIST's test split."""
    if data.startswith("mnist:"):
        images, labels = load_mnist(data[len("mnist:"):], "test")
        return images[:n], labels[:n]
    return get_dataset(data).sample(n, np.random.default_rng([seed, 1]))


def accuracy(classifier, images, labels):
    return float(np.mean(classifier.predict(images) == labels))


def train(data="digits", steps=1500, batch_size=64, lr=2e-3, seed=0, log=print, log_every=100):
    """A trained ``DigitNet`` and the settings that made it."""
    dataset = get_dataset(data)
    if dataset.kind != "images" or dataset.shape != (1, 28, 28) or dataset.num_classes != 10:
        raise ValueError(f"train_classifier: {data!r} is not a labelled 28x28 digit data set")
    ng_random.manual_seed(seed)
    net = DigitNet()
    opt = optim.Adam(net.parameters(), lr=lr)
    rng = np.random.default_rng([seed, 0])
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * (1 - step / steps)
        x, y = dataset.sample(batch_size, rng)
        loss = cross_entropy(net(Tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % log_every == 0 or step + 1 == steps:
            log(f"step {step + 1}/{steps}: cross-entropy {loss.item():.4f}")
    return net, {"data": data, "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m npgan.metrics.train_classifier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="where to write the weights (.npz)")
    parser.add_argument("--data", default="digits", help="digits | mnist:PATH (default digits)")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's initial learning rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    net, info = train(args.data, args.steps, args.batch_size, args.lr, args.seed)
    seconds = time.perf_counter() - start
    images, labels = held_out_set(args.data, args.seed)
    info["held_out_accuracy"] = accuracy(DigitClassifier(net, checksum=None), images, labels)
    info["held_out_n"] = len(labels)
    save_checkpoint(args.out, {"kind": KIND, "state_dict": net.state_dict(), "info": info})
    print(f"trained in {seconds:.0f} s; held-out accuracy {info['held_out_accuracy']:.2%} on {len(labels)} "
          f"{'fresh digits' if args.data == 'digits' else 'test images'}; wrote {args.out} "
          f"(sha256 {file_checksum(args.out)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
