"""The generator average (EMA; Yazici et al., 2019), after each generator update:

    decay_t = min(ema_decay, n / (n + W))              # n: updates before; W: `ema_warmup`
    ema <- decay_t * ema + (1 - decay_t) * generator   # trainable weights
    ema <- generator                                   # non-trainable (BatchNorm statistics)
"""

import keras
from keras import ops

from keras_wgan.models._distribution import move_averages


def averaged_clone(generator):
    """A non-trainable exact copy of `generator`: the start of the average."""
    try:
        clone = keras.models.clone_model(generator)
    except (ValueError, TypeError, NotImplementedError) as error:
        raise ValueError(
            "`ema_decay` needs a generator that `keras.models.clone_model` can copy (a "
            f"Functional or Sequential model). Received: generator={generator.name!r} of type "
            f"{type(generator).__name__}"
        ) from error
    if [v.shape for v in clone.weights] != [v.shape for v in generator.weights]:
        raise ValueError(
            "`keras.models.clone_model` made a copy of the generator with other weights; the "
            f"average needs an exact copy. Received: generator={generator.name!r}"
        )
    clone.set_weights(generator.get_weights())
    clone.trainable = False
    return clone


def warmed_up_decay(ema_decay, ema_warmup, updates):
    """`min(ema_decay, n / (n + W))` (a float32 scalar), `n = updates - 1` the generator updates
    before the last one, `W = ema_warmup` (`False`: `ema_decay`)."""
    decay = ops.convert_to_tensor(ema_decay, "float32")
    if ema_warmup is False:
        return decay
    before = ops.cast(updates - 1, "float32")
    return ops.minimum(decay, before / (before + ema_warmup))


def update_average(average, generator, decay):
    """Moves the weights of `average` towards `generator`'s: the trainable ones by `decay`, the
    others copied (`decay` 0)."""
    trainable = {id(variable) for variable in generator.trainable_weights}
    averaged, copied = [], []
    for mean, weight in zip(average.weights, generator.weights):
        (averaged if id(weight) in trainable else copied).append((mean, weight))
    for pairs, pair_decay in ((averaged, decay), (copied, 0.0)):
        if pairs:
            move_averages([a for a, _ in pairs], [w for _, w in pairs], pair_decay)
