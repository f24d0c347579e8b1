"""Export a trained generator as a TensorFlow SavedModel for TF Serving.

`export_generator` writes `<base_dir>/<version>/` (`saved_model.pb` + `variables/`), the layout
TF Serving polls: it loads only all-digit subdirectories of its `--model_base_path` and serves the
largest by default. The SavedModel needs neither Keras nor `keras_wgan` to run: a client loads it
with `tf.saved_model.load`, `saved_model_cli` or TF Serving.

Signatures (the names below are stable; `D` is the generator's latent size, `H, W, C` its image
shape; `N` the batch):

`serving_default`: images from given latent vectors.
    Inputs:  `latent`: float32 `[N, D]`.
             `labels`: int32 `[N]` (conditional generators only).
    Outputs: `images`: float32 `[N, H, W, C]`, the generator's output in `[-1, 1]`.

`sample`: display-ready images from a seed.
    Inputs:  `num_samples`: int32 scalar, `1 <= num_samples <= max_samples`.
             `seed`: int64 scalar.
             `labels`: int32 `[1]` or `[num_samples]` (conditional generators only); one label
             is repeated for every sample.
    Outputs: `images`: uint8 `[num_samples, H, W, C]` in `[0, 255]`.
             `latent`: float32 `[num_samples, D]`, the latent vectors used: feed them (edited or
             not) to `serving_default` to reproduce or perturb the images.
             `labels`: int32 `[num_samples]` (conditional generators only), the labels used.

`sample_truncated`: `sample` with BigGAN's truncation trick.
    Inputs:  those of `sample`, and `truncation`: float32 scalar, `> 0`.
    Outputs: those of `sample`; every latent entry lies in `[-truncation, truncation]`, but
             the first entry of a cluster sampler (`networks.build_cluster_sampler`), which
             picks the sample's cluster and is left as `sample` draws it.

The latent of `sample` depends only on `(seed, num_samples, D)`, never on the labels or the
device; it is (see `sample_latent`):

```python
latent = tf.random.stateless_normal(
    [num_samples, D], seed=[seed, 0], dtype=tf.float32, alg="philox")
```

and that of `sample_truncated` is the same draw with its entries outside the bound drawn again,
each from the next seed, until all are inside (so the entries inside stay those of `sample`):

```python
plain = latent  # the draw of `sample`
for k in range(1, 101):  # keras_wgan.config.TRUNCATION_ROUNDS
    outside = abs(latent) > truncation
    if not any(outside):
        break
    latent = where(outside, stateless_normal([num_samples, D], seed=[seed, k], ...), latent)
latent = clip(latent, -truncation, truncation)  # only what 100 draws left outside
latent[:, :E] = plain[:, :E]  # E = networks.cluster_entries(generator): 1 for a cluster sampler
```

(a cluster sampler's first entry picks the cluster: truncation changes a sample's noise, never
its cluster), and the images are the generator's output `x` (float32) converted by (see
`to_uint8`):

```python
images = uint8(clip(round_half_to_even((x + 1.0) * 127.5), 0, 255))
# numpy: np.clip(np.rint((x + np.float32(1)) * np.float32(127.5)), 0, 255).astype(np.uint8)
```

A generator of vectors (e.g. for 2-D toy data) is exported the same way, with the output
`samples` (float32 `[N, features]`) in place of `images` in every signature: there is nothing
to display as uint8.

Malformed requests are refused with `InvalidArgumentError`: a wrong dtype by the signature, a
wrong shape by `tf.ensure_shape` ("Shape of tensor latent [2,5] is not compatible with expected
shape [?,4]"), and out-of-range values (`num_samples`, `truncation`, mismatched `labels`, labels
outside `[0, num_classes)` when `num_classes` is given) by assertions whose message names the
input.

Given a GAN model that keeps an averaged generator (`ema_decay`), `export_generator` exports the
averaged one, unless `use_ema=False`.

Example:

```python
path = keras_wgan.export.export_generator(gan, "saved_models/wgan_gp_digits")
# -> "saved_models/wgan_gp_digits/1"
loaded = tf.saved_model.load(path)
out = loaded.signatures["sample"](num_samples=tf.constant(16), seed=tf.constant(7, tf.int64))
out["images"]  # uint8 [16, H, W, C]
```
"""

import numbers
import os
import re
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_wgan import config
from keras_wgan._generators import generator_for_sampling
from keras_wgan.networks.clusters import cluster_entries

