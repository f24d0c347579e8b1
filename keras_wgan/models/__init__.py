"""The GAN models, one public class a file."""

from keras_wgan._platform import warn_if_onednn_off
from keras_wgan.models.base import BaseGAN
from keras_wgan.models.gan import GAN
from keras_wgan.models.hinge import HingeGAN
from keras_wgan.models.stacked import StackedGAN
from keras_wgan.models.wgan import WGAN
from keras_wgan.models.wgan_gp import WGANGP

# TensorFlow is loaded by now: say once if it runs without oneDNN (see keras_wgan/__init__.py).
warn_if_onednn_off()

__all__ = ["BaseGAN", "GAN", "HingeGAN", "StackedGAN", "WGAN", "WGANGP"]
