"""keras_wgan: Wasserstein GANs as Keras 3 models trained with `model.fit`."""

__version__ = "0.1.0"
