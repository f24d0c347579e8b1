"""The papers' defaults, in one place.

WGAN: Arjovsky, Chintala and Bottou, "Wasserstein GAN", 2017 (Algorithm 1 and the authors' code).
WGAN-GP: Gulrajani et al., "Improved Training of Wasserstein GANs", 2017 (Algorithm 1, Table 1).
DCGAN: Radford, Metz and Chintala, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", 2016.
DiffAugment: Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training", 2020.
ADA: Karras et al., "Training Generative Adversarial Networks with Limited Data", 2020.

Constants only, no imports: the command line reads them without loading TensorFlow. Each model
makes its paper's optimizer from them (`make_optimizer`).
"""

# WGAN (weight clipping), Algorithm 1: alpha = 5e-5, c = 0.01, n_critic = 5.
CRITIC_STEPS = 5
CLIP_VALUE = 0.01
WGAN_LEARNING_RATE = 5e-5

# The authors' code gives the critic 100 updates per generator update for the first 25 generator
# updates and on every 500th one, so that the critic stays near its optimum.
WARMUP_CRITIC_STEPS = 100
WARMUP_GENERATOR_STEPS = 25
WARMUP_EVERY = 500

# WGAN-GP, Algorithm 1: lambda = 10, alpha = 1e-4, beta_1 = 0.5 (0 in the 64x64 experiments),
# beta_2 = 0.9, n_critic = 5.
PENALTY_WEIGHT = 10.0
PENALTY_TARGET = 1.0
# Added to the squared gradient norm inside the square root, so the norm's gradient stays finite
# where the critic's gradient is zero (d sqrt(s) / ds is infinite at s = 0).
PENALTY_EPSILON = 1e-10
WGAN_GP_LEARNING_RATE = 1e-4
WGAN_GP_BETA_1 = 0.5
WGAN_GP_BETA_2 = 0.9

# Generator EMA (Yazici et al., 2019): the average's decay warms up as
# `min(ema_decay, n / (n + EMA_WARMUP))` after `n` earlier generator updates: TF's
# ExponentialMovingAverage ramp `(1 + n) / (10 + n)` moved one update later, so that the first
# update copies the generator instead of keeping a tenth of its random initialisation.
EMA_WARMUP = 10

# Sampling-time truncation (BigGAN's "truncation trick", Brock et al., 2019): latent entries
# outside [-truncation, truncation] are drawn again, at most this many times; the few left
# outside after that (only for bounds that keep a small share of the normal's mass) are clipped.
TRUNCATION_ROUNDS = 100

# A run whose losses or gradient norms pass this magnitude (while finite) has diverged:
# `keras_wgan.callbacks.WarnOnDivergence` warns. Healthy runs stay orders of magnitude below.
DIVERGENCE_THRESHOLD = 1e6

# DiffAugment: the paper's policy; translation by up to 1/8 of the image's height (width) and a
# cutout square of half of it.
AUGMENT_POLICY = "color,translation,cutout"
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5
# ADA: the target of the overfitting heuristic r_t = E[sign(D(real))], p adjusted every 4
# critic updates, by steps that take it from 0 to 1 in 500k real images.
ADA_TARGET = 0.6
ADA_INTERVAL = 4
ADA_IMAGES_TO_SATURATE = 500_000


# The original GAN with DCGAN's settings (Radford et al., 2016): Adam(2e-4, beta_1=0.5), one
# discriminator update per generator update.
GAN_LEARNING_RATE = 2e-4
GAN_BETA_1 = 0.5
GAN_CRITIC_STEPS = 1
