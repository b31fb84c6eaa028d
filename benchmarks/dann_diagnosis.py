"""Why DANN's domain classifier stays far from chance (issue 16): one ``DANNTrainer`` run
(``npgan adapt``'s defaults: 2,000 steps, 64 + 64 images, Adam 1e-3 annealed, beta1 0.5) with
one thing changed, printing every ``--every`` steps the held-out target / source accuracy and
the accuracy of DANN's own domain classifier G_d, and at the end the accuracy of a *fresh*
G_d (same shape, Adam 1e-3, ``--probe-steps`` batches) trained on the frozen features: the
measure of whether the features are domain-invariant, which G_d's own accuracy is not.

    --brightness LO HI --contrast LO HI   the target's texture ranges (DigitDomains; the default
                                          0.1-0.4 each; 0-0.15 each is a weak shift without inversion)
    --dlr M                               G_d learns at M times the rate of G_f and G_y
    --lam-max M                           lambda_p times M

The held-out sets are ``npgan adapt``'s (rng [seed, 3] and [seed, 2]), so with no option the
run is ``npgan adapt --seed S``'s. README.md ("Domain-adversarial training") has the results.

    python benchmarks/dann_diagnosis.py [--seed S] [--dlr 0.1] [--brightness 0 0.15 --contrast 0 0.15]
"""
import argparse, dataclasses, time, json
import numpy as np
import npgan as ng
from npgan import nn, optim
from npgan.autograd.tensor import Tensor
from npgan.autograd.grad_mode import no_grad
from npgan.ops import binary_cross_entropy_with_logits
from npgan.data.domains import get_domains
from npgan.gan import dann as D

ap = argparse.ArgumentParser()
ap.add_argument("--method", default="dann"); ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--steps", type=int, default=2000); ap.add_argument("--every", type=int, default=250)
ap.add_argument("--brightness", type=float, nargs=2, default=None); ap.add_argument("--contrast", type=float, nargs=2, default=None)
ap.add_argument("--gamma", type=float, default=10.0); ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--optimizer", default="adam"); ap.add_argument("--dlr", type=float, default=1.0)
ap.add_argument("--probe-steps", type=int, default=300); ap.add_argument("--lam-max", type=float, default=1.0)
ap.add_argument("--tag", default="")
a = ap.parse_args()
dom = get_domains("digits-textured")
kw = {}
if a.brightness: kw["brightness"] = tuple(a.brightness)
if a.contrast: kw["contrast"] = tuple(a.contrast)
dom = dataclasses.replace(dom, **kw)
ng.manual_seed(a.seed)
model = D.DANN()
tr = D.DANNTrainer(model, dom.source, dom.target, a.steps, a.method, 64, a.optimizer, a.lr, 0.9, a.gamma, a.seed)
if a.dlr != 1.0:
    dparams = set(id(p) for p in model.domain_classifier.parameters())
    rest = [p for p in model.parameters() if id(p) not in dparams]
    tr.optimizer = optim.Adam([{"params": rest}, {"params": list(model.domain_classifier.parameters()), "lr": a.lr * a.dlr}], lr=a.lr, betas=(0.5, 0.999))
held = (dom.source(1000, np.random.default_rng([a.seed, 3])), dom.target_labelled(1000, np.random.default_rng([a.seed, 2])))

def feats(x):
    out = []
    with no_grad():
        for s in range(0, len(x), 500):
            out.append(model.features(Tensor(np.asarray(x[s:s+500], np.float32))).data)
    return np.concatenate(out)

def probe(steps, seed=123):
    """a fresh G_d (same shape) trained on frozen features of fresh batches; held-out accuracy."""
    ng.manual_seed(seed)
    head = nn.Sequential(nn.Linear(48*7*7, 100), nn.ReLU(), nn.Linear(100, 1))
    opt = optim.Adam(head.parameters(), lr=1e-3, betas=(0.5, 0.999))
    rng = np.random.default_rng([seed, 9])
    for _ in range(steps):
        xs, _ = dom.source(64, rng); xt = dom.target(64, rng)
        f = Tensor(feats(np.concatenate([xs, xt])))
        d = head(f)
        loss = binary_cross_entropy_with_logits(d[:64], np.zeros((64, 1), np.float32)) + binary_cross_entropy_with_logits(d[64:], np.ones((64, 1), np.float32))
        opt.zero_grad(); loss.backward(); opt.step()
    with no_grad():
        ds = head(Tensor(feats(held[0][0]))).data[:, 0]; dt = head(Tensor(feats(held[1][0]))).data[:, 0]
    return (np.count_nonzero(ds <= 0) + np.count_nonzero(dt > 0)) / (len(ds) + len(dt))

t0 = time.time(); dl = []
orig = tr.schedule
tr.schedule = lambda step: (orig(step)[0] * a.lam_max, orig(step)[1])
if a.dlr != 1.0:
    def step():
        lam, lr = tr.schedule(tr.step_count); model.reversal.lambda_ = lam
        tr.optimizer.param_groups[0]["lr"] = lr; tr.optimizer.param_groups[1]["lr"] = lr * a.dlr
        xs, ys = dom.source(64, tr.rng); xt = dom.target(64, tr.rng)
        ly, ld = tr.losses(xs, ys, xt); tr.optimizer.zero_grad(); (ly + ld).backward(); tr.optimizer.step(); tr.step_count += 1
        return {"label_loss": ly.item(), "domain_loss": ld.item(), "lambda": lam}
else:
    step = tr.step
for i in range(a.steps):
    m = step(); dl.append(m["domain_loss"])
    if (i + 1) % a.every == 0 or i + 1 == a.steps:
        s = D.evaluate(model, *held)
        print(f"{a.tag} step {i+1} lam {m['lambda']:.3f} Ld(avg) {np.mean(dl[-a.every:]):.3f} tgt {s['target_accuracy']:.3f} src {s['source_accuracy']:.3f} dom {s['domain_accuracy']:.3f} t {time.time()-t0:.0f}s", flush=True)
p = probe(a.probe_steps) if a.probe_steps else float('nan')
print(f"{a.tag} FINAL {json.dumps({**vars(a), **s, 'probe_domain_accuracy': p})}", flush=True)
