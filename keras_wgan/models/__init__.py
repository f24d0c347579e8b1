"""The GAN models, one public class a file."""

from keras_wgan.models.base import BaseGAN
from keras_wgan.models.gan import GAN
from keras_wgan.models.stacked import StackedGAN
from keras_wgan.models.wgan import WGAN
from keras_wgan.models.wgan_gp import WGANGP

__all__ = ["BaseGAN", "GAN", "StackedGAN", "WGAN", "WGANGP"]
