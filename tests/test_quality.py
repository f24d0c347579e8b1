"""A trained toy WGAN-GP covers the ring of 8 and the grid of 25 (VEEGAN protocol, 2,500 samples).

The recipe is the command line's for the ring (`keras_wgan.run_config`: MLPs of 3 hidden layers,
batch 256, 5 critic steps, the critic 10x faster than the generator, both rates decaying linearly
to 5% over the run, a gradient penalty of weight 0.1; `benchmarks/results/toy_quality.md` and
`toy_probe.md` have why), shortened to 1,500 generator steps.

A fixed seed fixes a run for one CPU's numerics only, so the thresholds come from the spread of
`train_toy` itself over 5 seeds with oneDNN on and off (`TF_ENABLE_ONEDNN_OPTS=1`/`0`: two sets of
numerics, as two CPUs would give), measured by `benchmarks/quality_test_spread.py`, table in
`benchmarks/results/quality_test_spread.md`. On an Intel Xeon (Ice Lake, AVX-512, no BF16), ring8
(1,500 steps, 3x128, penalty weight 0.1) gave 8 of 8 modes in all 10 runs and 57.2-62.3% high
quality; the test asks for 7 modes and 35%, well below the worst run. The paper's weight of 10
gave 18.8-40.9% in the same test (7-8 modes), so a recipe that lost its penalty weight fails.

The grid of 25 is tested on its own recipe (self-conditioned on 25 k-means clusters of the
points, penalty weight 0.1, 3x128), shortened to 1,500 steps: on an Intel Xeon with AVX-512 and
AMX (model 167) its 10 runs gave 25 of 25 modes and 51.8-74.6% high quality; the test asks for 22
modes and 30%. The toys' previous recipe (3,000 steps, 3x256, no clusters, lambda 10) had no test:
it gave 11-14% in 5 of 10 runs and 1.2-1.8% in the other 5, what uniform noise over [-5, 5]^2
scores (1.5%), so no threshold could both fail a broken generator and pass on every CPU; this
test fails that recipe.
"""

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import evaluation
from keras_wgan import run_config
from keras_wgan import training

# dataset: (generator steps, hidden units). The rest is the dataset's recipe.
RECIPES = {"ring8": (1500, (128,) * 3), "grid25": (1500, (128,) * 3)}
# dataset: (modes, high-quality fraction) asked for, well below the worst of its 10 measured runs
# (ring: 8 modes, 57.2%; grid: 25 modes, 51.8%).
THRESHOLDS = {"ring8": (7, 0.35), "grid25": (22, 0.30)}


def train_toy(dataset, seed=0):
    """Trains the toy recipe's WGAN-GP with `seed`; returns its mode metrics on 2,500 samples.

    The recipe is `keras-wgan train --dataset <dataset>`'s (`keras_wgan.run_config`), with the
    steps and widths of `RECIPES`, fitted without `train`'s drawings and exports.
    """
    steps, hidden_units = RECIPES[dataset]
    config = run_config.TrainConfig(
        dataset=dataset, seed=seed, hidden_units=hidden_units,
        epochs=steps // keras_wgan.run_config.TOY_STEPS_PER_EPOCH,
    )
    keras.utils.set_random_seed(seed)
    data = training.load_training_data(config)
    points, frequencies = training.split_training_data(config, data)  # the grid's: clustered
    model = training.build_model(config, points.shape[1:], cluster_frequencies=frequencies)
    model.compile(*training.make_optimizers(config, steps))
    batches = keras_wgan.data.make_dataset(
        data, config.batch_size, critic_steps=config.critic_steps, seed=seed,
        num_classes=training.num_classes_of(config),
    )
    model.fit(batches, epochs=config.epochs, verbose=0)
    generator = model.sampling_generator()
    latent = np.random.default_rng(seed + 1).standard_normal(
        (2500, generator.input_shape[-1])
    ).astype("float32")
    samples = generator.predict(latent, batch_size=2500, verbose=0)
    return evaluation.mode_metrics(samples, *keras_wgan.data.toy_modes(dataset))


# Slow (about 36 s each on a quiet Ice Lake or AMX Xeon): run by .ci/run after the default run.
@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_wgan_gp_covers_the_toy_modes(dataset):
    result = train_toy(dataset)
    print(
        f"{dataset}: {result['modes_captured']}/{result['num_modes']} modes, "
        f"{result['high_quality_fraction']:.1%} high quality, reverse KL {result['reverse_kl']:.3f}"
    )
    min_modes, min_high_quality = THRESHOLDS[dataset]
    assert result["modes_captured"] >= min_modes
    assert result["high_quality_fraction"] >= min_high_quality
