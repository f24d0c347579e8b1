"""Datasets and `tf.data` pipelines in the form the models take.

Images are float32 in [-1, 1] with a channel axis, `[num_samples, height, width, channels]`.
"""

from keras_wgan.data.clusters import cluster_frequencies
from keras_wgan.data.clusters import cluster_images
from keras_wgan.data.folder import IMAGE_EXTENSIONS
from keras_wgan.data.folder import check_image_folder
from keras_wgan.data.folder import image_folder_channels
from keras_wgan.data.folder import image_folder_classes
from keras_wgan.data.folder import load_image_folder
from keras_wgan.data.images import load_digits
from keras_wgan.data.images import rescale_images
from keras_wgan.data.mnist5k import MNIST_5K_TEST_SIZE
from keras_wgan.data.mnist5k import load_mnist_5k
from keras_wgan.data.pipeline import make_dataset
from keras_wgan.data.tfds import TFDS_DATASETS
from keras_wgan.data.tfds import DatasetNotPreparedError
from keras_wgan.data.tfds import load_tfds
from keras_wgan.data.toys import GRID25_SPACING
from keras_wgan.data.toys import GRID25_STD
from keras_wgan.data.toys import RING8_RADIUS
from keras_wgan.data.toys import RING8_STD
from keras_wgan.data.toys import SWISS_ROLL_NOISE
from keras_wgan.data.toys import SWISS_ROLL_SCALE
from keras_wgan.data.toys import TOY_DATASETS
from keras_wgan.data.toys import grid25
from keras_wgan.data.toys import grid25_modes
from keras_wgan.data.toys import ring8
from keras_wgan.data.toys import ring8_modes
from keras_wgan.data.toys import swiss_roll
from keras_wgan.data.toys import toy_modes

__all__ = [
    "DatasetNotPreparedError",
    "GRID25_SPACING",
    "GRID25_STD",
    "IMAGE_EXTENSIONS",
    "MNIST_5K_TEST_SIZE",
    "RING8_RADIUS",
    "RING8_STD",
    "SWISS_ROLL_NOISE",
    "SWISS_ROLL_SCALE",
    "TFDS_DATASETS",
    "TOY_DATASETS",
    "check_image_folder",
    "cluster_frequencies",
    "cluster_images",
    "grid25",
    "grid25_modes",
    "image_folder_channels",
    "image_folder_classes",
    "load_digits",
    "load_image_folder",
    "load_mnist_5k",
    "load_tfds",
    "make_dataset",
    "rescale_images",
    "ring8",
    "ring8_modes",
    "swiss_roll",
    "toy_modes",
]
