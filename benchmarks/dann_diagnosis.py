"""Why DANN's domain classifier stays far from chance (issue 16): one ``DANNTrainer`` run
(``npgan adapt``'s defaults: 2,000 steps, 64 + 64 images, Adam 1e-3 annealed, beta1 0.5, G_d
at ``--domain-lr`` 0.1) with one thing changed, printing every ``--every`` steps the held-out
target / source accuracy and the accuracy of DANN's own domain classifier G_d, and at the end
the accuracy of a *fresh* G_d (``npgan.gan.dann.probe_domain_accuracy``: same shape, Adam
1e-3, ``--probe-steps`` batches) trained on the frozen features: the measure of whether the
features are domain-invariant, which G_d's own accuracy is not.

    --brightness LO HI --contrast LO HI   the target's texture ranges (DigitDomains; the default
                                          0.1-0.4 each; 0-0.15 each is a weak shift without inversion)
    --domain-lr M                         G_d learns at M times the rate of G_f and G_y (default 0.1)
    --lam-max M                           lambda_p times M
    --run DIR                             no training: the last accuracies and the fresh probe of
                                          the ``npgan adapt`` run in DIR

The held-out sets are ``npgan adapt``'s (rng [seed, 3] and [seed, 2]), so with no option the
run is ``npgan adapt --seed S``'s. README.md ("Domain-adversarial training") has the results.

    python benchmarks/dann_diagnosis.py [--seed S] [--domain-lr 1] [--brightness 0 0.15 --contrast 0 0.15]
    python benchmarks/dann_diagnosis.py --run runs/adapt-dann
"""
import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's npgan
import npgan as ng  # noqa: E402
from npgan.app.adapt import load_adapt_run  # noqa: E402
from npgan.data.domains import get_domains  # noqa: E402
from npgan.gan import dann  # noqa: E402


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="an npgan adapt run directory to probe instead of training")
    parser.add_argument("--method", default="dann", choices=dann.METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--brightness", type=float, nargs=2, default=None)
    parser.add_argument("--contrast", type=float, nargs=2, default=None)
    parser.add_argument("--gamma", type=float, default=10.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--optimizer", default="adam", choices=dann.OPTIMIZERS)
    parser.add_argument("--domain-lr", type=float, default=dann.DOMAIN_LR)
    parser.add_argument("--probe-steps", type=int, default=300)
    parser.add_argument("--lam-max", type=float, default=1.0)
    return parser.parse_args(argv)


def train(args, domains, held_out):
    """A DANNTrainer run of ``args``, printing the held-out accuracies every ``--every`` steps."""
    ng.manual_seed(args.seed)
    trainer = dann.DANNTrainer(dann.DANN(), domains.source, domains.target, args.steps, args.method, 64,
                               args.optimizer, args.lr, 0.9, args.gamma, args.seed, args.domain_lr)
    schedule = trainer.schedule
    trainer.schedule = lambda step: (schedule(step)[0] * args.lam_max, schedule(step)[1])
    start, domain_losses = time.time(), []
    for i in range(1, args.steps + 1):
        metrics = trainer.step()
        domain_losses.append(metrics["domain_loss"])
        if i % args.every == 0 or i == args.steps:
            s = dann.evaluate(trainer.model, *held_out)
            print(f"step {i} lam {metrics['lambda']:.3f} Ld(avg) {np.mean(domain_losses[-args.every:]):.3f} "
                  f"tgt {s['target_accuracy']:.3f} src {s['source_accuracy']:.3f} dom {s['domain_accuracy']:.3f} "
                  f"t {time.time() - start:.0f}s", flush=True)
    return trainer.model


def main(argv=None):
    args = parse(argv)
    if args.run:
        trainer, held_out, config = load_adapt_run(args.run)
        model, domains, settings = trainer.model, get_domains(config.data), config.to_json()
    else:
        domains = get_domains("digits-textured")
        ranges = {k: tuple(getattr(args, k)) for k in ("brightness", "contrast") if getattr(args, k)}
        domains = dataclasses.replace(domains, **ranges)
        held_out = (domains.source(1000, np.random.default_rng([args.seed, 3])),
                    domains.target_labelled(1000, np.random.default_rng([args.seed, 2])))
        model, settings = train(args, domains, held_out), vars(args)
    scores = dann.evaluate(model, *held_out)
    probe = (dann.probe_domain_accuracy(model, domains.source, domains.target, (held_out[0][0], held_out[1][0]),
                                        args.probe_steps) if args.probe_steps else float("nan"))
    print(f"FINAL {json.dumps({**settings, **scores, 'probe_domain_accuracy': probe})}", flush=True)


if __name__ == "__main__":
    main()
