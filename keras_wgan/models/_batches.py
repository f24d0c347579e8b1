"""Checks of the data `fit` feeds a model: the batches' sizes against `critic_steps`, the labels.

What the trace knows is checked in Python; what only the step knows (a dynamic batch size, the
labels' values) by a graph assertion whose message starts with `FAILED_CHECK`, which `fit`
turns into a `ValueError` (`failed_check_message`). XLA ignores assertions (`runtime=False`).
"""

import tensorflow as tf

# Starts the message of a failed step-time check, so that `fit` can find it in the error.
FAILED_CHECK = "keras_wgan check failed: "


def rows_message(rows, critic_steps):
    """The message for a batch of `rows` samples that does not split into `critic_steps`."""
    return (
        f"Each batch must hold `critic_steps * batch_size` samples (critic_steps={critic_steps}): "
        f"one fresh real batch per critic update. Received a batch of {rows} samples, not a "
        f"multiple of {critic_steps}. Build batches with keras_wgan.data.make_dataset(x, "
        f"batch_size, critic_steps=model.critic_steps), here critic_steps={critic_steps}."
    )


def check_rows(real, critic_steps, runtime=True):
    """`real`, checked to hold a multiple of `critic_steps` samples (rows): a static batch
    size now, a dynamic one in the step unless `runtime` is False."""
    rows = real.shape[0]
    if rows is not None:
        if rows % critic_steps:
            raise ValueError(rows_message(rows, critic_steps))
        return real
    if not runtime:
        return real
    rows = tf.shape(real)[0]
    return checked(real, tf.equal(rows % critic_steps, 0), rows_message("{}", critic_steps), [rows])


def check_labels(labels, num_classes, runtime=True):
    """Labels of a batch as int32, checked to be class indices in `[0, num_classes)` (`>= 0`
    when `num_classes` is `None`): dtype and rank now, values in the step unless `runtime` is
    False (on CPU an index out of range would silently wrap to another class)."""
    labels = tf.convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise ValueError(
            "Labels must be integer class indices (a fraction would be truncated). Received: "
            f"labels of dtype {labels.dtype.name}. Build batches with keras_wgan.data."
            "make_dataset((x, labels), ...), which checks them."
        )
    if labels.shape.rank not in (None, 1):
        hint = " One-hot rows? Pass class indices." if labels.shape.rank == 2 else ""
        raise ValueError(
            f"Labels must hold one class index per sample.{hint} Received: labels of shape "
            f"{tuple(labels.shape)}"
        )
    labels = tf.cast(labels, "int32")
    if not runtime:
        return labels
    outside = labels < 0
    if num_classes is not None:
        outside |= labels >= num_classes
    wanted = f"[0, {num_classes})" if num_classes is not None else ">= 0"
    classes = "" if num_classes is None else f", num_classes={num_classes}"
    template = (
        f"Labels must be class indices in {wanted}. Received: labels from {{}} to {{}} in a "
        "batch ({} outside, e.g. {}). Build batches with keras_wgan.data.make_dataset((x, "
        f"labels), ...{classes}), which checks them."
    )
    values = [
        tf.reduce_min(labels),
        tf.reduce_max(labels),
        tf.reduce_sum(tf.cast(outside, "int32")),
        tf.boolean_mask(labels, outside)[:3],
    ]
    return checked(labels, tf.logical_not(tf.reduce_any(outside)), template, values)


def checked(value, condition, template, inputs):
    """`value`, once the scalar `condition` holds; else a `ValueError` (eagerly) or an
    `InvalidArgumentError` (in a graph) with the `tf.strings.format` `template` of `inputs`."""
    message = tf.strings.format(FAILED_CHECK + template, inputs)
    if tf.executing_eagerly():
        if not bool(condition):
            raise ValueError(message.numpy().decode()[len(FAILED_CHECK):])
        return value
    assertion = tf.debugging.Assert(condition, [message])
    with tf.control_dependencies([assertion]):
        return tf.identity(value)


def after_checks(*tensors):
    """A context whose ops run after `tensors` (the checked batches), so that a failed check
    stops the whole step, the optimizers' counters and the seed generator included."""
    return tf.control_dependencies([tensor for tensor in tensors if tensor is not None])


def failed_check_message(error):
    """The message of the failed step-time check that raised `error` (an
    `InvalidArgumentError`), or `None` when `error` comes from elsewhere."""
    text = getattr(error, "message", None) or str(error)
    start = text.find(FAILED_CHECK)
    if start < 0:
        return None
    # The assertion prints its data in brackets: "assertion failed: [<message>]".
    line = text[start + len(FAILED_CHECK):].split("\n")[0].rstrip()
    return line[:-1] if line.endswith("]") else line


def batching_message(batching, critic_steps):
    """The message for a dataset made (`batching`, a `_data_contract.Batching`) for other
    `critic_steps` than the model's, or `None` when they agree."""
    if batching.critic_steps == critic_steps:
        return None
    rows = batching.batch_size * batching.critic_steps
    return (
        f"The dataset was made with make_dataset(..., batch_size={batching.batch_size}, "
        f"critic_steps={batching.critic_steps}): batches of {rows} samples, but the model makes "
        f"critic_steps={critic_steps} critic updates per step, so each would get "
        f"{rows / critic_steps:g} samples instead of {batching.batch_size}. Build the dataset "
        "with make_dataset(..., critic_steps=model.critic_steps). Received: dataset "
        f"critic_steps={batching.critic_steps}, model critic_steps={critic_steps}"
    )
