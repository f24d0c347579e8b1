"""Which network samples for a GAN model or a bare generator: the sampling code's one choice."""

import keras


def generator_for_sampling(model_or_generator, use_ema=None):
    """The network that draws samples: a GAN model's `sampling_generator(use_ema)`, an
    object's `generator` attribute (a `keras.Model`), or `model_or_generator` itself.

    Raises:
        ValueError: `use_ema=True` for something that keeps no averaged generator.
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
