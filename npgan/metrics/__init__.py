"""Measuring GANs: mode coverage on 2-D mixtures (``mixture``), and scores of generated
digits from npgan's own digit classifier (``images``, ``classifier``). ``npgan eval``
(``npgan.app.evaluate``) applies them to a checkpoint."""
from .classifier import DigitClassifier, load_classifier
from .images import (class_shares, classes_covered, frechet_distance, frechet_distance_of, image_scores,
                     inception_score, mean_confidence)
from .mixture import N_SAMPLES, ModeCoverage, mode_coverage, summarize
