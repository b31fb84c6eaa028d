"""Demo 15 — pix2pix: edge maps to digits with a U-Net, a PatchGAN and L1 (seed 004's "Pix2Pix"; Isola et al., 2017).

pix2pix observes x and reconstructs y. Its generator is a U-Net (strided convs down,
transposed convs up, each level's encoder features concatenated to the decoder's), its
only noise the decoder's dropout, kept on at test time; its discriminator a PatchGAN that
scores every 10x10 patch of the pair cat(x, y). G minimizes

    L_cGAN(G, D) + lambda E ||y - G(x)||_1,        lambda = 100.

L1 alone already puts the strokes in the right place (it is minimized by the per-pixel
median); the paper's claim is that the cGAN term makes them sharper, where L1 alone blurs
what it is unsure of. This demo trains both on ``digits-edges`` (the ``pix2pix`` and
``pix2pix-l1`` presets, through ``npgan.app.run.train``, so the runs can be resumed and
inspected with ``npgan eval``), then on held-out pairs prints

* L1 per pixel of G(x) to the target y, and the shipped digit classifier's accuracy on
  G(x), against the identity baseline G(x) = x and the targets themselves;
* the edge energy mean |grad G(x)| / mean |grad y| (``npgan.metrics.sharpness``; Sobel
  magnitude, as the edge maps are made): below 1 is blurrier than the real digits, near 1
  as crisp;

and draws input / L1 alone / pix2pix / target rows in ``comparison.png``.

    python demos/15_pix2pix.py [--out DIR] [--quick] [--steps N] [--data digits-edges|digits-denoise]
"""
import argparse
import os

import numpy as np

from npgan import viz
from npgan.app.evaluate import evaluate_checkpoint
from npgan.app.presets import TrainConfig
from npgan.app.run import load_run, train, translate
from npgan.data import get_dataset

MODELS = (("l1", "pix2pix-l1", "L1 alone"), ("pix2pix", "pix2pix", "pix2pix"))


def train_or_resume(model, data, steps, quick, out):
    """The run of preset ``model`` in ``out``: trained there, or resumed if a checkpoint is there."""
    small = dict(batch_size=4, sample_every=steps, checkpoint_every=steps) if quick else {}
    config = TrainConfig(model=model, data=data, steps=steps, **small)
    if os.path.exists(os.path.join(out, "checkpoint.npz")):
        train({"steps": steps}, out, resume=True, progress=not quick)
    else:
        train(config, out, progress=not quick)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_out/15_pix2pix")
    parser.add_argument("--quick", action="store_true", help="3 training steps on 4-pair batches: only checks "
                                                              "the plumbing")
    parser.add_argument("--steps", type=int, default=1500, help="generator steps of each run (default 1500)")
    parser.add_argument("--data", default="digits-edges", choices=("digits-edges", "digits-denoise"))
    parser.add_argument("--n", type=int, default=1000, help="held-out pairs to measure (default 1000)")
    parser.add_argument("--seeds", type=int, default=3, help="dropout-mask seeds of the measurement (default 3)")
    args = parser.parse_args(argv)
    steps, n, seeds = (3, 50, 1) if args.quick else (args.steps, args.n, args.seeds)
    if args.quick:
        print("--quick: 3 training steps on 4-pair batches; the numbers only check the plumbing")
    dataset = get_dataset(args.data)
    inputs, targets, _ = dataset.held_out(n)
    results, rows, names = {}, [inputs[:10]], ["input"]
    for key, model, name in MODELS:
        run = train_or_resume(model, args.data, steps, args.quick, os.path.join(args.out, key))
        result = evaluate_checkpoint(run, seeds=seeds, n=n)
        trainer, _, _ = load_run(run)
        outputs = translate(trainer, inputs)
        results[key] = {k: v["mean"] for k, v in result["scores"].items()}
        results["identity"], results["targets"] = result["identity"], result["targets"]
        rows.append(outputs[:10])
        names.append(name)
    rows.append(targets[:10])
    names.append("target")
    path = viz.save_image_grid(np.concatenate(rows), os.path.join(args.out, "comparison.png"), nrow=10,
                               labels=names)
    print(f"{args.data}, {steps} steps each, {n} held-out pairs, {seeds} dropout seed(s); classifier "
          f"{result['classifier']}")
    print(f"  {'':<22}{'L1 per pixel':>14}{'accuracy':>10}{'edge energy':>13}")
    for key, name in (("identity", "identity G(x) = x"), ("l1", "L1 alone"), ("pix2pix", "pix2pix"),
                      ("targets", "target y")):
        r = results[key]
        print(f"  {name:<22}{r['l1']:>14.4f}{r['label_accuracy']:>10.1%}{r['edge_energy']:>13.3f}")
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
