"""Where a run trains: one device, `MirroredStrategy` over the local GPUs (else CPUs), or
`MultiWorkerMirroredStrategy` over the workers `TF_CONFIG` lists, whose chief writes the files."""

import json
import os

import tensorflow as tf

from keras_wgan._framework import in_multi_worker_mode

# One of each per process: two `MirroredStrategy`s abort each other's all-reduces (shared
# collective keys), and a worker joins one cluster.
_MADE = {}


class StrategyError(ValueError):
    """The run cannot train under its strategy, as the message says (nothing was trained)."""


def make_strategy(name):
    """The strategy `name` (one of `run_choices.STRATEGIES`) stands for. Call it before any
    other TensorFlow op: a multi-worker strategy configures the runtime.

    Raises:
        StrategyError: `"multi-worker"` without a `TF_CONFIG` naming the cluster and this task.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        check_tf_config(os.environ.get("TF_CONFIG"))
    if name not in _MADE:
        if name == "mirrored":
            devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
            _MADE[name] = tf.distribute.MirroredStrategy([device.name for device in devices])
        else:
            _MADE[name] = tf.distribute.MultiWorkerMirroredStrategy()
    return _MADE[name]


def check_tf_config(text):
    """Raises a `StrategyError` for a `TF_CONFIG` (JSON text, or `None`) lacking cluster or
    task."""
    example = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    try:
        settings = json.loads(text) if text else None
    except ValueError as error:
        raise StrategyError(
            f"`TF_CONFIG` must be JSON, as in {example}. Received: TF_CONFIG={text!r} ({error})"
        ) from error
    if not isinstance(settings, dict) or not settings.get("cluster") or "task" not in settings:
        raise StrategyError(
            "strategy='multi-worker' reads the cluster and this worker's task from the "
            f"TF_CONFIG environment variable: set it on every worker, e.g. {example}. "
            f"Received: TF_CONFIG={text!r}"
        )


def check_batch_size(batch_size, strategy, name="batch_size"):
    """Raises a `StrategyError` for a global batch (`name`: `batch_size` or
    `generator_batch_size`) that does not split evenly over the replicas."""
    count = strategy.num_replicas_in_sync
    if batch_size % count:
        update = "critic" if name == "batch_size" else "generator"
        raise StrategyError(
            f"`{name}` is the global batch of each {update} update, split evenly over the "
            f"{count} replicas of {strategy_name(strategy)}: it must be a multiple of {count}. "
            f"Received: {name}={batch_size} with {count} replicas"
        )


def check_model(model, strategy):
    """Raises a `StrategyError`, before `fit`, for a model that cannot train under several
    replicas: WGAN's critic warm-up."""
    if strategy.num_replicas_in_sync > 1 and getattr(model, "critic_warmup", False):
        raise StrategyError(
            "`critic_warmup=True` runs a dynamic number of critic updates, which tf.distribute "
            "cannot run under several replicas. Train on one device (strategy='default'), or "
            f"without the warm-up. Received: critic_warmup=True with "
            f"{strategy.num_replicas_in_sync} replicas"
        )


def steps_per_execution(steps, strategy):
    """`steps`, or 1 under a strategy: Keras's loop of several steps per call fails under
    `MirroredStrategy` with Keras 3.15 ("You must feed a value for placeholder tensor")."""
    mirrored = (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy)
    return 1 if isinstance(strategy, mirrored) else steps


def is_chief(strategy):
    """Whether this process writes the run's files: all but the workers other than the chief
    (the `chief` task, else worker 0)."""
    if not in_multi_worker_mode(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type in (None, "chief"):
        return True
    return (resolver.task_type == "worker" and resolver.task_id == 0
            and "chief" not in resolver.cluster_spec().jobs)


def worker_name(strategy):
    """`"worker 1"`: this process's task, for messages."""
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type} {resolver.task_id}"


def strategy_name(strategy):
    """The public name of the strategy's class (a multi-worker one is a subclass in TF)."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return "MultiWorkerMirroredStrategy"
    return type(strategy).__name__


def describe(strategy):
    """A line saying where the run trains, and for a worker whether it writes the run folder."""
    line = f"{strategy_name(strategy)}: {strategy.num_replicas_in_sync} replicas"
    if not in_multi_worker_mode(strategy):
        return line
    role = "the chief, writes the run folder" if is_chief(strategy) else (
        "writes nothing: the chief writes the run folder")
    return f"{line}; this is {worker_name(strategy)} ({role})"


def check_same_step(strategy, step):
    """Raises a `StrategyError` on every worker when they resumed from different steps (one could
    not read the chief's backup): they would wait for each other forever."""
    if not in_multi_worker_mode(strategy):
        return
    value = tf.constant([float(step), float(step) ** 2], "float64")
    per_replica = strategy.experimental_distribute_values_from_function(lambda _: value)
    mean, mean_square = strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None)
    if float(mean_square) - float(mean) ** 2 > 0.5:
        raise StrategyError(
            f"The workers resumed from different generator steps ({worker_name(strategy)}: "
            f"step={step}; the mean over the workers: {float(mean):g}). Every worker must read "
            "the chief's run folder (its backup): put it on a disk all workers reach, then run "
            "the same command on every worker again."
        )
