"""Quality scores of generators, each beside references computed in the same run.

Scores on arrays (Frechet and kernel distances, precision/recall, density/coverage, classifier
score, class coverage, the toys' mode metrics and W1) need only NumPy and SciPy. Images are
scored on the features of a dataset's shipped classifier, of a classifier trained on your labelled
images (`own_data`), or of Inception-v3, beside a `floor` (real images) and a `degraded` reference
(real images missing some classes); 2-D toys beside real samples. `generate` and `interpolate`
draw the samples. See docs/evaluation.md.
"""

from keras_wgan.evaluation.classes import class_coverage
from keras_wgan.evaluation.classes import classifier_score
from keras_wgan.evaluation.classifier import CACHE_ENV
from keras_wgan.evaluation.classifier import CLASSIFIERS
from keras_wgan.evaluation.classifier import NUM_CLASSES
from keras_wgan.evaluation.classifier import PACKAGED_DIR
from keras_wgan.evaluation.classifier import PACKAGED_MANIFEST
from keras_wgan.evaluation.classifier import SPLIT_SEED
from keras_wgan.evaluation.classifier import build_classifier
from keras_wgan.evaluation.classifier import features
from keras_wgan.evaluation.classifier import fit_classifier
from keras_wgan.evaluation.classifier import heldout_accuracy
from keras_wgan.evaluation.classifier import load_split
from keras_wgan.evaluation.classifier import packaged_classifier_path
from keras_wgan.evaluation.classifier import probabilities
from keras_wgan.evaluation.classifier import train_classifier
from keras_wgan.evaluation.data_classifier import DataClassifierFeatures
from keras_wgan.evaluation.data_classifier import train_data_classifier
from keras_wgan.evaluation.distances import frechet_distance
from keras_wgan.evaluation.distances import kernel_distance
from keras_wgan.evaluation.distances import sliced_wasserstein1
from keras_wgan.evaluation.distances import wasserstein1
from keras_wgan.evaluation.extractors import FEATURE_EXTRACTORS
from keras_wgan.evaluation.extractors import ClassifierFeatures
from keras_wgan.evaluation.extractors import FeatureWeightsUnavailableError
from keras_wgan.evaluation.extractors import InceptionV3Features
from keras_wgan.evaluation.extractors import dataset_extractor_name
from keras_wgan.evaluation.extractors import get_extractor
from keras_wgan.evaluation.generators import score_generator
from keras_wgan.evaluation.interpolation import interpolate
from keras_wgan.evaluation.manifold import density_coverage
from keras_wgan.evaluation.manifold import precision_recall
from keras_wgan.evaluation.modes import mode_metrics
from keras_wgan.evaluation.own_data import load_folder_data
from keras_wgan.evaluation.own_data import load_tfds_data
from keras_wgan.evaluation.own_data import own_data_extractor
from keras_wgan.evaluation.own_data import own_data_scorer
from keras_wgan.evaluation.references import HIGHER_IS_BETTER
from keras_wgan.evaluation.references import IMAGE_SAMPLES
from keras_wgan.evaluation.references import ImageScorer
from keras_wgan.evaluation.references import check_comparable
from keras_wgan.evaluation.references import dataset_scorer
from keras_wgan.evaluation.references import score_images
from keras_wgan.evaluation.report import format_table
from keras_wgan.evaluation.sampling import balanced_labels
from keras_wgan.evaluation.sampling import generate
from keras_wgan.evaluation.sampling import num_classes_of
from keras_wgan.evaluation.toys import score_toy

__all__ = [
    "class_coverage",
    "classifier_score",
    "density_coverage",
    "frechet_distance",
    "kernel_distance",
    "mode_metrics",
    "precision_recall",
    "sliced_wasserstein1",
    "wasserstein1",
    "CACHE_ENV",
    "CLASSIFIERS",
    "NUM_CLASSES",
    "PACKAGED_DIR",
    "PACKAGED_MANIFEST",
    "SPLIT_SEED",
    "build_classifier",
    "features",
    "fit_classifier",
    "heldout_accuracy",
    "load_split",
    "packaged_classifier_path",
    "probabilities",
    "train_classifier",
    "DataClassifierFeatures",
    "train_data_classifier",
    "FEATURE_EXTRACTORS",
    "ClassifierFeatures",
    "FeatureWeightsUnavailableError",
    "InceptionV3Features",
    "dataset_extractor_name",
    "get_extractor",
    "HIGHER_IS_BETTER",
    "IMAGE_SAMPLES",
    "ImageScorer",
    "balanced_labels",
    "check_comparable",
    "dataset_scorer",
    "format_table",
    "generate",
    "interpolate",
    "load_folder_data",
    "load_tfds_data",
    "own_data_extractor",
    "own_data_scorer",
    "num_classes_of",
    "score_generator",
    "score_images",
    "score_toy",
]
