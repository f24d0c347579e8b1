"""keras_wgan: Wasserstein GANs as Keras 3 models trained with `model.fit`.

WGAN (weight clipping, Arjovsky et al. 2017) and WGAN-GP (gradient penalty, Gulrajani et al.
2017) are `keras.Model` subclasses: compile, then `fit` on batches from
`keras_wgan.data.make_dataset`.
"""

__version__ = "0.1.0"

import os as _os
import sys as _sys

# oneDNN: TensorFlow 2.21 leaves it off on some CPUs (AMD Zen 3), where turning it on made a GAN
# step about 5x faster. TensorFlow reads the variable once, when it is first imported, so our
# default applies only if TensorFlow is not loaded yet, and a value the user set always wins.
if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from keras_wgan import augment
from keras_wgan import callbacks
from keras_wgan import checkpointing
from keras_wgan import config
from keras_wgan import constraints
from keras_wgan import data
from keras_wgan import evaluation
from keras_wgan import export
from keras_wgan import losses
from keras_wgan import metrics
from keras_wgan import networks
from keras_wgan import penalties
from keras_wgan import run_config
from keras_wgan._platform import warn_if_onednn_off
from keras_wgan.export import export_generator
from keras_wgan.models import GAN
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP
from keras_wgan.models import StackedGAN

warn_if_onednn_off()

__all__ = [
    "GAN",
    "WGAN",
    "WGANGP",
    "StackedGAN",
    "export_generator",
    "augment",
    "callbacks",
    "checkpointing",
    "config",
    "constraints",
    "data",
    "evaluation",
    "export",
    "losses",
    "metrics",
    "networks",
    "penalties",
    "run_config",
    "__version__",
]
