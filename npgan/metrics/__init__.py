"""Measuring GANs: mode coverage on 2-D mixtures (``mixture``), and scores of generated
digits from npgan's own digit classifier (``images``, ``classifier``). ``evaluate``
(``npgan eval``) applies them to a checkpoint; it is imported on demand, as it needs ``gan``."""
from .classifier import DigitClassifier, load_classifier
from .images import (class_shares, classes_covered, frechet_distance, frechet_distance_of, image_scores,
                     inception_score, mean_confidence)
from .mixture import N_SAMPLES, ModeCoverage, mode_coverage, summarize