SERVING_SIGNATURE_KEY = "serving_default"
SAMPLE_SIGNATURE_KEY = "sample"
SAMPLE_TRUNCATED_SIGNATURE_KEY = "sample_truncated"

_VERSION_DIR = re.compile(r"[0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMP_PREFIX = ".tmp-export-"


def sample_latent(num_samples, latent_dim, seed, truncation=None, untruncated_entries=0):
    """Returns the latent vectors the `sample` (or `sample_truncated`) signature draws for a seed.

    The draw is `tf.random.stateless_normal` with the Philox algorithm pinned (the default,
    "auto_select", may differ between devices), so a seed gives the same latent in any process,
    on any device, with or without `keras_wgan`:
    `tf.random.stateless_normal([num_samples, latent_dim], seed=[seed, 0], dtype=tf.float32,
    alg="philox")`. With `truncation`, the entries outside `[-truncation, truncation]` are drawn
    again from the seeds `[seed, 1]`, `[seed, 2]`, ... until all are inside (see the module
    docstring), except the first `untruncated_entries` columns, which keep the plain draw's
    values (a cluster sampler's pick: `networks.cluster_entries`).

    Args:
        num_samples: int or int32 scalar tensor. Number of latent vectors.
        latent_dim: int. Size of one latent vector.
        seed: int or integer scalar tensor. The seed, used as `[seed, k]` in int64.
        truncation: positive float, float scalar tensor, or `None` (no truncation).
        untruncated_entries: int >= 0. Leading columns left untruncated.

    Returns:
        A float32 tensor of shape `[num_samples, latent_dim]`.
    """
    if not _is_int(untruncated_entries) or not 0 <= untruncated_entries <= latent_dim:
        raise ValueError(
            f"`untruncated_entries` must be an int in [0, latent_dim={latent_dim}]. "
            f"Received: untruncated_entries={untruncated_entries!r}"
        )
    seed = tf.cast(seed, tf.int64)
    shape = tf.stack([tf.cast(num_samples, tf.int32), tf.constant(latent_dim, tf.int32)])

    def draw(round_):
        return tf.random.stateless_normal(
            shape, seed=tf.stack([seed, round_]), dtype=tf.float32, alg="philox"
        )

    plain = draw(tf.constant(0, tf.int64))
    if truncation is None:
        return plain
    bound = tf.cast(truncation, tf.float32)

    def more(round_, latent):
        return tf.logical_and(
            round_ <= config.TRUNCATION_ROUNDS, tf.reduce_any(tf.abs(latent) > bound)
        )

    def redraw(round_, latent):
        return round_ + 1, tf.where(tf.abs(latent) > bound, draw(round_), latent)

    _, latent = tf.while_loop(more, redraw, (tf.constant(1, tf.int64), plain))
    latent = tf.clip_by_value(latent, -bound, bound)
    if untruncated_entries:
        latent = tf.concat(
            [plain[:, :untruncated_entries], latent[:, untruncated_entries:]], axis=1
        )
    return latent


def to_uint8(images):
    """Maps generator images from `[-1, 1]` to display-ready uint8 `[0, 255]`.

    Computes `clip(round((images + 1) * 127.5), 0, 255)` in float32, rounding half to even
    (`tf.round`, `np.rint`), then casts to uint8. Values outside `[-1, 1]` are clipped.

    Args:
        images: float tensor, images in `[-1, 1]`.

    Returns:
        A uint8 tensor with the shape of `images`.
    """
    scaled = (tf.cast(images, tf.float32) + 1.0) * 127.5
    return tf.cast(tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8)


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
    signatures described in the module docstring. The write is atomic: the SavedModel is written
    to a hidden temporary directory inside `base_dir` (TF Serving ignores names that are not all
    digits) and renamed to `<version>` only when complete, so a server polling `base_dir` never
    loads a partial export; on failure the temporary directory is removed (a process killed
    mid-export can leave a `.tmp-export-*` directory: TF Serving ignores it and it can be
    deleted). An existing version is never overwritten.

    A generator with one input takes the latent; one with two inputs is conditional and takes
    `[latent, labels]`, the labels of shape `[batch]` or `[batch, 1]`; all signatures then take
    a `labels` input as well. The generator is called with `training=False`.

    Args:
        model_or_generator: `keras.Model` or GAN model. The generator (a built `keras.Model`
            with inputs `latent` `[batch, latent_dim]`, or `[latent, labels]`, and one output
            `[batch, H, W, C]` in `[-1, 1]`), or an object whose `generator` attribute holds
            one, such as a trained WGAN. A GAN model that keeps an averaged generator
            (`ema_decay`) exports that one unless `use_ema=False`.
        base_dir: str or path-like. The model's directory, e.g. `"saved_models/<run-name>"`:
            TF Serving's `--model_base_path`. Created if missing.
        version: Optional int >= 1. The version directory to write. Defaults to one more than
            the largest existing all-digit version in `base_dir` (1 if there is none).
        name: Optional str. Name of the exported `tf.Module`, a Python identifier; the ops of
            the signatures are built under this name scope (visible in graph dumps and error
            traces). Defaults to `"<generator name>_export"`.
        max_samples: int >= 1. Largest `num_samples` the `sample` signature accepts, to bound
            the memory one request can take on the server. Defaults to 1024.
        num_classes: Optional int >= 1, conditional generators only. When given, both signatures
            refuse labels outside `[0, num_classes)` (an embedding lookup would otherwise fail
            on CPU and silently return zeros on GPU). Defaults to `None` (no check).
        use_ema: bool or `None`. For a GAN model: export its averaged generator (`True`) or
            the trained one (`False`); `None` (default): the model's choice
            (`sampling_generator`), the averaged generator when it keeps one.

    Returns:
        The path of the written version directory, a str.

    Example:

    ```python
    path = keras_wgan.export.export_generator(gan, "saved_models/wgan_gp_digits")
    # Serve: tensorflow_model_server --rest_api_port=8501 --model_name=wgan_gp_digits \\
    #     --model_base_path=$PWD/saved_models/wgan_gp_digits
    ```
    """
    generator = _resolve_generator(model_or_generator, use_ema)
    latent_dim, labels_rank, makes_images = _check_generator(generator)
    conditional = labels_rank is not None
    if name is None:
        name = f"{generator.name}_export"
        if not _IDENTIFIER.fullmatch(name):
            name = "generator_export"
    elif not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            "`name` must be a Python identifier (letters, digits, underscores). "
            f"Received: name={name!r}"
        )
    if not _is_int(max_samples) or max_samples < 1:
        raise ValueError(
            f"`max_samples` must be an int >= 1. Received: max_samples={max_samples!r}"
        )
    if num_classes is not None:
        if not conditional:
            raise ValueError(
                "`num_classes` only applies to a conditional generator (two inputs); this "
                f"generator has one input. Received: num_classes={num_classes!r}"
            )
        if not _is_int(num_classes) or num_classes < 1:
            raise ValueError(
                f"`num_classes` must be an int >= 1 or None. Received: num_classes={num_classes!r}"
            )

    base_dir = os.fspath(base_dir)
    if version is None:
        versions = _existing_versions(base_dir)
        version = max(versions) + 1 if versions else 1
    elif not _is_int(version) or version < 1:
        raise ValueError(f"`version` must be an int >= 1 or None. Received: version={version!r}")
    version_dir = os.path.join(base_dir, str(int(version)))
    _refuse_existing(version_dir, version)

    module = _GeneratorModule(
        generator,
        latent_dim=latent_dim,
        labels_rank=labels_rank,
        makes_images=makes_images,
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


def serving_function(model_or_generator, use_ema=None):
    """Returns the function that `export_generator` saves as the `serving_default` signature.

    The same deterministic function, not saved: a `tf.function` with an input signature, for
    converters that take a function (tf2onnx, `keras_wgan.export_formats.export_onnx`).

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        use_ema: bool or `None`, as for `export_generator`.

    Returns:
        A `tf.function` taking `latent` (float32 `[N, D]`) and, for a conditional generator,
        `labels` (int32 `[N]`), and returning `{"images": float32 [N, H, W, C]}` (or
        `{"samples": float32 [N, features]}` for a generator of vectors). Its
        `input_signature` names the inputs.

    Example:

    ```python
    serve = keras_wgan.export.serving_function(gan)
    images = serve(latent=tf.random.normal([4, 128]))["images"]
    ```
    """
    generator = _resolve_generator(model_or_generator, use_ema)
    latent_dim, labels_rank, makes_images = _check_generator(generator)
    module = _GeneratorModule(
        generator,
        latent_dim=latent_dim,
        labels_rank=labels_rank,
        makes_images=makes_images,
        max_samples=1,
        num_classes=None,
        name="generator_export",
    )
    return module.serve


class _GeneratorModule(tf.Module):
    """The exported object: the generator's variables and the two serving functions."""

    def __init__(
        self, generator, latent_dim, labels_rank, makes_images, max_samples, num_classes, name
    ):
        super().__init__(name=name)
        self._makes_images = makes_images

        def call_generator(inputs):
            return generator(inputs, training=False)

        # A plain function, so the Keras objects are not tracked (and not saved).
        self._call_generator = call_generator
        self._latent_dim = latent_dim
        self._untruncated_entries = cluster_entries(generator)
        self._labels_rank = labels_rank
        self._max_samples = max_samples
        self._num_classes = num_classes
        self._labels_dtype = generator.inputs[1].dtype if labels_rank is not None else None

        latent_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="latent")
        labels_spec = tf.TensorSpec([None], tf.int32, name="labels")
        num_samples_spec = tf.TensorSpec([], tf.int32, name="num_samples")
        seed_spec = tf.TensorSpec([], tf.int64, name="seed")
        truncation_spec = tf.TensorSpec([], tf.float32, name="truncation")
        if labels_rank is None:

            def serving_default(latent):
                return self._serve(latent)

            def sample(num_samples, seed):
                return self._sample(num_samples, seed)

            def sample_truncated(num_samples, seed, truncation):
                return self._sample(num_samples, seed, truncation=truncation)

            self.serve = tf.function(serving_default, input_signature=[latent_spec])
            self.sample = tf.function(sample, input_signature=[num_samples_spec, seed_spec])
            self.sample_truncated = tf.function(
                sample_truncated, input_signature=[num_samples_spec, seed_spec, truncation_spec]
            )
        else:

            def serving_default(latent, labels):
                return self._serve(latent, labels)

            def sample(num_samples, seed, labels):
                return self._sample(num_samples, seed, labels)

            def sample_truncated(num_samples, seed, truncation, labels):
                return self._sample(num_samples, seed, labels, truncation)

            self.serve = tf.function(serving_default, input_signature=[latent_spec, labels_spec])
            self.sample = tf.function(
                sample, input_signature=[num_samples_spec, seed_spec, labels_spec]
            )
            self.sample_truncated = tf.function(
                sample_truncated,
                input_signature=[num_samples_spec, seed_spec, truncation_spec, labels_spec],
            )

        # Track the `tf.Variable`s the traced functions read, not the `keras.Variable`s that
        # wrap them: with the latter, the SavedModel's restore op fills other variables than
        # the functions read, and graph-mode loaders (TF Serving, `saved_model_cli run`) fail
        # with "Could not find variable dense/bias" (keras-team/keras#20095); the same
        # workaround as `keras.export.ExportArchive`.
        variables = {}
        for function in (self.serve, self.sample, self.sample_truncated):
            for variable in function.get_concrete_function().variables:
                variables[id(variable)] = variable
        self._variables = list(variables.values())

    def signatures(self):
        return {
            SERVING_SIGNATURE_KEY: self.serve,
            SAMPLE_SIGNATURE_KEY: self.sample,
            SAMPLE_TRUNCATED_SIGNATURE_KEY: self.sample_truncated,
        }

    def _serve(self, latent, labels=None):
        with self.name_scope:
            latent = tf.ensure_shape(latent, [None, self._latent_dim])
            if labels is not None:
                labels = self._check_labels(labels)
                same_batch = tf.debugging.assert_equal(
                    tf.shape(labels)[0],
                    tf.shape(latent)[0],
                    message="`labels` must have one label per `latent` row",
                )
                labels = _after([same_batch], labels)
            key = "images" if self._makes_images else "samples"
            return {key: self._generate(latent, labels)}

    def _sample(self, num_samples, seed, labels=None, truncation=None):
        with self.name_scope:
            num_samples = tf.ensure_shape(num_samples, [])
            seed = tf.ensure_shape(seed, [])
            at_least_one = tf.debugging.assert_greater_equal(
                num_samples, 1, message="`num_samples` must be >= 1"
            )
            at_most_max = tf.debugging.assert_less_equal(
                num_samples,
                self._max_samples,
                message=f"`num_samples` must be <= max_samples={self._max_samples}",
            )
            num_samples = _after([at_least_one, at_most_max], num_samples)
            if truncation is not None:
                truncation = tf.ensure_shape(truncation, [])
                positive = tf.debugging.assert_greater(
                    truncation, 0.0, message="`truncation` must be > 0"
                )
                truncation = _after([positive], truncation)
            latent = sample_latent(
                num_samples, self._latent_dim, seed, truncation, self._untruncated_entries
            )
            outputs = {"latent": latent}
            if labels is not None:
                labels = self._check_labels(labels)
                num_labels = tf.shape(labels)[0]
                one_or_all = tf.debugging.Assert(
                    tf.logical_or(tf.equal(num_labels, 1), tf.equal(num_labels, num_samples)),
                    ["`labels` must hold 1 or `num_samples` labels; received", num_labels,
                     "labels for num_samples =", num_samples],
                )
                labels = _after([one_or_all], labels)
                labels = tf.broadcast_to(labels, tf.reshape(num_samples, [1]))
                outputs["labels"] = labels
            generated = self._generate(latent, labels)
            if self._makes_images:
                outputs["images"] = to_uint8(generated)
            else:
                outputs["samples"] = generated
            return outputs

    def _check_labels(self, labels):
        labels = tf.ensure_shape(labels, [None])
        if self._num_classes is None:
            return labels
        non_negative = tf.debugging.assert_non_negative(labels, message="`labels` must be >= 0")
        below_num_classes = tf.debugging.assert_less(
            labels,
            self._num_classes,
            message=f"`labels` must be < num_classes={self._num_classes}",
        )
        return _after([non_negative, below_num_classes], labels)

    def _generate(self, latent, labels=None):
        if labels is None:
            images = self._call_generator(latent)
        else:
            labels = tf.cast(labels, self._labels_dtype)
            if self._labels_rank == 2:
                labels = labels[:, None]
            images = self._call_generator([latent, labels])
        return tf.cast(images, tf.float32)


