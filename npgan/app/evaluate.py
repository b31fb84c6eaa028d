"""``npgan eval --ckpt C``: measure a trained GAN from its checkpoint.

* 2-D runs (ring8, grid25): the VEEGAN / PacGAN protocol of ``mixture.py`` on 2,500
  samples per seed -- modes covered, high-quality share, reverse KL.
* Image runs: the scores of ``images.py`` for ``n`` (2,000) generated images against ``n``
  real ones: fresh digits when the run trained on ``digits``, MNIST's test split when it
  trained on ``mnist:PATH``. Conditional generators are asked for every class equally
  often. One more real set of ``n`` gives the reference: what real digits score against
  real digits with this classifier and this ``n``, the floor a generator can reach.

* Image-pair runs (pix2pix): ``n`` held-out pairs (``Dataset.held_out``), translated with
  the U-Net's dropout on (its noise, as the paper at test time; new masks per seed): the
  mean L1 |G(x) - y| per pixel and the classifier's accuracy on G(x) against the digits'
  labels, and the edge energy of G(x) over that of y (``metrics.sharpness``: below 1 is
  blurrier than the real digits), beside the identity baseline (G(x) = x) and the clean
  targets themselves.

Each seed draws new latent vectors (and new real images); the report gives the mean and
the standard error (std / sqrt(seeds)) of every score over the seeds.
"""
import json
import os

import numpy as np

from ..data import load_mnist
from ..atomic import atomic_write
from ..metrics.classifier import load_classifier
from ..metrics.images import image_scores
from ..metrics.mixture import N_SAMPLES, mode_coverage
from ..metrics.sharpness import edge_energy_ratio
from .run import generate, load_run, translate

N_IMAGES = 2000
BATCH = 500            # images generated per pass: bounds the memory of the conv layers
PAIR_ROWS = (("L1 per pixel", "l1", "{:.4f}"), ("label accuracy", "label_accuracy", "{:.1%}"),
             ("edge energy / y's", "edge_energy", "{:.3f}"))  # of the pix2pix report
IMAGE_SCORES = ("frechet_distance", "inception_score", "classes_covered", "confidence", "label_accuracy")


def _generate(trainer, n, rng, batch=BATCH):
    """``n`` samples in batches (one ``rng`` stream), with balanced labels for a conditional G."""
    labels = None if trainer.num_classes is None else np.arange(n) % trainer.num_classes
    parts = [generate(trainer, min(batch, n - i), None if labels is None else labels[i:i + batch], rng)
             for i in range(0, n, batch)]
    return np.concatenate(parts), labels


def _real_images(dataset, data):
    """``draw(m, rng)``: m real images that the run did not train on."""
    if not data.startswith("mnist:"):
        return lambda m, rng: dataset.sample(m, rng)[0]
    test_images, _ = load_mnist(data[len("mnist:"):], "test")

    def draw(m, rng):
        if m > len(test_images):
            raise ValueError(f"evaluate: need {m} distinct MNIST test images, the test split has {len(test_images)}")
        return test_images[rng.choice(len(test_images), m, replace=False)]
    return draw


def _mean_and_se(rows, keys):
    """{key: {"mean", "se"}} over the rows (dicts) that have the key. The standard error
    std / sqrt(seeds) is None when it is undefined: for one seed, or when a value is
    infinite (the reverse KL of a seed without a single high-quality sample)."""
    out = {}
    for key in keys:
        v = np.array([row[key] for row in rows if key in row], dtype=np.float64)
        if not len(v):
            continue
        defined = len(v) > 1 and np.all(np.isfinite(v))
        out[key] = {"mean": float(v.mean()), "se": float(v.std(ddof=1) / np.sqrt(len(v))) if defined else None}
    return out


def _evaluate_points(trainer, dataset, seeds, n):
    if dataset.centres is None:
        raise ValueError(f"evaluate: {dataset.name} has no modes; mode coverage needs a mixture (ring8, grid25)")
    results = [mode_coverage(_generate(trainer, n, np.random.default_rng([seed, 0]))[0], dataset.centres, dataset.std)
               for seed in range(seeds)]
    per_seed = [r.as_dict() for r in results]
    return {"num_modes": len(dataset.centres), "per_seed": per_seed,
            "scores": _mean_and_se(per_seed, ("modes_covered", "high_quality", "reverse_kl"))}


def _evaluate_images(trainer, dataset, data, seeds, n):
    classifier = load_classifier()
    draw_real = _real_images(dataset, data)
    per_seed = []
    for seed in range(seeds):
        fake, labels = _generate(trainer, n, np.random.default_rng([seed, 0]))
        real = draw_real(n, np.random.default_rng([seed, 1]))
        per_seed.append(image_scores(classifier, real, fake, labels))
    both = draw_real(2 * n, np.random.default_rng([0, 2]))  # two disjoint real sets
    reference = image_scores(classifier, both[:n], both[n:])
    return {"classifier": classifier.checksum, "scores": _mean_and_se(per_seed, IMAGE_SCORES),
            "class_shares": np.mean([s["class_shares"] for s in per_seed], axis=0).tolist(),
            "reference": {k: reference[k] for k in IMAGE_SCORES if k in reference}, "per_seed": per_seed}


def _translate(trainer, inputs, seed, batch=BATCH):
    return np.concatenate([translate(trainer, inputs[i:i + batch], seed=seed * 1_000_003 + i) for i in range(0, len(inputs), batch)])


def _pair_scores(classifier, outputs, targets, labels):
    return {"l1": float(np.abs(outputs - targets).mean()),
            "label_accuracy": float((classifier.predict(outputs) == labels).mean()),
            "edge_energy": edge_energy_ratio(outputs, targets)}


