"""Keras callbacks for a GAN's training: pictures of it, its curves, its history, its scores.

- `samples`: `SampleGrid` (image grids, a progression of epochs, a GIF) and `SampleScatter`
  (2-D points over the real ones, optionally on the critic's contours).
- `curves`: `TrainingCurves`, the epoch metrics plotted into one PNG.
- `history`: `JsonHistory`, the epoch metrics kept in a JSON file.
- `quality`: `QualityScores`, the generator scored every few epochs into the epoch's logs.
- `tensorboard`: `GANTensorBoard`, scalars, samples, critic-score histograms and settings for
  TensorBoard.
- `divergence`: `WarnOnDivergence`, a `DivergenceWarning` when a loss or gradient norm explodes
  while finite.
- `plotting`: `load_pyplot` and `image_grid`, shared by the figures (and `keras-wgan sample`).

The figures are drawn with matplotlib's Agg backend (no display needed), imported only when a
figure is first drawn, so importing this package stays cheap. The backups and the NaN guard
(`StepBackup`, `restore_backup`, `StopOnNonFinite`, `NonFiniteError`) live in
`keras_wgan.checkpointing` and are importable from here too.
"""

from keras_wgan.callbacks.curves import TrainingCurves
from keras_wgan.callbacks.divergence import DivergenceWarning
from keras_wgan.callbacks.divergence import WarnOnDivergence
from keras_wgan.callbacks.history import JsonHistory
from keras_wgan.callbacks.history import history_to_json
from keras_wgan.callbacks.plotting import image_grid
from keras_wgan.callbacks.quality import QualityScores
from keras_wgan.callbacks.samples import SampleGrid
from keras_wgan.callbacks.samples import SampleScatter
from keras_wgan.callbacks.tensorboard import GANTensorBoard
from keras_wgan.checkpointing import NonFiniteError
from keras_wgan.checkpointing import StepBackup
from keras_wgan.checkpointing import StopOnNonFinite
from keras_wgan.checkpointing import restore_backup

__all__ = [
    "GANTensorBoard",
    "DivergenceWarning",
    "JsonHistory",
    "NonFiniteError",
    "QualityScores",
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