def _resolve_generator(model_or_generator, use_ema=None):
    generator = generator_for_sampling(model_or_generator, use_ema)
    if isinstance(generator, keras.Model):
        return generator
    raise ValueError(
        "`model_or_generator` must be a generator `keras.Model` or a GAN model with a "
        "`generator` attribute holding one. "
        f"Received: model_or_generator={model_or_generator!r} "
        f"(type {type(model_or_generator).__name__})"
    )


def _check_generator(generator):
    """Returns `(latent_dim, labels_rank, makes_images)`.

    `labels_rank` is None for one input, else 1 or 2; `makes_images` tells images
    `(batch, H, W, C)` from vectors `(batch, features)`.
    """
    try:
        inputs = list(generator.inputs)
        outputs = list(generator.outputs)
    except (AttributeError, ValueError, TypeError):
        inputs, outputs = None, None
    if not inputs or not outputs:
        raise ValueError(
            "The generator must have defined inputs and outputs (a Functional model, or a "
            "Sequential model that starts with `keras.Input`). "
            f"Received: generator={generator.name!r} of type {type(generator).__name__}"
        )
    if len(inputs) not in (1, 2):
        raise ValueError(
            "The generator must have 1 input (latent) or 2 inputs (latent, labels). "
            f"Received: generator={generator.name!r} with {len(inputs)} inputs, shapes "
            f"{[tuple(x.shape) for x in inputs]}"
        )
    latent_shape = tuple(inputs[0].shape)
    if len(latent_shape) != 2 or not isinstance(latent_shape[1], int):
        raise ValueError(
            "The generator's (first) input must be the latent, of shape (batch, latent_dim). "
            f"Received: generator={generator.name!r} with input shape {latent_shape}"
        )
    labels_rank = None
    if len(inputs) == 2:
        labels_shape = tuple(inputs[1].shape)
        if labels_shape not in ((None,), (None, 1)):
            raise ValueError(
                "A conditional generator's second input must be the labels, of shape "
                f"(batch,) or (batch, 1). Received: generator={generator.name!r} with labels "
                f"input shape {labels_shape}"
            )
        labels_rank = len(labels_shape)
    image_shape = tuple(outputs[0].shape)
    if len(outputs) != 1 or len(image_shape) not in (2, 4):
        raise ValueError(
            "The generator must have one output: images of shape (batch, H, W, C) or vectors of "
            "shape (batch, features). "
            f"Received: generator={generator.name!r} with output shapes "
            f"{[tuple(y.shape) for y in outputs]}"
        )
    return latent_shape[1], labels_rank, len(image_shape) == 4


def _after(checks, tensor):
    """Returns `tensor`, computed only once the assertion ops `checks` have passed."""
    with tf.control_dependencies([check for check in checks if check is not None]):
        return tf.identity(tensor)


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


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
