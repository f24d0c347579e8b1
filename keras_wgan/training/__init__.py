"""The composition root: a run's data, networks, model, callbacks, fit, export and scores.

`train(config, workdir)` runs it all as `keras-wgan train` does; `build(config)` gives the
compiled model and its batches, for a `fit` of your own.
"""

from keras_wgan.training.builders import MODEL_CLASSES
from keras_wgan.training.builders import BuiltRun
from keras_wgan.training.builders import build
from keras_wgan.training.builders import build_model
from keras_wgan.training.builders import make_optimizers
from keras_wgan.training.builders import steps_per_execution
from keras_wgan.training.data import TooFewSamplesError
from keras_wgan.training.data import load_training_data
from keras_wgan.training.data import num_classes_of
from keras_wgan.training.data import split_training_data
from keras_wgan.training.report import evaluate
from keras_wgan.training.report import export_run_generator
from keras_wgan.training.report import format_summary
from keras_wgan.training.run import BACKUP_DIR
from keras_wgan.training.run import CONFIG_FILE
from keras_wgan.training.run import run_settings
from keras_wgan.training.run import train
from keras_wgan.training.run_callbacks import run_callbacks
from keras_wgan.training.strategies import StrategyError

__all__ = [
    "BACKUP_DIR",
    "CONFIG_FILE",
    "MODEL_CLASSES",
    "StrategyError",
    "TooFewSamplesError",
    "BuiltRun",
    "build",
    "build_model",
    "evaluate",
    "export_run_generator",
    "format_summary",
    "load_training_data",
    "make_optimizers",
    "num_classes_of",
    "run_callbacks",
    "run_settings",
    "split_training_data",
    "steps_per_execution",
    "train",
]
