"""The GAN models, one public class a file."""

from keras_wgan.models.wgan import WGAN
from keras_wgan.models.wgan_gp import WGANGP

__all__ = ["WGAN", "WGANGP"]
