"""The choices a run's settings take and the defaults they resolve from (`TrainConfig`).

Plain data, importing neither TensorFlow nor Keras, so that the command line reads it without
loading them.
"""

from keras_wgan import config as paper

# --- Choices -----------------------------------------------------------------------------------

MODELS = ("wgan-gp", "wgan", "gan", "ns-gan", "hinge")
# The GAN baselines and their losses: the 2014 paper's minimax game and its non-saturating variant.
GAN_LOSSES = {"gan": "minimax", "ns-gan": "non_saturating"}
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
# Where a run trains: one device, MirroredStrategy over the local devices, or
# MultiWorkerMirroredStrategy over the machines `TF_CONFIG` lists.
STRATEGIES = ("default", "mirrored", "multi-worker")
# The models whose optimizer is Adam (WGAN's is RMSprop): those `adam_beta_1` applies to.
ADAM_MODELS = ("wgan-gp", "gan", "ns-gan", "hinge")
# The image networks: DCGAN's, or the WGAN-GP paper's ResNets.
ARCHITECTURES = ("dcgan", "resnet")
# Augmentation of the critic's inputs (`keras_wgan.augment`), images only; `None` for none.
AUGMENTS = (None, "diffaugment", "ada")
TOY_DATASETS = ("ring8", "grid25", "swissroll")
# Read from a prepared TFDS data directory, never downloaded (`keras_wgan.data.load_tfds`).
TFDS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "celeb_a")
# Labelled datasets that ship with the dependencies and have a classifier of their own
# (`keras_wgan.evaluation.CLASSIFIERS`): they may be conditional, clustered, and are scored.
CLASSIFIER_DATASETS = ("digits", "mnist5k")
# The image size of the bundled datasets, which are never resized.
BUNDLED_IMAGE_SIZES = {"digits": 8, "mnist5k": 28}
IMAGE_DATASETS = CLASSIFIER_DATASETS + TFDS_DATASETS + ("folder",)
DATASETS = IMAGE_DATASETS + TOY_DATASETS
# A folder's labels are its class subfolders (`keras_wgan.data.load_image_folder`).
CONDITIONAL_DATASETS = CLASSIFIER_DATASETS + ("folder",)
# Held in memory, so `clusters` can cluster their samples (a folder is read into memory for it).
CLUSTER_DATASETS = CLASSIFIER_DATASETS + TOY_DATASETS + ("folder",)
# A folder is clustered in memory only up to this many bytes of float32 pixels.
FOLDER_CLUSTER_BYTES = 2 * 2**30
SCORED_DATASETS = CLASSIFIER_DATASETS + TOY_DATASETS
# Feature extractors of `keras-wgan evaluate` (`keras_wgan.evaluation.FEATURE_EXTRACTORS`).
FEATURES = ("digits_classifier", "mnist5k_classifier", "inception_v3")

# Fields that may change between a run and its resumption from a backup; the others must match
# the backup's (`TrainConfig.settings_to_match`).
RESUMABLE_CHANGES = ("epochs", "verbose", "saved_models_dir", "run_name", "backup_every",
                     "deterministic", "data_dir", "image_dir", "quality_every", "tensorboard",
                     "steps_per_execution", "strategy")
# Fields added after backups were first written, at the value that keeps an older run's
# behaviour: `settings_to_match` leaves them out at that value, so older backups still resume.
LATER_FIELDS = {"steps_per_epoch": None, "paper_settings": False, "critic_stages": None,
                "critic_filters": None, "penalty_weight": None, "clusters": 0,
                "ema_warmup": None, "architecture": "dcgan", "spectral_norm": False,
                "lr_decay_final": None, "adam_beta_1": None, "generator_batch_size": None,
                "augment_policy": None}

# --- Defaults ----------------------------------------------------------------------------------

# Discriminator updates per generator update: the papers' 5 for the WGANs and SNGAN, DCGAN's 1
# for GANs.
CRITIC_STEPS = {"wgan-gp": paper.CRITIC_STEPS, "wgan": paper.CRITIC_STEPS,
                "gan": paper.GAN_CRITIC_STEPS, "ns-gan": paper.GAN_CRITIC_STEPS,
                "hinge": paper.HINGE_CRITIC_STEPS}
# A pass over the 1,297 training digits is only a few generator steps: a digits epoch is this
# many steps instead, the data repeated and reshuffled.
DIGITS_STEPS_PER_EPOCH = 100
# By kind of dataset (`dataset_kind`); a dataset's entry in DATASET_DEFAULTS overrides its
# kind's. Without `steps_per_epoch`, an epoch is one pass over the training samples.
KIND_DEFAULTS = {
    "digits": {"batch_size": 64, "epochs": 20, "steps_per_epoch": DIGITS_STEPS_PER_EPOCH,
               "latent_dim": 64, "lr_decay": False},
    "image": {"batch_size": 64, "epochs": 20, "latent_dim": 128, "lr_decay": False},
    "toy": {"batch_size": 256, "epochs": 60, "latent_dim": 2, "lr_decay": True},
}
DATASET_DEFAULTS = {
    "celeb_a": {"epochs": 10, "image_size": 64},
    "folder": {"epochs": 100},
    "mnist5k": {"epochs": 200},
}
# MLP hidden layers of the toys' generator and critic.
HIDDEN_UNITS = (256, 256, 256)
# A toy training set holds this many generator steps' worth of fresh samples of the mixture.
TOY_STEPS_PER_EPOCH = 50
# Starting rates with `lr_decay` on images; without it images keep the model's own optimizer.
PAPER_LEARNING_RATES = {
    "wgan-gp": paper.WGAN_GP_LEARNING_RATE,
    "wgan": paper.WGAN_LEARNING_RATE,
    "gan": paper.GAN_LEARNING_RATE,
    "ns-gan": paper.GAN_LEARNING_RATE,
    "hinge": paper.HINGE_LEARNING_RATE,
}
# The toys' (generator, critic) rates: the critic 10x faster, both decaying.
TOY_LEARNING_RATES = {
    "wgan-gp": (2e-4, 2e-3),
    "wgan": (5e-5, 5e-4),
    "gan": (2e-4, 2e-3),
    "ns-gan": (2e-4, 2e-3),
    "hinge": (2e-4, 2e-3),
}
# With `lr_decay`, rates decay linearly to this fraction of their start over the run.
LR_DECAY_FINAL_FRACTION = 0.05
