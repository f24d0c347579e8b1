"""Replicas, loss scaling and `fit`'s logs: the tf.distribute and mixed-precision plumbing."""

import keras
import tensorflow as tf
from keras import ops

from keras_wgan._framework import flatten_layers
from keras_wgan._framework import in_multi_worker_mode
from keras_wgan._framework import maybe_merge_call


def replicas():
    """The number of replicas of the current strategy (1 without one)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def scale_for_replicas(loss):
    """This replica's share of a mean loss whose gradients Keras sums over the replicas."""
    return loss / replicas()


def draw_for_replica(sampler, shape, seed):
    """`sampler(shape, seed=seed)` for this replica: every replica draws the global batch
    (their seed generators advance in step) and keeps its slice. `shape` is batch first."""
    context = tf.distribute.get_replica_context()
    count = replicas()
    if count == 1 or context is None:
        return sampler(shape, seed=seed)
    batch_size = shape[0]
    values = sampler((batch_size * count,) + tuple(shape[1:]), seed=seed)
    start = context.replica_id_in_sync_group * batch_size
    return values[start : start + batch_size]


def mean_over_replicas(value):
    """The mean of a per-replica value over the replicas (the value itself on one device)."""
    context = tf.distribute.get_replica_context()
    if context is not None and replicas() > 1:
        return context.all_reduce(tf.distribute.ReduceOp.MEAN, value)
    return value


def global_norm(gradients):
    """Norm of the global-batch gradient: the replicas' gradients summed, as the optimizer does."""
    context = tf.distribute.get_replica_context()
    if context is not None and replicas() > 1:
        gradients = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
    return tf.linalg.global_norm(gradients)


def finite_on_all_replicas(gradients):
    """`(gradients, finite)`: the gradients made non-finite on every replica if any replica's
    are, so that all replicas skip an overflowing update together; `finite` a boolean."""
    present = [g for g in gradients if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in present])
    finite = tf.cast(finite, "float32")
    context = tf.distribute.get_replica_context()
    if context is not None and replicas() > 1:
        # 1 on every replica exactly when all replicas' flags are 1.
        count = context.all_reduce(tf.distribute.ReduceOp.SUM, finite)
        finite = tf.cast(count >= replicas(), "float32")
        # Dividing by 0 makes every replica's gradients non-finite when one replica's are.
        gradients = [None if g is None else g / tf.cast(finite, g.dtype) for g in gradients]
    return gradients, finite > 0


def compiled_per_replica(methods):
    """Each method compiled with XLA as a `tf.function`, by name: what runs on each replica
    when a step spans several devices (XLA cannot compile such a step)."""
    return {method.__name__: tf.function(method, jit_compile=True) for method in methods}


def logs_for_fit(logs):
    """A step's logs shaped so that `fit` can average them over the replicas of all workers:
    with several workers Keras reduces them along axis 0, which scalars lack."""
    if in_multi_worker_mode(tf.distribute.get_strategy()):
        return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
    return logs


def computes_in_float16(network):
    """Whether any layer of `network` computes in float16 (the `mixed_float16` policy)."""
    return any(
        getattr(layer, "compute_dtype", None) == "float16" for layer in flatten_layers(network)
    )


def with_loss_scale(optimizer):
    """`optimizer` wrapped in a dynamic `LossScaleOptimizer`, unless it already is one."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def loss_scale(optimizer):
    """The dynamic loss scale of a `LossScaleOptimizer` (a float32 tensor), else 1."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return ops.convert_to_tensor(optimizer.dynamic_scale)
    return 1.0


def move_averages(averages, values, decay):
    """`average <- decay * average + (1 - decay) * value` for each pair, on every replica.

    Assigned in cross-replica context (Keras's variables have no aggregation, so a replica may
    not assign one alone), each replica's copy from its copy of the value: no communication.
    `decay` is a float in [0, 1]; 0 copies the values.
    """
    averages = [a.value if isinstance(a, keras.Variable) else a for a in averages]
    values = [v.value if isinstance(v, keras.Variable) else v for v in values]

    def interpolate(average, value, decay):
        decay = tf.cast(decay, average.dtype)
        return average.assign(decay * average + (1 - decay) * tf.cast(value, average.dtype))

    def update(strategy, decay):
        for average, value in zip(averages, values):
            strategy.extended.update(average, interpolate, args=(value, decay), group=False)

    maybe_merge_call(update, tf.distribute.get_strategy(), decay)
