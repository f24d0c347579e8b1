"""keras_wgan: Wasserstein GANs as Keras 3 models trained with `model.fit`.

WGAN (weight clipping, Arjovsky et al. 2017) and WGAN-GP (gradient penalty, Gulrajani et al.
2017) are `keras.Model` subclasses: compile, then `fit` on batches from
`keras_wgan.data.make_dataset`.
"""

__version__ = "0.1.0"

from keras_wgan import config
from keras_wgan import constraints
from keras_wgan import data
from keras_wgan import losses
from keras_wgan import networks
from keras_wgan import penalties
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP

__all__ = [
    "WGAN",
    "WGANGP",
    "config",
    "constraints",
    "data",
    "losses",
    "networks",
    "penalties",
    "__version__",
]
