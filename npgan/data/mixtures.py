"""The 2-D toy distributions of the mode-collapse literature: ``ring8``, ``grid25``, ``swissroll``.

``ring8`` and ``grid25`` are the benchmarks of VEEGAN (Srivastava et al., 2017) and PacGAN
(Lin et al., 2018), with their exact centres and standard deviations, so mode counts and
high-quality-sample rates compare with the tables of those papers. There a generated
sample is *high quality* when it lies within 3 std of its nearest centre, and a mode is
*covered* when it receives enough high-quality samples; the metrics read ``centres`` and
``std`` from here for that.

The centres are checked when a mixture is defined: a well-known demo placed its ring's
centres at ``linspace(0, 2*pi, 8)``, whose first and last angles are the same point, and so
trained on 7 modes while reporting 8.
"""
from dataclasses import dataclass
from itertools import product

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"sample: dtype must be float32 or float64, got {dtype}")
    return dtype


def _check_n(n):
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"sample: n must be a non-negative integer, got {n!r}")


@dataclass(frozen=True)
class GaussianMixture2D:
    """An equal-weight mixture of isotropic 2-D Gaussians, one per row of ``centres``."""

    name: str
    centres: np.ndarray  # (K, 2) float64, read-only
    std: float

    def __post_init__(self):
        centres = np.array(self.centres, dtype=np.float64)
        if centres.ndim != 2 or centres.shape[1] != 2:
            raise ValueError(f"{self.name}: centres must have shape (K, 2), got {centres.shape}")
        # Modes closer than 6 std would share high-quality samples (3 std each side), and
        # coincident centres silently remove a mode: refuse both.
        gaps = np.linalg.norm(centres[:, None] - centres[None, :], axis=-1)
        gaps[np.diag_indices(len(centres))] = np.inf
        if gaps.min() <= 6 * self.std:
            i, j = np.unravel_index(np.argmin(gaps), gaps.shape)
            raise ValueError(
                f"{self.name}: centres {i} {centres[i]} and {j} {centres[j]} are {gaps[i, j]:.3g} "
                f"apart, not more than 6 std = {6 * self.std:.3g}; the modes are not distinct")
        centres.setflags(write=False)
        object.__setattr__(self, "centres", centres)

    def sample(self, n, rng, dtype=np.float32):
        """``n`` points, float (n, 2); each picks its component uniformly at random.

        ``rng`` is a ``numpy.random.Generator`` (or an int seed).
        """
        _check_n(n)
        dtype = _check_dtype(dtype)
        rng = np.random.default_rng(rng)
        component = rng.integers(0, len(self.centres), size=n)
        points = self.centres[component] + self.std * rng.standard_normal((n, 2))
        return points.astype(dtype)


@dataclass(frozen=True)
class SwissRoll2D:
    """The 2-D swiss roll of the WGAN-GP toy experiments (Gulrajani et al., ``gan_toy.py``).

    That script takes scikit-learn's ``make_swiss_roll(noise=0.25)``, keeps the two rolled
    coordinates and divides by 7.5:  t ~ U[1.5 pi, 4.5 pi],
    x = (t cos t, t sin t) / 7.5 + N(0, (0.25 / 7.5)^2 I),  which spans about [-1.3, 1.7] x [-1.5, 1.9].
    A continuous curve has no modes, so ``centres`` is None; ``curve`` gives points along
    the noiseless roll for distance-to-the-data measures, and ``std`` is the noise.
    """

    name: str = "swissroll"
    scale: float = 7.5
    noise: float = 0.25
    centres: None = None

    @property
    def std(self):
        return self.noise / self.scale

    def _roll(self, t):
        return np.stack([t * np.cos(t), t * np.sin(t)], axis=-1) / self.scale

    def curve(self, num=1000):
        """``num`` points, float64 (num, 2), evenly spaced in t along the noiseless roll."""
        return self._roll(np.linspace(1.5 * np.pi, 4.5 * np.pi, num))

    def sample(self, n, rng, dtype=np.float32):
        """``n`` points, float (n, 2), t uniform along the roll plus isotropic noise."""
        _check_n(n)
        dtype = _check_dtype(dtype)
        rng = np.random.default_rng(rng)
        t = 1.5 * np.pi * (1 + 2 * rng.random(n))
        points = self._roll(t) + self.std * rng.standard_normal((n, 2))
        return points.astype(dtype)


def ring_centres(k, radius):
    """``k`` points at angles 2 pi i / k, i = 0..k-1 (``linspace(0, 2 pi, k)`` would repeat one)."""
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centres(values):
    """The points of ``values`` x ``values``, the first coordinate varying slowest."""
    return np.array(list(product(values, repeat=2)), dtype=np.float64)


ring8 = GaussianMixture2D("ring8", ring_centres(8, radius=1.0), std=0.01)
grid25 = GaussianMixture2D("grid25", grid_centres([-4, -2, 0, 2, 4]), std=0.05)
swissroll = SwissRoll2D()
