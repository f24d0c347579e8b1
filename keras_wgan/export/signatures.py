"""The SavedModel's serving signatures, and the sampling and conversion they document.

Names are stable; `D` is the latent size, `H, W, C` the image shape, `N` the batch.

- `serving_default`: `latent` float32 `[N, D]` (+ `labels` int32 `[N]` for a conditional
  generator) -> `images` float32 `[N, H, W, C]` in `[-1, 1]`.
- `sample`: `num_samples` int32 scalar in `[1, max_samples]`, `seed` int64 scalar (+ `labels`
  int32 `[1]` or `[num_samples]`) -> `images` uint8 `[num_samples, H, W, C]` (see `to_uint8`),
  `latent` float32 `[num_samples, D]` (see `sample_latent`) and, if conditional, `labels`.
- `sample_truncated`: `sample` plus `truncation` float32 scalar `> 0` (BigGAN's truncation
  trick): every latent entry in `[-truncation, truncation]` but a cluster sampler's pick.

A generator of vectors has the output `samples` (float32 `[N, features]`) in place of `images`.
Malformed requests fail with `InvalidArgumentError` naming the input.
"""

import tensorflow as tf

from keras_wgan import config
from keras_wgan.export._generator import check_generator
from keras_wgan.export._generator import is_int
from keras_wgan.export._generator import resolve_generator
from keras_wgan.networks.clusters import cluster_entries

SERVING_SIGNATURE_KEY = "serving_default"
SAMPLE_SIGNATURE_KEY = "sample"
SAMPLE_TRUNCATED_SIGNATURE_KEY = "sample_truncated"


def sample_latent(num_samples, latent_dim, seed, truncation=None, untruncated_entries=0):
    """Returns the latent vectors the `sample` (or `sample_truncated`) signature draws for a seed.

    The same in any process and on any device, with or without `keras_wgan` (Philox is pinned:
    the default algorithm may differ between devices):

    ```python
    latent = tf.random.stateless_normal(
        [num_samples, latent_dim], seed=[seed, 0], dtype=tf.float32, alg="philox")
    ```

    With `truncation`, the entries outside `[-truncation, truncation]` are drawn again from the
    seeds `[seed, 1]`, `[seed, 2]`, ... (at most `config.TRUNCATION_ROUNDS` times, then
    clipped), so the entries inside stay those of the plain draw; the first
    `untruncated_entries` columns keep the plain draw (a cluster sampler's pick).

    Args:
        num_samples: int or int32 scalar tensor. Number of latent vectors.
        latent_dim: int. Size of one latent vector.
        seed: int or integer scalar tensor. The seed, used as `[seed, k]` in int64.
        truncation: positive float, float scalar tensor, or `None` (no truncation).
        untruncated_entries: int >= 0. Leading columns left untruncated.

    Returns:
        A float32 tensor of shape `[num_samples, latent_dim]`.
    """
    if not is_int(untruncated_entries) or not 0 <= untruncated_entries <= latent_dim:
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


def serving_function(model_or_generator, use_ema=None):
    """Returns the `serving_default` function of `export_generator`, not saved.

    A `tf.function` with an input signature, for converters that take a function (tf2onnx).

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        use_ema: bool or `None`, as for `export_generator`.

    Returns:
        A `tf.function` taking `latent` (and `labels` for a conditional generator) and
        returning `{"images": ...}` (or `{"samples": ...}`), as the signature does.

    Example:

    ```python
    serve = keras_wgan.export.serving_function(gan)
    images = serve(latent=tf.random.normal([4, 128]))["images"]
    ```
    """
    generator = resolve_generator(model_or_generator, use_ema)
    module = GeneratorModule(generator, max_samples=1, num_classes=None, name="generator_export")
    return module.serve


class GeneratorModule(tf.Module):
    """The exported object: the generator's variables and the three signature functions."""

    def __init__(self, generator, max_samples, num_classes, name):
        super().__init__(name=name)
        latent_dim, labels_rank, makes_images = check_generator(generator)
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

        # Track the `tf.Variable`s the traced functions read, not their `keras.Variable`
        # wrappers, or graph-mode loaders (TF Serving) restore other variables than the
        # functions read (a Keras bug; `keras.export.ExportArchive` works around it alike).
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


def _after(checks, tensor):
    """Returns `tensor`, computed only once the assertion ops `checks` have passed."""
    with tf.control_dependencies([check for check in checks if check is not None]):
        return tf.identity(tensor)
