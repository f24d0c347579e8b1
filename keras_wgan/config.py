"""The papers' defaults, in one place: constants only, so the command line reads them without
loading TensorFlow. The models take them as their constructors' defaults and `make_optimizer`'s.

WGAN: Arjovsky et al., 2017. WGAN-GP: Gulrajani et al., 2017. DCGAN: Radford et al., 2016.
DiffAugment: Zhao et al., 2020. ADA: Karras et al., 2020.
"""

__all__ = [
    "ADA_IMAGES_TO_SATURATE",
    "ADA_INTERVAL",
    "ADA_TARGET",
    "AUGMENT_POLICY",
    "AUGMENT_POLICY_NAMES",
    "CLIP_VALUE",
    "CRITIC_STEPS",
    "CUTOUT_RATIO",
    "DIVERGENCE_THRESHOLD",
    "EMA_WARMUP",
    "GAN_BETA_1",
    "GAN_CRITIC_STEPS",
    "GAN_LEARNING_RATE",
    "PENALTY_EPSILON",
    "PENALTY_TARGET",
    "PENALTY_WEIGHT",
    "TRANSLATION_RATIO",
    "TRUNCATION_ROUNDS",
    "WARMUP_CRITIC_STEPS",
    "WARMUP_EVERY",
    "WARMUP_GENERATOR_STEPS",
    "WGAN_GP_BETA_1",
    "WGAN_GP_BETA_2",
    "WGAN_GP_LEARNING_RATE",
    "WGAN_LEARNING_RATE",
]

# WGAN, Algorithm 1: alpha = 5e-5, c = 0.01, n_critic = 5.
CRITIC_STEPS = 5
CLIP_VALUE = 0.01
WGAN_LEARNING_RATE = 5e-5

# The WGAN authors' code: 100 critic updates per generator update for the first 25 generator
# updates and every 500th one.
WARMUP_CRITIC_STEPS = 100
WARMUP_GENERATOR_STEPS = 25
WARMUP_EVERY = 500

# WGAN-GP, Algorithm 1: lambda = 10, alpha = 1e-4, beta_1 = 0.5, beta_2 = 0.9, n_critic = 5.
PENALTY_WEIGHT = 10.0
PENALTY_TARGET = 1.0
# Inside the norm's square root: its gradient is infinite at 0.
PENALTY_EPSILON = 1e-10
WGAN_GP_LEARNING_RATE = 1e-4
WGAN_GP_BETA_1 = 0.5
WGAN_GP_BETA_2 = 0.9

# The generator average's warm-up W: decay min(ema_decay, n / (n + W)) after n updates.
EMA_WARMUP = 10

# Sampling-time truncation (Brock et al., 2019): redraws of an entry outside the bound, then
# clipped.
TRUNCATION_ROUNDS = 100

# Losses or gradient norms past this magnitude: `callbacks.WarnOnDivergence` warns.
DIVERGENCE_THRESHOLD = 1e6

# DiffAugment: the names a policy may list and the transformations each stands for, in the
# order applied; its policy, translation by up to 1/8 of the size, a cutout of half of it.
AUGMENT_POLICY_NAMES = {
    "color": ("brightness", "saturation", "contrast"),
    "translation": ("translation",),
    "cutout": ("cutout",),
}
AUGMENT_POLICY = "color,translation,cutout"
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5
# ADA: the heuristic's target, p adjusted every 4 critic updates, 0 to 1 in 500k real images.
ADA_TARGET = 0.6
ADA_INTERVAL = 4
ADA_IMAGES_TO_SATURATE = 500_000

# The original GAN with DCGAN's settings: Adam(2e-4, beta_1=0.5), one discriminator update per
# generator update.
GAN_LEARNING_RATE = 2e-4
GAN_BETA_1 = 0.5
GAN_CRITIC_STEPS = 1

# The hinge loss at the SNGAN authors' CIFAR-10 setting (sngan_projection,
# configs/sn_cifar10_unconditional.yml): Adam(2e-4, beta_1=0, beta_2=0.9), n_dis = 5.
HINGE_LEARNING_RATE = 2e-4
HINGE_BETA_1 = 0.0
HINGE_BETA_2 = 0.9
HINGE_CRITIC_STEPS = 5
