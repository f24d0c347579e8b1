"""The measured recipes, as settings files: `get("digits")` is the default run's `TrainConfig`.

Each recipe is a JSON file beside this module, in the format of a run's config.json and of
`keras-wgan train --config FILE`: the settings it changes, an `about` line and a `measured_by`
line naming the benchmark and the results file that measured it.

Example:

>>> config = keras_wgan.recipes.get("digits", seed=1)
>>> run = keras_wgan.training.build(config)
>>> run.model.fit(run.dataset, epochs=config.epochs, steps_per_epoch=run.steps_per_epoch)
"""

from keras_wgan import config_files
from keras_wgan.run_config import TrainConfig

__all__ = ["describe", "get", "names", "path"]


def names():
    """The recipes' names, e.g. `["digits", "grid25", "mnist5k", "papers", ...]`."""
    return config_files.recipe_names()


def path(name):
    """The file of recipe `name` (a settings file to copy and edit)."""
    return config_files.recipe_path(name)


def describe(name):
    """`(about, measured_by)`: what recipe `name` is for, and what measured it."""
    return config_files.describe(name)


def get(name, **overrides):
    """The `TrainConfig` of recipe `name`, with `overrides` (fields) over its settings.

    Args:
        name: str. One of `names()`.
        **overrides: `TrainConfig` fields, e.g. `seed=1`, `epochs=5`.

    Raises:
        ValueError: no recipe has that name, or an override is not a field or a valid value.
    """
    return TrainConfig.from_file(path(name), **overrides)
