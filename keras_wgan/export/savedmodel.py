"""`export_generator`: a generator as a versioned SavedModel, the layout TF Serving polls."""

import os
import re
import shutil
import tempfile

import tensorflow as tf

from keras_wgan.export._generator import check_generator
from keras_wgan.export._generator import is_int
from keras_wgan.export._generator import resolve_generator
from keras_wgan.export.signatures import GeneratorModule

_VERSION_DIR = re.compile(r"[0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMP_PREFIX = ".tmp-export-"


def export_generator(
    model_or_generator,
    base_dir,
    version=None,
    name=None,
    max_samples=1024,
    num_classes=None,
    use_ema=None,
):
    """Exports a generator as a versioned SavedModel for TF Serving.

    Writes `<base_dir>/<version>/` with the `serving_default`, `sample` and `sample_truncated`
    signatures (see `keras_wgan.export.signatures`). TF Serving loads only all-digit
    subdirectories, so the SavedModel is written to a hidden temporary directory in `base_dir`
    and renamed to `<version>` when complete: a polling server never loads a partial export.
    An existing version is never overwritten.

    Args:
        model_or_generator: `keras.Model` or GAN model. The generator (inputs `latent`
            `[batch, latent_dim]`, or `[latent, labels]` with labels `[batch]` or `[batch, 1]`;
            one output `[batch, H, W, C]` in `[-1, 1]` or `[batch, features]`), or an object
            whose `generator` attribute holds one. A GAN model that keeps an averaged
            generator exports that one unless `use_ema=False`.
        base_dir: str or path-like. The model's directory, TF Serving's `--model_base_path`.
            Created if missing.
        version: Optional int >= 1. Defaults to one more than the largest existing version.
        name: Optional str. Name of the exported `tf.Module`, a Python identifier. Defaults to
            `"<generator name>_export"`.
        max_samples: int >= 1. Largest `num_samples` the `sample` signatures accept.
        num_classes: Optional int >= 1, conditional generators only. The signatures then refuse
            labels outside `[0, num_classes)` (an embedding lookup returns zeros on GPU).
        use_ema: bool or `None`. For a GAN model: the averaged generator (`True`), the trained
            one (`False`), or the model's choice (`None`).

    Returns:
        The path of the written version directory, a str.

    Raises:
        ValueError: a malformed generator or argument, or an existing version.

    Example:

    ```python
    path = keras_wgan.export.export_generator(gan, "saved_models/wgan_gp_digits")
    # -> "saved_models/wgan_gp_digits/1"
    ```
    """
    generator = resolve_generator(model_or_generator, use_ema)
    conditional = check_generator(generator)[1] is not None
    if name is None:
        name = f"{generator.name}_export"
        if not _IDENTIFIER.fullmatch(name):
            name = "generator_export"
    elif not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            "`name` must be a Python identifier (letters, digits, underscores). "
            f"Received: name={name!r}"
        )
    if not is_int(max_samples) or max_samples < 1:
        raise ValueError(
            f"`max_samples` must be an int >= 1. Received: max_samples={max_samples!r}"
        )
    if num_classes is not None:
        if not conditional:
            raise ValueError(
                "`num_classes` only applies to a conditional generator (two inputs); this "
                f"generator has one input. Received: num_classes={num_classes!r}"
            )
        if not is_int(num_classes) or num_classes < 1:
            raise ValueError(
                f"`num_classes` must be an int >= 1 or None. Received: num_classes={num_classes!r}"
            )

    base_dir = os.fspath(base_dir)
    if version is None:
        versions = _existing_versions(base_dir)
        version = max(versions) + 1 if versions else 1
    elif not is_int(version) or version < 1:
        raise ValueError(f"`version` must be an int >= 1 or None. Received: version={version!r}")
    version_dir = os.path.join(base_dir, str(int(version)))
    _refuse_existing(version_dir, version)

    module = GeneratorModule(
        generator,
        max_samples=int(max_samples),
        num_classes=None if num_classes is None else int(num_classes),
        name=name,
    )
    os.makedirs(base_dir, exist_ok=True)
    temp_dir = tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=base_dir)
    try:
        tf.saved_model.save(module, temp_dir, signatures=module.signatures())
        # Checked again: another export may have taken the version meanwhile, and `os.rename`
        # silently replaces an empty directory.
        _refuse_existing(version_dir, version)
        try:
            os.rename(temp_dir, version_dir)
        except OSError as error:
            if os.path.exists(version_dir):
                raise ValueError(
                    f"The export version directory {version_dir!r} was created by another "
                    f"process during this export. Received: version={version!r}"
                ) from error
            raise
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return version_dir


def _existing_versions(base_dir):
    if not os.path.isdir(base_dir):
        return []
    return [int(entry) for entry in os.listdir(base_dir) if _VERSION_DIR.fullmatch(entry)]


def _refuse_existing(version_dir, version):
    if os.path.exists(version_dir):
        raise ValueError(
            f"The export version directory {version_dir!r} already exists; versions are never "
            f"overwritten. Pass another version, or None for the next one. "
            f"Received: version={version!r}"
        )
