"""Demo 17 — adversarially fair representations: an encoder that keeps the label and hides a sensitive attribute (seed 004).

Seed 004's classification setting: an encoder f maps features x to a representation
z = f(x), a classifier g reads the label y from z, and an adversary h tries to read the
sensitive attribute a from it,

    L = L_classification(g(f(x)), y) + L_adversarial(h(f(x)), a),

f and g minimizing L, h maximizing its own accuracy. npgan trains it as DANN does, with a
gradient reversal layer between f and h (``nn.GradientReversal``, lambda = 1): one
backward pass, h descends its cross-entropy while f receives the reversed gradient and
ascends it (``npgan.gan.fair``; seed 004 writes L_adversarial = sum |h(f(x)) - a|, here it
is h's cross-entropy).

The data (``npgan.data.sensitive``): a ~ Bernoulli(1/2); y = a with probability 0.7;
x has 4 columns shifted by y, 4 "proxy" columns shifted by a, 4 of noise. The label and
the attribute are correlated, so a classifier of y gains from the proxies and its z gives
a away. The demo trains f, g, h twice, without the adversary (lambda = 0: h learns but
nothing reaches f) and with it, and prints on 4,000 held-out rows:
  * the task accuracy on y (should stay high with the adversary),
  * the accuracy on a of the adversary h trained alongside f, and of a *fresh* adversary
    (same network) trained afterwards on the frozen z: the honest measure, since f may
    only have learned to fool its own h,
  * the two references: 50% (a is balanced), and predicting a from the true label y
    alone (about 70%): a z that predicts y perfectly cannot hide a below that.
What to look for: without the adversary both adversaries read a at about 90%; with it the
fresh one falls to about the label-alone reference while the task accuracy drops by about
a point. (The measured numbers are printed; the test of ``--quick`` asserts the claim.)

    python demos/17_fair_representations.py [--quick] [--seed S]
"""
import argparse

import numpy as np

import npgan as ng
from npgan.data.sensitive import sensitive_tabular
from npgan.gan.fair import probe_accuracy, representation, task_accuracy, train_fair


def adversary_accuracy(model, x, a):
    """Accuracy on a of the adversary h trained with the encoder."""
    with ng.no_grad():
        return float(np.mean((model(ng.tensor(x))[1].data[:, 0] > 0) == a))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and steps: a plumbing check of the claim")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="unused (this demo draws no pictures); accepted like the others")
    args = parser.parse_args(argv)
    n, steps, probe_steps = (1500, 800, 600) if args.quick else (4000, 2000, 1500)
    if args.quick:
        print(f"--quick: {n} rows, {steps} steps, a {probe_steps}-step probe: a plumbing check, not the measurement")
    x, y, a = sensitive_tabular(n, [args.seed, 0])
    x_test, y_test, a_test = sensitive_tabular(4000 if not args.quick else n, [args.seed, 1])
    results = {"label_alone": float(np.mean(a_test == y_test)), "chance": float(max(a_test.mean(), 1 - a_test.mean()))}
    print(f"references on a: chance {results['chance']:.1%} (the larger class), "
          f"from the true label alone {results['label_alone']:.1%}")
    for name, adversary in (("without adversary", False), ("with adversary", True)):
        model = train_fair(x, y, a, adversary=adversary, steps=steps, seed=args.seed)
        z, z_test = representation(model, x), representation(model, x_test)
        row = {"task": task_accuracy(model, x_test, y_test), "own_adversary": adversary_accuracy(model, x_test, a_test),
               "fresh_adversary": probe_accuracy(z, a, z_test, a_test, steps=probe_steps, seed=args.seed + 1)}
        results[name.replace(" ", "_")] = row
        print(f"{name:18s}: task accuracy on y {row['task']:.1%}; accuracy on a of its own adversary "
              f"{row['own_adversary']:.1%}, of a fresh adversary on the frozen z {row['fresh_adversary']:.1%}")
    return results


if __name__ == "__main__":
    main()
