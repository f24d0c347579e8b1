"""When an every-few-epochs callback acts: `epoch_is_due`."""


def epoch_is_due(epoch, every, params):
    """Whether 0-based `epoch` is every `every`-th one or the last (`params["epochs"]`)."""
    epochs = params.get("epochs") if params else None
    return (epoch + 1) % every == 0 or (epochs is not None and epoch + 1 == epochs)
