"""`export_generator`: a generator as a versioned SavedModel, the layout TF Serving polls."""

import errno
import glob
import os
import re
import shutil
import tempfile

import tensorflow as tf

from keras_wgan.checkpointing.backup import UMASK
from keras_wgan.export._generator import check_generator
from keras_wgan.export._generator import embedded_classes
from keras_wgan.export._generator import is_int
from keras_wgan.export._generator import resolve_generator
from keras_wgan.export.errors import ExportError
from keras_wgan.export.signatures import GeneratorModule

_VERSION_DIR = re.compile(r"[0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMP_PREFIX = ".tmp-export-"
# TF Serving may run as another user: folders get the umask's mode, not `mkdtemp`'s 0o700.
_FOLDER_MODE = 0o777 & ~UMASK
# What `os.rename` of a folder onto a non-empty one raises: another export took the version.
_TAKEN = (errno.EEXIST, errno.ENOTEMPTY)
_WRITE_ERRORS = (
    OSError,
    tf.errors.ResourceExhaustedError,
    tf.errors.PermissionDeniedError,
    tf.errors.FailedPreconditionError,
    tf.errors.NotFoundError,
)


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
    An existing version is never overwritten; exports running at once each take their own.
    The folders get the permissions of the process's umask.

    Args:
        model_or_generator: `keras.Model` or GAN model. The generator (inputs `latent`
            `[batch, latent_dim]`, or `[latent, labels]` with labels `[batch]` or `[batch, 1]`;
            one output `[batch, H, W, C]` in `[-1, 1]` or `[batch, features]`), or an object
            whose `generator` attribute holds one. A GAN model that keeps an averaged
            generator exports that one unless `use_ema=False`.
        base_dir: str or path-like. The model's directory, TF Serving's `--model_base_path`.
            Created if missing.
        version: Optional int >= 1. Defaults to the next free version: one more than the
            largest existing one when the export is complete.
        name: Optional str. Name of the exported `tf.Module`, a Python identifier. Defaults to
            `"<generator name>_export"`.
        max_samples: int >= 1. Largest `num_samples` the `sample` signatures accept.
        num_classes: Optional int >= 1, conditional generators only. The signatures refuse
            labels outside `[0, num_classes)` (an embedding wraps -1 to the last class on CPU).
            Defaults to the classes of the generator's `Embedding` layers (none: no check).
        use_ema: bool or `None`. For a GAN model: the averaged generator (`True`), the trained
            one (`False`), or the model's choice (`None`).

    Returns:
        The path of the written version directory, a str.

    Raises:
        ValueError: a malformed generator or argument, an existing version, or a `num_classes`
            other than the generator's.
        ExportError: `base_dir` cannot be created or written (a full or read-only disk).

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
    num_classes = _check_num_classes(num_classes, generator, conditional)
    base_dir = os.fspath(base_dir)
    if version is not None:
        if not is_int(version) or version < 1:
            raise ValueError(
                f"`version` must be an int >= 1 or None. Received: version={version!r}"
            )
        version = int(version)
        _refuse_existing(os.path.join(base_dir, str(version)), version)

    module = GeneratorModule(
        generator, max_samples=int(max_samples), num_classes=num_classes, name=name
    )
    try:
        os.makedirs(base_dir, exist_ok=True)
        temp_dir = tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=base_dir)
    except OSError as error:
        raise _write_error(base_dir, error) from error
    try:
        try:
            tf.saved_model.save(module, temp_dir, signatures=module.signatures())
            _set_folder_modes(temp_dir)
            return _claim_version(temp_dir, base_dir, version)
        except _WRITE_ERRORS as error:
            raise _write_error(base_dir, error) from error
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise


def remove_partial_exports(base_dir, older_than):
    """Removes the temporary folders that exports into `base_dir` left when they were killed
    before their rename (TF Serving ignores them), those last changed before `older_than` (a
    `time.time()`), so that an export running now keeps its own.

    Returns:
        The folders removed, a list.
    """
    removed = []
    for path in glob.glob(os.path.join(glob.escape(os.fspath(base_dir)), _TEMP_PREFIX + "*")):
        if os.path.isdir(path) and os.path.getmtime(path) < older_than:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _check_num_classes(num_classes, generator, conditional):
    if num_classes is None:
        return embedded_classes(generator) if conditional else None
    if not conditional:
        raise ValueError(
            "`num_classes` only applies to a conditional generator (two inputs); this "
            f"generator has one input. Received: num_classes={num_classes!r}"
        )
    if not is_int(num_classes) or num_classes < 1:
        raise ValueError(
            f"`num_classes` must be an int >= 1 or None. Received: num_classes={num_classes!r}"
        )
    embedded = embedded_classes(generator)
    if embedded is not None and num_classes != embedded:
        raise ValueError(
            f"`num_classes` must be the number of classes the generator {generator.name!r} "
            f"embeds ({embedded}), or None. Received: num_classes={num_classes!r}"
        )
    return int(num_classes)


def _set_folder_modes(directory):
    for folder, _, _ in os.walk(directory):
        os.chmod(folder, _FOLDER_MODE)


def _claim_version(temp_dir, base_dir, version):
    """Renames `temp_dir` to `<base_dir>/<version>` (or the next free version); its path."""
    while True:
        number = version or max(_existing_versions(base_dir), default=0) + 1
        version_dir = os.path.join(base_dir, str(number))
        if version is not None:
            # Again: another export may have taken it; `os.rename` replaces an empty folder.
            _refuse_existing(version_dir, version)
        try:
            os.rename(temp_dir, version_dir)
            return version_dir
        except OSError as error:
            if error.errno not in _TAKEN:
                raise
            if version is not None:
                raise ValueError(
                    f"The export version directory {version_dir!r} was created by another "
                    f"process during this export. Received: version={version!r}"
                ) from error


def _write_error(base_dir, error):
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return ExportError(
        f"Cannot write the export into {base_dir} ({reason}). Free some disk space or make "
        "the folder writable, then export again."
    )


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
