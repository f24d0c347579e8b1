"""Which network samples for a GAN model or a bare generator: the one choice of the sampling code.

A leaf module: it imports nothing from keras_wgan, so the callbacks, the evaluation, the export
and the command line all choose the same way.
"""

import keras


def generator_for_sampling(model_or_generator, use_ema=None):
    """The network that draws samples for `model_or_generator`.

    A GAN model chooses with its `sampling_generator(use_ema)` (the averaged generator when it
    keeps one, unless `use_ema=False`); an object with a `generator` attribute holding a
    `keras.Model` gives that network; anything else is taken as the generator itself.

    Args:
        model_or_generator: a GAN model, an object with a `generator` attribute, or a generator.
        use_ema: bool or `None`. `None`: the model's default; `True`: the averaged generator
            (a `ValueError` if there is none); `False`: the trained generator.

    Returns:
        The generator network (or `model_or_generator` itself when it is neither kind).
    """
    choose = getattr(model_or_generator, "sampling_generator", None)
    if callable(choose):
        return choose(use_ema)
    if use_ema:
        raise ValueError(
            "`use_ema=True` needs a GAN model that keeps an averaged generator (built with "
            f"`ema_decay`). Received: use_ema=True for {type(model_or_generator).__name__} "
            f"{getattr(model_or_generator, 'name', model_or_generator)!r}"
        )
    candidate = getattr(model_or_generator, "generator", None)
    return candidate if isinstance(candidate, keras.Model) else model_or_generator
