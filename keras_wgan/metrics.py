"""The offline evaluation metrics, under their first name: the code is in `evaluation/metrics.py`.

`keras_wgan.metrics` re-exports the public functions of `keras_wgan.evaluation.metrics` (mode
coverage, exact and sliced W1, Frechet and kernel distances, classifier score, class coverage,
precision/recall, density/coverage), so that `from keras_wgan import metrics` keeps working.
"""

from keras_wgan.evaluation.metrics import class_coverage
from keras_wgan.evaluation.metrics import classifier_score
from keras_wgan.evaluation.metrics import density_coverage
from keras_wgan.evaluation.metrics import frechet_distance
from keras_wgan.evaluation.metrics import kernel_distance
from keras_wgan.evaluation.metrics import mode_metrics
from keras_wgan.evaluation.metrics import precision_recall
from keras_wgan.evaluation.metrics import sliced_wasserstein1
from keras_wgan.evaluation.metrics import wasserstein1

__all__ = [
    "mode_metrics",
    "wasserstein1",
    "sliced_wasserstein1",
    "frechet_distance",
    "kernel_distance",
    "classifier_score",
    "class_coverage",
    "precision_recall",
    "density_coverage",
]
