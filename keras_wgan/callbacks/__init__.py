"""Keras callbacks for a GAN's training: sample pictures, curves, history, scores, TensorBoard,
the run's progress, the NaN guard, and the backups (`StepBackup`, defined with the backup format in
`keras_wgan.checkpointing`)."""

from keras_wgan.callbacks.curves import TrainingCurves
from keras_wgan.callbacks.divergence import DivergenceWarning
from keras_wgan.callbacks.divergence import WarnOnDivergence
from keras_wgan.callbacks.history import JsonHistory
from keras_wgan.callbacks.history import history_to_json
from keras_wgan.callbacks.nan_guard import NonFiniteError
from keras_wgan.callbacks.nan_guard import StopOnNonFinite
from keras_wgan.callbacks.plotting import image_grid
from keras_wgan.callbacks.quality import QualityScores
from keras_wgan.callbacks.run_progress import RunProgress
from keras_wgan.callbacks.samples import SampleGrid
from keras_wgan.callbacks.samples import SampleScatter
from keras_wgan.callbacks.tensorboard import GANTensorBoard
from keras_wgan.checkpointing import StepBackup
from keras_wgan.checkpointing import restore_backup

__all__ = [
    "GANTensorBoard",
    "DivergenceWarning",
    "JsonHistory",
    "NonFiniteError",
    "QualityScores",
    "RunProgress",
    "SampleGrid",
    "SampleScatter",
    "StepBackup",
    "StopOnNonFinite",
    "TrainingCurves",
    "WarnOnDivergence",
    "history_to_json",
    "image_grid",
    "restore_backup",
]
