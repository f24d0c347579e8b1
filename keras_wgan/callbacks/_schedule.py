"""When an every-few-epochs callback acts: `epoch_is_due`."""


def epoch_is_due(epoch, every, params):
    """Whether epoch `epoch` (0-based) is one to act on: every `every`-th one and the last.

    Args:
        epoch: int. The epoch that ends, 0-based as Keras passes it.
        every: int. Act every `every` epochs.
        params: dict or `None`. The callback's `params`; its `"epochs"`, when set, is the last.
    """
    epochs = params.get("epochs") if params else None
    return (epoch + 1) % every == 0 or (epochs is not None and epoch + 1 == epochs)
