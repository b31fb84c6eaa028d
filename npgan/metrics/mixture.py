"""Mode coverage on 2-D Gaussian mixtures, with the VEEGAN / PacGAN protocol.

Draw 2,500 samples from G. A sample is *high quality* when it lies within 3 standard
deviations of its nearest mode's centre. A mode is *covered* when at least one
high-quality sample is assigned to it. The *reverse KL* is KL(q || uniform), q being
the histogram of high-quality samples over the modes:
    KL = sum_k q_k log(q_k / (1/K))     (0 when every mode gets the same share)
"""
from dataclasses import dataclass

import numpy as np

N_SAMPLES = 2500


@dataclass(frozen=True)
class ModeCoverage:
    modes_covered: int
    num_modes: int
    high_quality: float   # share of samples within 3 std of their nearest centre
    reverse_kl: float     # KL(histogram of high-quality samples over modes || uniform)

    def as_dict(self):
        return {"modes_covered": self.modes_covered, "num_modes": self.num_modes,
                "high_quality": self.high_quality, "reverse_kl": self.reverse_kl}


def mode_coverage(samples, centres, std, threshold=3.0):
    """The protocol above for ``samples`` (N, 2) against ``centres`` (K, 2) of std ``std``."""
    x = np.asarray(getattr(samples, "data", samples), dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != c.shape[1] or x.shape[0] == 0:
        raise ValueError(f"mode_coverage: samples must be (N, {c.shape[1]}) with N > 0, got {x.shape}")
    finite = np.all(np.isfinite(x), axis=1)
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    nearest = np.argmin(np.where(finite[:, None], d2, np.inf), axis=1)
    dist = np.sqrt(d2[np.arange(len(x)), nearest])
    good = finite & (dist <= threshold * std)
    counts = np.bincount(nearest[good], minlength=len(c))
    k = len(c)
    if good.sum() == 0:
        kl = float("inf")
    else:
        q = counts / counts.sum()
        nz = q > 0
        kl = float(np.sum(q[nz] * np.log(q[nz] * k)))
    return ModeCoverage(int((counts > 0).sum()), k, float(good.mean()), kl)


def summarize(results):
    """Mean and standard error of each field over several seeds' ``ModeCoverage``. The
    standard error is 0 for one seed and NaN when a value is infinite (the reverse KL of
    a run without a single high-quality sample)."""
    out = {}
    for field in ("modes_covered", "high_quality", "reverse_kl"):
        v = np.array([getattr(r, field) for r in results], dtype=np.float64)
        if len(v) == 1:
            se = 0.0
        else:
            se = v.std(ddof=1) / np.sqrt(len(v)) if np.all(np.isfinite(v)) else float("nan")
        out[field] = (float(v.mean()), float(se))
    return out
