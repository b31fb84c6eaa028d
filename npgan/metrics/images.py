"""Scores of generated digit images, computed from npgan's own digit classifier.

FID and the Inception Score read an ImageNet Inception-v3 network; its weights cannot be
downloaded here, and they were never meant for 28x28 digits anyway. So npgan computes the
same formulas on a small digit classifier trained with npgan (``classifier.py``): the
Frechet distance on its 128 penultimate features, and the IS formula on its p(y|x).
These numbers are not FID or IS, and scores from two different classifiers do not
compare -- which is why every report carries the classifier's checksum. Real held-out
digits against other real digits give the reference: a Frechet distance near 0 (a small
positive bias from estimating 128x128 covariances from a finite sample) and an IS
analogue near 10, the number of classes.

    Frechet distance  FD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))
        the 2-Wasserstein distance between the Gaussians N(mu_r, S_r) and N(mu_g, S_g)
        fitted to the real and generated features (Heusel et al., 2017).
    IS analogue       exp(E_x KL(p(y|x) || p(y))),   p(y) = E_x p(y|x)
        between 1 (every sample gets the same class distribution) and K = 10 (each sample
        confidently one class, all classes equally often) (Salimans et al., 2016).
    class shares      the share of samples whose most likely class is k; a class is
        *covered* when it gets at least 1% of the samples (a uniform generator gives 10%).
    confidence        E_x max_y p(y|x): low when samples look like no digit in particular.
"""
import numpy as np

COVERED_SHARE = 0.01


def feature_statistics(features):
    """The mean (D,) and the unbiased covariance (D, D) of ``features`` (N, D), in float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"feature_statistics: features must be (N, D) with N >= 2, got {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def _sqrt_psd(s):
    """The symmetric square root of a symmetric positive semi-definite matrix: V sqrt(W) V^T."""
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """FD between N(mu1, sigma1) and N(mu2, sigma2).

    Tr((S1 S2)^(1/2)) needs no general (non-symmetric) matrix square root: S1 S2 has the
    eigenvalues of M = S1^(1/2) S2 S1^(1/2) (AB and BA share eigenvalues, with A = S1^(1/2),
    B = S1^(1/2) S2), and M is symmetric PSD, so the trace is sum_i sqrt(eig_i(M)).
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    d = mu1.shape[0]
    if mu1.ndim != 1 or mu1.shape != mu2.shape or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"frechet_distance: means {mu1.shape}, {mu2.shape} and covariances {s1.shape}, "
                         f"{s2.shape} do not describe two Gaussians of one dimension")
    root1 = _sqrt_psd(s1)
    m = root1 @ s2 @ root1
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt)


def frechet_distance_of(features_real, features_fake):
    """FD between Gaussians fitted to two feature sets (N, D) and (M, D)."""
    return frechet_distance(*feature_statistics(features_real), *feature_statistics(features_fake))


def _check_proba(proba, op):
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"{op}: probabilities must be (N, K) with N > 0, got {p.shape}")
    return p


def inception_score(proba):
    """exp(E_x KL(p(y|x) || p(y))) for class probabilities ``proba`` (N, K) (0 log 0 = 0)."""
    p = _check_proba(proba, "inception_score")
    marginal = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def class_shares(proba):
    """The share (K,) of samples whose most likely class is each k."""
    p = _check_proba(proba, "class_shares")
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)


def classes_covered(proba, min_share=COVERED_SHARE):
    """How many classes are the most likely class of at least ``min_share`` of the samples."""
    return int((class_shares(proba) >= min_share).sum())


def mean_confidence(proba):
    """E_x max_y p(y|x)."""
    return float(_check_proba(proba, "mean_confidence").max(axis=1).mean())


def image_scores(classifier, real_images, fake_images, fake_labels=None):
    """Every score above for ``fake_images`` against ``real_images``, with the classifier's checksum.

    ``fake_labels`` (for a conditional generator) adds ``label_accuracy``: the share of
    samples that the classifier reads as the class they were asked to be.
    """
    real_features, _ = classifier.outputs(real_images)
    fake_features, proba = classifier.outputs(fake_images)
    scores = {
        "frechet_distance": frechet_distance_of(real_features, fake_features),
        "inception_score": inception_score(proba),
        "classes_covered": classes_covered(proba),
        "confidence": mean_confidence(proba),
        "class_shares": class_shares(proba).tolist(),
        "classifier": classifier.checksum,
    }
    if fake_labels is not None:
        scores["label_accuracy"] = float(np.mean(proba.argmax(axis=1) == np.asarray(fake_labels)))
    return scores
