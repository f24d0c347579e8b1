"""Facts about the TensorFlow runtime that decide training speed on CPU."""

import os
import warnings

from keras_wgan._framework import onednn_enabled


def warn_if_onednn_off():
    """Warns once if oneDNN is off without the user having asked for it."""
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" or onednn_enabled() is not False:
        return
    warnings.warn(
        "TensorFlow runs without oneDNN, which made our GAN steps about 5x slower on CPU. Set "
        "TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is imported (import keras_wgan first, or set "
        "it in the shell), or TF_ENABLE_ONEDNN_OPTS=0 to silence this warning.",
        stacklevel=3,
    )


# CPU flags of native bfloat16 arithmetic (Linux /proc/cpuinfo names).
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's feature flags, or `None` where they cannot be read (not Linux)."""
    try:
        with open(cpuinfo) as file:
            for line in file:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return None


def warn_if_bfloat16_is_slow(precision, flags=None, accelerators=None):
    """Warns when `precision` computes in bfloat16 on a CPU without native bfloat16 arithmetic.

    There TensorFlow emulates it, slower than float32 (docs/speed.md). With a GPU or TPU
    present, or flags that cannot be read, it says nothing.

    Args:
        precision: str. The dtype policy name, e.g. "mixed_bfloat16".
        flags: set of str or `None`. The CPU flags (`None`: read with `cpu_flags()`).
        accelerators: int or `None`. GPUs and TPUs visible (`None`: ask TensorFlow).
    """
    if "bfloat16" not in precision:
        return
    if accelerators is None:
        import tensorflow as tf

        accelerators = len(tf.config.list_physical_devices("GPU")) + len(
            tf.config.list_physical_devices("TPU")
        )
    flags = cpu_flags() if flags is None else flags
    if accelerators or flags is None or flags & set(BFLOAT16_CPU_FLAGS):
        return
    warnings.warn(
        f"precision={precision!r} on a CPU without native bfloat16 arithmetic (no "
        f"{' or '.join(BFLOAT16_CPU_FLAGS)} flag): TensorFlow emulates it, and it ran about 2x "
        "slower than float32 on an AVX2-only CPU. Use precision='float32' here.",
        stacklevel=2,
    )