def _evaluate_pairs(trainer, dataset, seeds, n):
    classifier = load_classifier()
    inputs, targets, labels = dataset.held_out(n)
    per_seed = [_pair_scores(classifier, _translate(trainer, inputs, seed), targets, labels) for seed in range(seeds)]
    return {"classifier": classifier.checksum, "scores": _mean_and_se(per_seed, [key for _, key, _ in PAIR_ROWS]),
            "identity": _pair_scores(classifier, inputs, targets, labels),
            "targets": _pair_scores(classifier, targets, targets, labels), "per_seed": per_seed}


def evaluate_checkpoint(ckpt_path, seeds=1, n=None):
    """The metrics of the run saved at ``ckpt_path``, as a JSON-ready dict: what was
    measured (model, data, step, kind, seeds, n), ``scores`` {name: {"mean", "se"}} and
    ``per_seed``; image runs add the classifier checksum, ``class_shares`` and ``reference``."""
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"evaluate: seeds must be a positive integer, got {seeds!r}")
    if n is not None and (not isinstance(n, int) or n < 2):
        raise ValueError(f"evaluate: n must be an integer >= 2, got {n!r}")
    trainer, dataset, config = load_run(ckpt_path)
    head = {"checkpoint": os.fspath(ckpt_path), "model": config.model, "data": config.data,
            "step": trainer.step_count, "kind": dataset.kind, "seeds": seeds}
    if dataset.kind == "points":
        head["n"] = n or N_SAMPLES
        return {**head, **_evaluate_points(trainer, dataset, seeds, head["n"])}
    head["n"] = n or N_IMAGES
    if dataset.kind == "pairs":
        return {**head, **_evaluate_pairs(trainer, dataset, seeds, head["n"])}
    return {**head, **_evaluate_images(trainer, dataset, config.data, seeds, head["n"])}


# --- the command line -------------------------------------------------------------------

def _cell(stat, fmt):
    mean, se = stat["mean"], stat["se"]
    return fmt.format(mean) + ("" if se is None else f" ± {fmt.format(se)}")


def format_report(result):
    """The result of ``evaluate_checkpoint`` as a readable table."""
    s = result["scores"]
    lines = [f"{result['model']} on {result['data']}, step {result['step']}: "
             f"{result['seeds']} seed(s) x {result['n']:,} samples"]
    if result["kind"] == "points":
        k = result["num_modes"]
        lines += ["VEEGAN/PacGAN protocol: high quality = within 3 std of the nearest mode; mean ± s.e. over seeds",
                  f"  modes covered        {_cell(s['modes_covered'], '{:.2f}')} / {k}",
                  f"  high-quality share   {_cell(s['high_quality'], '{:.1%}')}",
                  f"  reverse KL           {_cell(s['reverse_kl'], '{:.4f}')}"]
        return "\n".join(lines)
    if result["kind"] == "pairs":
        lines += [f"held-out pairs; digit classifier sha256 {result['classifier']}; mean ± s.e. over seeds "
                  "(dropout masks)", f"  {'':<22}{'G(x)':<22}{'identity (x)':<16}target (y)"]
        lines += [f"  {name:<22}{_cell(s[key], fmt):<22}{fmt.format(result['identity'][key]):<16}"
                  f"{fmt.format(result['targets'][key])}"
                  for name, key, fmt in PAIR_ROWS]
        return "\n".join(lines)
    ref = result["reference"]
    rows = [("Frechet distance", "frechet_distance", "{:.3f}"), ("IS analogue (max 10)", "inception_score", "{:.3f}"),
            ("classes >= 1%", "classes_covered", "{:.1f}"), ("mean confidence", "confidence", "{:.3f}"),
            ("label accuracy", "label_accuracy", "{:.1%}")]
    lines += [f"digit classifier sha256 {result['classifier']} (scores from another classifier do not compare)",
              f"  {'score':<22}{'generated':<22}real vs real (reference)"]
    lines += [f"  {name:<22}{_cell(s[key], fmt):<22}{fmt.format(ref[key]) if key in ref else '-'}"
              for name, key, fmt in rows if key in s]
    lines.append("  class shares: " + "  ".join(f"{k}:{share:.1%}" for k, share in enumerate(result["class_shares"])))
    return "\n".join(lines)


def run(args):
    """``npgan eval``: print the table, and write the full result as JSON with ``--json``."""
    result = evaluate_checkpoint(args.ckpt, args.seeds, args.n)  # checks seeds and n before any work
    print(format_report(result))
    if args.json:
        with atomic_write(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {args.json}")
    return 0


def add_eval_parser(subparsers, parents=()):
    """Define ``npgan eval`` on the ``subparsers`` of the main parser (``parents``: the
    options every subcommand shares, such as ``--backend``)."""
    parser = subparsers.add_parser(
        "eval", help="measure a checkpoint: mode coverage (2-D) or classifier scores (images)",
        description="Measure a trained GAN: the VEEGAN/PacGAN mode-coverage protocol for 2-D mixtures, "
                    "or the Frechet distance, IS analogue, class coverage and confidence of npgan's digit "
                    "classifier for images (printed with the classifier's checksum).", parents=list(parents))
    parser.add_argument("--ckpt", required=True, help="a checkpoint.npz written by npgan train (or its run directory)")
    parser.add_argument("--seeds", type=int, default=1, help="independent sample sets; mean ± s.e. (default 1)")
    parser.add_argument("--n", type=int, default=None,
                        help=f"samples per seed (default {N_SAMPLES:,} for 2-D, {N_IMAGES:,} for images)")
    parser.add_argument("--json", default=None, help="also write the full result to this JSON file")
    parser.set_defaults(run=run)
    return parser
