"""Functional network builders."""

from keras_wgan.networks.clusters import ClusterChoice
from keras_wgan.networks.clusters import build_cluster_sampler
from keras_wgan.networks.clusters import cluster_entries
from keras_wgan.networks.dcgan import build_critic
from keras_wgan.networks.dcgan import build_generator
from keras_wgan.networks.mlp import build_mlp_critic
from keras_wgan.networks.mlp import build_mlp_generator
from keras_wgan.networks.resnet import ChannelLayerNormalization
from keras_wgan.networks.resnet import build_resnet_critic
from keras_wgan.networks.resnet import build_resnet_generator
from keras_wgan.networks.spectral_norm import spectrally_normalized
from keras_wgan.networks.stacked import ConditioningAugmentation
from keras_wgan.networks.stacked import build_stacked_networks
from keras_wgan.networks.stacked import build_stage1_generator
from keras_wgan.networks.stacked import build_stage2_generator
from keras_wgan.networks.stacked import build_stage_critic
from keras_wgan.networks.unrolled import UnrolledConv2D

__all__ = [
    "build_generator",
    "build_critic",
    "build_cluster_sampler",
    "ClusterChoice",
    "cluster_entries",
    "build_mlp_generator",
    "build_mlp_critic",
    "build_resnet_generator",
    "build_resnet_critic",
    "ChannelLayerNormalization",
    "spectrally_normalized",
    "build_stacked_networks",
    "build_stage1_generator",
    "build_stage2_generator",
    "build_stage_critic",
    "ConditioningAugmentation",
    "UnrolledConv2D",
]
