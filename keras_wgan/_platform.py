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
# GPUs compute bfloat16 natively from this compute capability (NVIDIA Ampere) on.
BFLOAT16_GPU_CAPABILITY = (8, 0)


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


def bfloat16_accelerators():
    """TPUs and GPUs of compute capability 8.0 or more (Ampere on) visible to TensorFlow."""
    import tensorflow as tf

    gpus = [
        gpu for gpu in tf.config.list_physical_devices("GPU")
        if tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0))
        >= BFLOAT16_GPU_CAPABILITY
    ]
    return len(gpus) + len(tf.config.list_physical_devices("TPU"))


def native_bfloat16(flags=None, accelerators=None):
    """Whether this machine computes bfloat16 natively: a TPU, a GPU of compute capability
    8.0 or more, or a CPU with `BFLOAT16_CPU_FLAGS` (`None` where the CPU's flags cannot be
    read and no such accelerator is visible).

    Args:
        flags: set of str or `None`. The CPU flags (`None`: read with `cpu_flags()`).
        accelerators: int or `None`. Such accelerators (`None`: `bfloat16_accelerators()`).
    """
    if accelerators is None:
        accelerators = bfloat16_accelerators()
    if accelerators:
        return True
    flags = cpu_flags() if flags is None else flags
    return None if flags is None else bool(flags & set(BFLOAT16_CPU_FLAGS))


def resolve_precision(precision, flags=None, accelerators=None):
    """The dtype policy `precision` stands for: `"auto"` is `"mixed_bfloat16"` where the
    machine computes bfloat16 natively (`native_bfloat16`), else `"float32"`; any other name is
    itself."""
    if precision != "auto":
        return precision
    native = native_bfloat16(flags, accelerators)
    return "mixed_bfloat16" if native else "float32"


def warn_if_bfloat16_is_slow(precision, flags=None, accelerators=None):
    """Warns when `precision` computes in bfloat16 on a CPU without native bfloat16 arithmetic.

    There TensorFlow emulates it, slower than float32 (docs/speed.md). Where
    `native_bfloat16` is true, or cannot tell, it says nothing.

    Args:
        precision: str. The dtype policy name, e.g. "mixed_bfloat16".
        flags, accelerators: as `native_bfloat16` takes them.
    """
    if "bfloat16" not in precision or native_bfloat16(flags, accelerators) is not False:
        return
    warnings.warn(
        f"precision={precision!r} on a CPU without native bfloat16 arithmetic (no "
        f"{' or '.join(BFLOAT16_CPU_FLAGS)} flag): TensorFlow emulates it, and it ran about 2x "
        "slower than float32 on an AVX2-only CPU. Use precision='float32' here.",
        stacklevel=2,
    )
