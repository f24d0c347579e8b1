"""Functional network builders."""

from keras_wgan.networks.dcgan import build_critic, build_generator
from keras_wgan.networks.mlp import build_mlp_critic, build_mlp_generator

__all__ = ["build_generator", "build_critic", "build_mlp_generator", "build_mlp_critic"]
