"""Measuring GANs: mode coverage on 2-D mixtures (image metrics arrive with the metrics issue)."""
from .mixture import N_SAMPLES, ModeCoverage, mode_coverage, summarize
