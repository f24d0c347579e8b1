"""The adversarial training loop shared by every model of keras_wgan.

`BaseGAN` holds what all the models share: two networks, the data contract, the critic loop and
generator step of `train_step`, compilation with two optimizers, seeding, metrics and
serialization. A model is a set of hooks on it: `critic_objective` and `generator_objective`
(the losses), `critic_penalty` (a term that keeps the critic Lipschitz), `warm_up_critic` (extra
critic updates) and `default_optimizer`.

A model with more networks (`StackedGAN`) writes its own `train_step` from the same pieces: `update`
(one optimizer update: its gradients, compiled per replica, the loss-scale check, the update and
the metrics), `loss_gradients` (the tape), `critic_loss` (objective and penalty of any critic)
and `step_logs` (the end of a step). The replica and loss-scale plumbing they use is in
`keras_wgan.models._distribution`, the checks of the networks in `keras_wgan.models._networks`.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import config
from keras_wgan._checks import check_positive_int
from keras_wgan._data_contract import recorded_batching
from keras_wgan.augment import make_augmentation
from keras_wgan.augment import overfitting_heuristic
from keras_wgan.models._batches import after_checks
from keras_wgan.models._batches import batching_message
from keras_wgan.models._batches import check_labels
from keras_wgan.models._batches import check_rows
from keras_wgan.models._batches import failed_check_message
from keras_wgan.models._distribution import compiled_per_replica
from keras_wgan.models._distribution import computes_in_float16
from keras_wgan.models._distribution import draw_for_replica
from keras_wgan.models._distribution import finite_on_all_replicas
from keras_wgan.models._distribution import global_norm
from keras_wgan.models._distribution import logs_for_fit
from keras_wgan.models._distribution import loss_scale
from keras_wgan.models._distribution import mean_over_replicas
from keras_wgan.models._distribution import move_averages
from keras_wgan.models._distribution import replicas
from keras_wgan.models._distribution import scale_for_replicas
from keras_wgan.models._distribution import with_loss_scale
from keras_wgan.models._fit_arrays import array_batches
from keras_wgan.models._fit_arrays import arrays_of
from keras_wgan.models._fit_arrays import check_fit_arguments
from keras_wgan.models._networks import check_compatible
from keras_wgan.models._networks import check_model
from keras_wgan.models._networks import input_count
from keras_wgan.models._networks import latent_dim_of
from keras_wgan.models._networks import num_classes_of
from keras_wgan.models._networks import sample_shape
from keras_wgan.networks.clusters import build_cluster_sampler
from keras_wgan.networks.clusters import check_cluster_frequencies


class BaseGAN(keras.Model):
    """Generator and critic trained adversarially with `model.fit`; subclass it for a model.

    One `fit` step is one generator update, preceded by `critic_steps` critic updates, each on a
    fresh batch of real samples. Every element `fit` receives holds `critic_steps * batch_size`
    real samples (or a tuple whose first item does; labels are ignored): the step splits it into
    `critic_steps` batches, row `i` going to critic update `i % critic_steps`, and generates
    `batch_size` samples for each update. `keras_wgan.data.make_dataset(x, batch_size,
    critic_steps)` builds such batches, and `fit` builds them from arrays: `fit(images,
    batch_size=64)` (see `fit`).

    Conditional models: when the generator takes `[latent, labels]` (and the critic
    `[samples, labels]`; `keras_wgan.networks` builds both with `num_classes=...`), every element
    must be `(samples, labels)`. Each critic update gives the generator the labels of its real
    batch, so real and generated batches have the same classes, and the generator step uses the
    labels of the step's first real batch. `generate(latent, labels)` samples by class.

    Self-conditioned models (`cluster_frequencies`; Liu et al., 2020, "Diverse Image Generation
    via Self-Conditioned GANs"): conditional networks trained on cluster ids of the training
    images (`keras_wgan.data.cluster_images`) in place of labels, and sampled unconditionally.
    `sampling_generator` (and so `generate` without labels, `call`, the callbacks, the scores
    and the export) is then `keras_wgan.networks.build_cluster_sampler` around the chosen
    generator: a model from one latent of `latent_dim + 1` entries to one sample, the first
    entry drawing the cluster with the clusters' frequencies. `generate(latent, labels)` still
    samples a given cluster with a latent of `latent_dim`.

    Each critic update generates its own batch and scores the real and the generated batch in
    two critic calls: the fused forms (one generator call for all updates, one critic call for
    both batches) measured no faster (docs/speed.md; `benchmarks/step_speed.py --ablations`),
    so the step keeps the plain form.

    Generator EMA (`ema_decay`; Yazici et al., 2019, "The Unusual Effectiveness of Averaging in
    GAN Training"; StyleGAN's `G_ema`): the model keeps `ema_generator`, a non-trainable clone of
    the generator holding an exponential moving average of its weights, updated in the train step
    right after every generator update:

        decay_t = min(ema_decay, n / (n + W))    # n: generator updates before this one
        ema <- decay_t * ema + (1 - decay_t) * generator   # trainable weights
        ema <- generator                                   # non-trainable (BatchNorm statistics)

    The warm-up (`ema_warmup=True`, the default: W = 10) is TF's `ExponentialMovingAverage` ramp
    with `num_updates`, `(1 + n) / (10 + n)`, moved one update later: the first update copies the
    trained generator, and early updates do not freeze the random initialisation into the
    average. It reaches a decay d after `d * W / (1 - d)` updates (0.999: 9,990), so in shorter
    runs the average stays shorter than `ema_decay` asks; a smaller W (`ema_warmup=2`) reaches it
    sooner. Without it (`ema_warmup=False`) the average starts from the generator's initial
    weights. Sampling (`generate`, `call`, the sample callbacks, the quality scores,
    `keras_wgan.evaluation` and `keras_wgan.export.export_generator` given the model) uses the
    averaged generator when there is one; `use_ema=False` there (or `sampling_generator(False)`)
    gives the trained one. The average is saved with the model (`.keras` files, `save_weights`,
    `StepBackup`). Keras's own optimizer option (`use_ema`) is not used: at the end of `fit` it
    overwrites the trained weights with the average, so training would go on from averaged
    weights.

    Logged metrics: `critic_loss` (what the critic minimises, penalty included), `generator_loss`,
    `generator_gradient_norm` (the global norm of the generator's gradient: near zero, the
    generator has stopped learning), then the model's `objective_names` and `diagnostic_names`.
    Critic metrics are averaged over the epoch's critic updates.

    Augmentation (`augment`, images only): in training, every batch the critic scores is first
    transformed by `keras_wgan.augment` (`augment_samples`): the real and the generated batch of
    each critic update, the generator step's batch, and so the gradient penalty's interpolates,
    which lie between the augmented real and augmented generated samples (the critic is asked to
    be 1-Lipschitz where it is trained, between the augmented distributions it compares;
    augmenting the interpolates again would move them off those lines). `generate`, `score` and
    evaluation see no augmentation. `"diffaugment"` (Zhao et al., 2020) applies the whole
    `augment_policy` to every image. `"ada"` (Karras et al., 2020) applies each transformation
    of the policy to each image with probability `p` (starting at 0): every 4 critic updates
    `p` moves by `sign(r_t - 0.6) * images / 500k` (so from 0 to 1 in 500k real images), `r_t`
    the mean of the updates' `overfitting_heuristic` (see
    `keras_wgan.augment.overfitting_heuristic`). ADA logs `overfitting_heuristic` (averaged
    over the epoch) and `augmentation_probability` (`p` now); `p` is a variable of the model,
    saved in `.keras` files and backups.

    Args:
        generator: `keras.Model`. Maps latent vectors `[batch, latent_dim]` to samples.
        critic: `keras.Model`. Maps samples to one linear score (or logit) each, `[batch, 1]`.
        latent_dim: int or `None`. Size of the latent vectors; read from the generator's input
            when `None`.
        critic_steps: int. Critic updates per generator update.
        seed: int or `None`. Seed of the model's `keras.random.SeedGenerator`, the source of all
            its randomness.
        ema_decay: float in [0, 1) or `None`. Keep an exponential moving average of the
            generator's weights with this decay (e.g. 0.999), as `ema_generator`; `None` (the
            default) keeps none.
        ema_warmup: bool or a positive number. Warm the average's decay up over the first
            updates (see above): `True` with W = 10 (`keras_wgan.config.EMA_WARMUP`), a number
            with that W, `False` not at all.
        augment: `None`, `"diffaugment"` or `"ada"`. Augment the critic's inputs in training
            (above); images only.
        augment_policy: str. The transformations, comma-separated from `"color"`,
            `"translation"` and `"cutout"` (DiffAugment's `"color,translation,cutout"`).
        cluster_frequencies: list of floats or `None`. A self-conditioned model (above): each
            cluster's share of the training images, one per class of the conditional networks.
            `None`: a plain (conditional or unconditional) model.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    # Metrics a subclass logs besides the losses: from `critic_objective` and `critic_penalty`.
    objective_names = ()
    diagnostic_names = ()

    # The constructor arguments that are networks, serialized by `get_config`.
    network_arguments = ("generator", "critic")

    def __init__(
        self, generator, critic, latent_dim=None, critic_steps=1, seed=None, ema_decay=None,
        ema_warmup=True, augment=None, augment_policy=config.AUGMENT_POLICY,
        cluster_frequencies=None, **kwargs,
    ):
        super().__init__(**kwargs)
        check_model("generator", generator)
        check_model("critic", critic)
        check_positive_int("critic_steps", critic_steps)
        self.generator = generator
        self.critic = critic
        self.conditional = input_count(generator) == 2
        if self.conditional != (input_count(critic) == 2):
            raise ValueError(
                "A conditional model needs both networks to take labels: the generator "
                "[latent, labels] and the critic [samples, labels]. Received: generator with "
                f"{input_count(generator)} input(s), critic with "
                f"{input_count(critic)} input(s)"
            )
        self.latent_dim = latent_dim_of(generator, latent_dim)
        # The labels' range the train step checks (None: only `>= 0`, the networks do not tell).
        self.num_classes = num_classes_of(generator, critic) if self.conditional else None
        self.critic_steps = critic_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        check_compatible(generator, critic)
        self.ema_decay = _check_ema_decay(ema_decay)
        self.ema_warmup = _check_ema_warmup(ema_warmup)
        self.ema_generator = None if ema_decay is None else _averaged_clone(generator)
        self.augmentation = make_augmentation(augment, augment_policy, sample_shape(generator))
        self.augment = augment
        self.augment_policy = augment_policy
        self.cluster_frequencies = _check_clusters(
            cluster_frequencies, self.conditional, self.num_classes
        )
        # The unconditional samplers of a self-conditioned model, by `use_ema`; in a plain object
        # so that Keras does not track them as layers (they hold no weights of their own).
        self._samplers = _Samplers()
        names = ("critic_loss", "generator_loss", "generator_gradient_norm")
        names += self.objective_names + self.diagnostic_names
        names += ("overfitting_heuristic",) if augment == "ada" else ()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.generator_optimizer = None
        self.critic_optimizer = None
        self.step_jit_compile = False
        self.loss_scaling = False
        self._replica_functions = {}
        self.build()

    def build(self, input_shape=None):
        self.built = True

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras (3.15) builds a model made under a strategy on a first batch before `fit`. Ours
        # is built in `__init__` and compiles no Keras loss or metric: there is nothing to build.
        # Keras would still start one more pass over the data for that batch (with `make_dataset`,
        # one more shuffle: the epochs would see other orders than without a strategy), and under
        # MultiWorkerMirroredStrategy with several workers its average of the batch over the
        # workers fails on `(samples, labels)` pairs (keras issue 20329).
        return

    def call(self, inputs, training=False):
        """Generates samples from latent vectors (`[latent, labels]` when conditional).

        A self-conditioned model (`cluster_frequencies`) samples through `sampling_generator`
        outside training: one latent of `latent_dim + 1` entries, no labels.
        """
        generator = self.generator if training else self.sampling_generator()
        return generator(inputs, training=training)

    def generate(self, latent, labels=None, training=False, use_ema=None):
        """Samples from latent vectors, and from labels for a conditional model.

        `use_ema`: bool or `None`. Sample from the averaged generator (`ema_generator`);
        `None` for `sampling_generator`'s default, except in training mode (`training=True`:
        the trained generator, as the train step needs).
        """
        if training and use_ema is None:
            use_ema = False
        if labels is None:
            return self.sampling_generator(use_ema)(latent, training=training)
        return self._generator_network(use_ema)([latent, labels], training=training)

    def sampling_generator(self, use_ema=None):
        """The network that samples: the averaged generator or the trained one.

        Every sampling path (`generate`, the callbacks, the evaluation, the export) chooses here.
        A self-conditioned model (`cluster_frequencies`) gives the chosen network inside its
        unconditional sampler (`keras_wgan.networks.build_cluster_sampler`).

        Args:
            use_ema: bool or `None`. `None`: `ema_generator` when the model keeps one (it was
                built with `ema_decay`), else `generator`. `True`: `ema_generator`. `False`:
                `generator`.

        Returns:
            A `keras.Model`.
        """
        network = self._generator_network(use_ema)
        if self.cluster_frequencies is None:
            return network
        key = network is self.ema_generator
        if key not in self._samplers.models:
            self._samplers.models[key] = build_cluster_sampler(network, self.cluster_frequencies)
        return self._samplers.models[key]

    def _generator_network(self, use_ema):
        """The averaged generator or the trained one (see `sampling_generator`)."""
        if use_ema is None:
            use_ema = self.ema_generator is not None
        if use_ema and self.ema_generator is None:
            raise ValueError(
                "`use_ema=True` needs a model that keeps an averaged generator: build it with "
                f"`ema_decay`. Received: use_ema={use_ema!r} for a model with ema_decay=None"
            )
        return self.ema_generator if use_ema else self.generator

    def score(self, samples, labels=None, training=False, critic=None):
        """The critic's scores of samples, given their labels for a conditional model.

        `critic` is the network that scores, `self.critic` by default (a model with several
        critics names one).
        """
        critic = self.critic if critic is None else critic
        return critic(samples if labels is None else [samples, labels], training=training)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ----------------------------------------------------------------------------------------
    # Compilation
    # ----------------------------------------------------------------------------------------

    def default_optimizer(self):
        """The optimizer used for either network when `compile` is given none."""
        raise NotImplementedError(f"{type(self).__name__} must define default_optimizer().")

    def compile(
        self,
        generator_optimizer=None,
        critic_optimizer=None,
        jit_compile=False,
        **kwargs,
    ):
        """Sets the two optimizers and builds them, so checkpoints and strategies work at once.

        Under the `mixed_float16` policy (networks computing in float16), both optimizers are
        wrapped in `keras.optimizers.LossScaleOptimizer` (unless they already are): each loss is
        multiplied by its optimizer's dynamic scale before differentiation, an update whose
        gradients overflow is skipped (on every replica) and halves the scale, and the logs
        report `critic_loss_scale` and `generator_loss_scale`. Metrics average the applied
        updates only. WGAN-GP's penalty scales its inner gradient by the critic's scale too
        (see `critic_loss_scale`).

        Args:
            generator_optimizer: `keras.optimizers.Optimizer`, its name or config, or `None`
                for the paper's default (`default_optimizer()`).
            critic_optimizer: same, for the critic. Must be a different object from
                `generator_optimizer`.
            jit_compile: bool. Compile the train step with XLA. Defaults to `False`, an explicit
                choice: Keras's `"auto"` silently turns XLA off on CPU and under any strategy,
                and on CPU XLA made our convolutional steps much slower (docs/speed.md).
                Under a strategy with several replicas (compile inside its scope), each
                replica's computation (the critic's and the generator's losses and gradients) is
                compiled, and the cross-replica reduction and the optimizer updates run outside
                XLA: XLA cannot compile a step that spans devices (tensorflow issue 56423).
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`, `steps_per_execution`).
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes `generator_optimizer` and "
                "`critic_optimizer`; its losses are fixed. Received: "
                f"{sorted(k for k in kwargs if k in ('optimizer', 'loss'))}"
            )
        generator_optimizer = keras.optimizers.get(generator_optimizer) or self.default_optimizer()
        critic_optimizer = keras.optimizers.get(critic_optimizer) or self.default_optimizer()
        if generator_optimizer is critic_optimizer:
            raise ValueError(
                "`generator_optimizer` and `critic_optimizer` must be two optimizer objects: one "
                "object would share its slots between the networks. Received the same object "
                f"twice: {generator_optimizer!r}"
            )
        self.step_jit_compile = bool(jit_compile)
        per_replica = self.step_jit_compile and self.distribute_strategy.num_replicas_in_sync > 1
        super().compile(
            optimizer=None, jit_compile=self.step_jit_compile and not per_replica, **kwargs
        )
        self._replica_functions = {}
        if per_replica:
            self._replica_functions = compiled_per_replica(
                self._per_replica_methods()
            )
        # float16 (`mixed_float16`) gradients underflow without loss scaling, and Keras scales only
        # `self.optimizer`: both optimizers get a dynamic loss scale here.
        self.loss_scaling = any(
            computes_in_float16(network) for network in (self.generator, self.critic)
        )
        if self.loss_scaling:
            generator_optimizer = with_loss_scale(generator_optimizer)
            critic_optimizer = with_loss_scale(critic_optimizer)
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.critic_optimizer.build(self.critic.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "generator_optimizer": keras.optimizers.serialize(self.generator_optimizer),
            "critic_optimizer": keras.optimizers.serialize(self.critic_optimizer),
            "jit_compile": self.step_jit_compile,
        }

    def compile_from_config(self, config):
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            critic_optimizer=keras.optimizers.deserialize(config["critic_optimizer"]),
            jit_compile=config.get("jit_compile", False),
        )

    # ----------------------------------------------------------------------------------------
    # Training
    # ----------------------------------------------------------------------------------------

    def fit(
        self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1,
    ):
        """`keras.Model.fit` on arrays or a dataset, with the data contract checked (see the class).

        Arrays: `fit(samples, batch_size=64)`, and for a conditional model `fit(samples, labels)`
        or `fit((samples, labels))`, batch the data with `keras_wgan.data.make_dataset(...,
        batch_size, critic_steps=model.critic_steps, shuffle)` (`batch_size` 32 by default, as in
        Keras), so `batch_size` is the batch of each critic update, as with a dataset. One step
        (one generator update) takes `critic_steps` fresh batches, so an epoch is one pass over
        the data in `len(samples) // (batch_size * critic_steps)` steps (partial batches dropped).
        `shuffle=True` reshuffles every epoch, with the model's `seed` when it has one;
        `shuffle=False` keeps the order. Labels given to an unconditional model are refused.

        Datasets (`make_dataset`'s, or any yielding such batches) are batched already: Keras
        ignores `batch_size` and `shuffle` for them (and for `make_dataset`'s, which shuffles,
        no longer warns that it ignores `shuffle=True`). `steps_per_epoch` is Keras's for both: a
        shorter epoch goes on with the same pass at the next epoch; where the data runs out
        first, Keras warns and ends the epoch.

        Refused, as having no meaning for a GAN: `validation_data` and `validation_split` (no
        validation loss; `keras_wgan.callbacks.QualityScores` scores the generator during
        `fit`), `sample_weight` and `class_weight` (the losses weight no sample).

        Before training: a dataset made by `make_dataset` for another `critic_steps` is refused;
        arrays get `make_dataset`'s checks (finite values, images in [-1, 1], integer labels in
        range, data for at least one step). In the step: a batch that does not split into
        `critic_steps` batches, and labels outside `[0, num_classes)`, stop `fit` with a
        `ValueError` (under whole-step XLA, which ignores assertions, the first batch is checked
        before training instead).

        Returns:
            A `keras.callbacks.History`.

        Raises:
            ValueError: an argument above is refused, or the data breaks the contract; the
                message names what was received.
        """
        check_fit_arguments(validation_split, validation_data, class_weight, sample_weight)
        arrays = arrays_of(x, y)
        if arrays is None:
            self.check_fit_data(x)
            if recorded_batching(x) is not None:
                shuffle = False  # make_dataset shuffles: Keras would only warn that it cannot
        else:
            # Batched (and checked) by `make_dataset`, for `critic_steps` updates a step.
            x, y, batch_size = array_batches(self, *arrays, batch_size, shuffle), None, None
            shuffle = False  # done by the dataset: Keras would only warn that it cannot
        try:
            return super().fit(
                x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                shuffle=shuffle, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                validation_steps=validation_steps, validation_batch_size=validation_batch_size,
                validation_freq=validation_freq,
            )
        except tf.errors.InvalidArgumentError as error:
            message = failed_check_message(error)
            if message is None:
                raise
            raise ValueError(message) from None

    def check_fit_data(self, x):
        """The checks `fit` runs before training on data other than arrays (see `fit`; arrays
        get `make_dataset`'s)."""
        batching = recorded_batching(x)
        message = None if batching is None else batching_message(batching, self.critic_steps)
        if message is not None:
            raise ValueError(message)
        if self.jit_compile and isinstance(x, tf.data.Dataset):
            # Whole-step XLA ignores the step's assertions: check the first batch here, eagerly,
            # as the step would (later batches go unchecked under XLA).
            first = next(iter(x.take(1)), None)
            if first is not None:
                real, labels, _ = keras.utils.unpack_x_y_sample_weight(first)
                check_rows(ops.convert_to_tensor(real), self.critic_steps)
                if self.conditional and labels is not None:
                    check_labels(labels, self.num_classes)

    def train_step(self, data):
        real_batches, label_batches = self.split_real_batches(data)

        def labels_of(index):
            return None if label_batches is None else label_batches[:, index]

        # Nothing of the step runs unless the batch passed its checks (`split_real_batches`).
        with after_checks(real_batches, label_batches):
            # Critic warm-up (a hook; WGAN's optional schedule): extra critic updates.
            self.warm_up_critic(real_batches, label_batches)

            # Critic loop: `critic_steps` updates, each on a fresh real batch.
            for index in range(self.critic_steps):
                self.update_critic(real_batches[:, index], labels_of(index))

            # Generator step.
            self.update_generator(ops.shape(real_batches)[0], labels_of(0))
            # The averaged generator follows the new weights (when the model keeps one).
            self.update_ema()
            return self.step_logs()

    def split_real_batches(self, data):
        """Checks a `fit` element (and that the model is compiled) and splits samples (and labels)
        into `[batch, critic_steps, ...]`.

        Returns:
            A tuple `(real_batches, label_batches)`; `label_batches` is `None` for an
            unconditional model, whose labels are ignored.
        """
        if self.critic_optimizer is None:
            raise ValueError("Call `compile()` before `fit()`.")
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.conditional and labels is None:
            raise ValueError(
                "A conditional model trains on (samples, labels) pairs. Received: samples "
                "without labels; pass fit(samples, labels) or build batches with "
                "make_dataset((samples, labels), ...)."
            )
        real = ops.convert_to_tensor(real)
        expected = tuple(real.shape[1:])
        made = sample_shape(self.generator)
        if made is not None and expected != made:
            raise ValueError(
                f"Real samples have shape {tuple(real.shape[1:])} (without the batch axis) but "
                f"the generator makes {made}. Received: data with shape {tuple(real.shape)}"
            )
        # Step-time checks (a dynamic batch size, the labels' values) but under whole-step XLA,
        # which ignores assertions.
        runtime = not self.jit_compile
        real = check_rows(real, self.critic_steps, runtime)
        real_batches = ops.reshape(real, (-1, self.critic_steps) + expected)
        if not self.conditional:
            return real_batches, None
        labels = check_labels(labels, self.num_classes, runtime)
        return real_batches, ops.reshape(labels, (-1, self.critic_steps))

    def sample_latent(self, batch_size):
        """Latent vectors `[batch_size, latent_dim]` from N(0, 1), seeded by the model."""
        return self.draw(keras.random.normal, (batch_size, self.latent_dim))

    def draw(self, sampler, shape):
        """Draws random values of `shape` (batch first) from the model's seed generator.

        Under a strategy with several replicas, every replica draws the same global batch (their
        seed generators advance in step) and keeps its own slice: replicas get different noise,
        and a step on N replicas uses exactly the noise of a one-device step on the global batch.

        Args:
            sampler: a `keras.random` function taking `(shape, seed=...)`.
            shape: tuple, `(batch_size, ...)`; `batch_size` may be a scalar tensor.
        """
        return draw_for_replica(sampler, shape, self.seed_generator)

    def update_critic(self, real, labels=None):
        """One critic update on one real batch and a fresh generated batch (of the same labels)."""
        # The optimizer applies each variable's constraint after the update (WGAN's weight clip).
        logs = self.update(
            self.critic_optimizer, self.critic.trainable_variables, self.critic_gradients, real,
            labels,
        )
        # ADA: the augmentation probability follows the critic's overfitting heuristic.
        if self.augment == "ada":
            self.augmentation.observe(
                mean_over_replicas(logs["overfitting_heuristic"]), ops.shape(real)[0] * replicas()
            )

    def critic_gradients(self, real, labels=None):
        """This replica's critic gradients and logs on one real and a fresh generated batch.

        Returns:
            A tuple `(gradients, logs)`, as `loss_gradients` of `critic_loss`.
        """
        fake = self.generate(self.sample_latent(ops.shape(real)[0]), labels, training=True)
        return self.loss_gradients(
            self.critic_optimizer, self.critic.trainable_variables, self.critic_loss, real, fake,
            labels,
        )

    def critic_loss(self, real, fake, labels=None, critic=None, weights=None):
        """A critic's loss on a real and a generated batch: its objective plus its penalty.

        Args:
            real: real samples.
            fake: generated samples, as many.
            labels: their labels (a conditional model), or `None`.
            critic: `keras.Model` or `None`. The critic, `self.critic` by default.
            weights: tensor `[batch]` or `None`: the random numbers of the penalty
                (`critic_penalty`), when drawn by the caller.

        Returns:
            A tuple `(loss, logs)`: the loss, and a dict of `critic_loss` (the same loss) and the
            objective's and penalty's logs.
        """
        # The critic sees augmented samples only, its penalty included (see the class).
        real, fake = self.augment_samples(real), self.augment_samples(fake)
        real_scores = self.score(real, labels, training=True, critic=critic)
        fake_scores = self.score(fake, labels, training=True, critic=critic)
        loss, objective_logs = self.critic_objective(real_scores, fake_scores)
        penalty, diagnostics = self.critic_penalty(real, fake, labels, critic, weights)
        loss = loss + penalty
        logs = {"critic_loss": loss, **objective_logs, **diagnostics}
        if self.augment == "ada":
            logs["overfitting_heuristic"] = overfitting_heuristic(real_scores, fake_scores)
        return loss, logs

    def update_generator(self, batch_size, labels=None):
        """One generator update against the current critic."""
        self.update(
            self.generator_optimizer, self.generator.trainable_variables,
            self.generator_gradients, batch_size, labels, norm_name="generator_gradient_norm",
        )

    def generator_gradients(self, batch_size, labels=None):
        """This replica's generator gradients and logs on a fresh generated batch.

        Returns:
            A tuple `(gradients, logs)`, as `loss_gradients`; the logs hold `generator_loss`.
        """
        latent = self.sample_latent(batch_size)
        return self.loss_gradients(
            self.generator_optimizer, self.generator.trainable_variables, self.generator_loss,
            latent, labels,
        )

    def generator_loss(self, latent, labels=None):
        """The generator's loss on the samples it makes from `latent`, and its logs."""
        fake = self.augment_samples(self.generate(latent, labels, training=True))
        loss = self.generator_objective(self.score(fake, labels, training=True))
        return loss, {"generator_loss": loss}

    def update_ema(self):
        """Moves the averaged generator towards the generator (after a generator update); nothing
        when the model keeps no average. See the class docstring for the decay."""
        if self.ema_generator is None:
            return
        trainable = {id(variable) for variable in self.generator.trainable_weights}
        averaged, copied = [], []
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            (averaged if id(weight) in trainable else copied).append((average, weight))
        for pairs, decay in ((averaged, self.current_ema_decay()), (copied, 0.0)):
            if pairs:
                move_averages([a for a, _ in pairs], [w for _, w in pairs], decay)

    def current_ema_decay(self):
        """The decay of the next update of the average, after the generator's update: `ema_decay`,
        warmed up as `min(ema_decay, n / (n + W))` with `n` the generator updates before it and
        W the warm-up's constant (`ema_warmup`)."""
        decay = ops.convert_to_tensor(self.ema_decay, "float32")
        if self.ema_warmup is False:
            return decay
        warmup = config.EMA_WARMUP if self.ema_warmup is True else self.ema_warmup
        before = ops.cast(self.generator_optimizer.iterations - 1, "float32")
        return ops.minimum(decay, before / (before + warmup))

    def reset_ema(self):
        """Copies the generator's weights into the averaged generator (e.g. after loading the
        generator's weights by hand)."""
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())

    def augment_samples(self, samples):
        """Samples as the critic sees them in training: transformed by the model's augmentation
        (random numbers from its seed generator), or unchanged without one."""
        if self.augmentation is None:
            return samples
        uniforms = self.draw(
            keras.random.uniform, (ops.shape(samples)[0], self.augmentation.uniform_count)
        )
        return self.augmentation.augment_images(samples, uniforms)

    # ----------------------------------------------------------------------------------------
    # The pieces of a step
    # ----------------------------------------------------------------------------------------

    def update(self, optimizer, variables, gradients_function, *arguments, norm_name=None):
        """One update of `variables` by `optimizer`, from `gradients_function(*arguments)`.

        `gradients_function` returns `(gradients, logs)` for this replica (see
        `loss_gradients`); under `compile(jit_compile=True)` with several replicas it runs
        compiled (see `_per_replica_methods`). Under loss scaling, an update whose gradients
        overflow on any replica is skipped on every replica. The logs are added to the epoch's
        means (those of a skipped update left out).

        Args:
            optimizer: the `keras.optimizers.Optimizer` of `variables`.
            variables: list of the variables to update.
            gradients_function: a method of the model, `(*arguments) -> (gradients, logs)`.
            *arguments: its arguments.
            norm_name: str or `None`. Also log the global norm of the (global-batch) gradient
                under this name.

        Returns:
            The logs of the update.
        """
        gradients, logs = self._compiled(gradients_function)(*arguments)
        applied = None
        if self.loss_scaling:
            gradients, applied = finite_on_all_replicas(gradients)
        optimizer.apply(gradients, variables)
        if norm_name is not None:
            norm = global_norm(gradients) / loss_scale(optimizer)
            logs = {**logs, norm_name: norm}
        self._record(applied, **logs)
        return logs

    def loss_gradients(self, optimizer, variables, loss_function, *arguments):
        """This replica's gradients of `loss_function(*arguments)` with respect to `variables`.

        The loss is scaled for the replicas (Keras sums their gradients) and, under
        `mixed_float16`, by `optimizer`'s loss scale.

        Args:
            optimizer: the optimizer that will apply the gradients.
            variables: list of variables.
            loss_function: `(*arguments) -> (loss, logs)`, the loss a float32 scalar.
            *arguments: its arguments.

        Returns:
            A tuple `(gradients, logs)`.
        """
        with tf.GradientTape() as tape:
            loss, logs = loss_function(*arguments)
            scaled_loss = optimizer.scale_loss(scale_for_replicas(loss))
        return tape.gradient(scaled_loss, variables), logs

    def step_logs(self, names=None):
        """The logs a step returns to `fit`: the epoch's means so far, and the loss scales.

        Args:
            names: the metrics to report, all by default.

        Returns:
            A dict of the means, with `critic_loss_scale` and `generator_loss_scale` under loss
            scaling, shaped for `fit` under any strategy.
        """
        names = self.trackers if names is None else names
        logs = {name: self.trackers[name].result() for name in names}
        if self.augment == "ada":
            logs["augmentation_probability"] = ops.convert_to_tensor(
                self.augmentation.probability
            )
        if self.loss_scaling:
            logs["critic_loss_scale"] = loss_scale(self.critic_optimizer)
            logs["generator_loss_scale"] = loss_scale(self.generator_optimizer)
        return logs_for_fit(logs)

    def _record(self, applied=None, **values):
        """Adds a step's values to the epoch's means; `applied=False` (a skipped update under
        loss scaling, its values possibly infinite) leaves them out."""
        for name, value in values.items():
            if applied is None:
                self.trackers[name].update_state(value)
            else:
                value = ops.where(applied, ops.cast(value, "float32"), 0.0)
                self.trackers[name].update_state(value, sample_weight=ops.cast(applied, "float32"))

    def critic_loss_scale(self):
        """The critic optimizer's current loss scale: 1 unless under `mixed_float16`.

        A penalty that differentiates the critic inside the loss (WGAN-GP's) multiplies that
        inner gradient's seed by this scale and divides the gradient by it after, so that the
        float16 backward pass stays in range like the outer one.
        """
        return loss_scale(self.critic_optimizer)

    def _per_replica_methods(self):
        """The methods that compute one replica's losses and gradients: what
        `compile(jit_compile=True)` compiles under several replicas."""
        return (self.critic_gradients, self.generator_gradients)

    def _compiled(self, method):
        """`method` compiled with XLA for each replica (see `compile`), or `method` itself."""
        return self._replica_functions.get(method.__name__, method)

    # ----------------------------------------------------------------------------------------
    # Hooks
    # ----------------------------------------------------------------------------------------

    def critic_objective(self, real_scores, fake_scores):
        """The critic's loss from its scores.

        Returns:
            A tuple `(loss, logs)`: a float32 scalar and a dict of scalars named as in
            `objective_names`.
        """
        raise NotImplementedError(f"{type(self).__name__} must define critic_objective().")

    def generator_objective(self, fake_scores):
        """The generator's loss from the critic's scores of generated samples."""
        raise NotImplementedError(f"{type(self).__name__} must define generator_objective().")

    def critic_penalty(self, real, fake, labels=None, critic=None, weights=None):
        """A term added to the critic loss, with diagnostics named as in `diagnostic_names`.

        Args:
            real, fake, labels: the batches of the critic loss.
            critic: the critic (`self.critic` when `None`).
            weights: the penalty's random numbers when the caller drew them, else `None`.

        Returns:
            A tuple `(penalty, diagnostics)`; none by default.
        """
        return ops.zeros((), "float32"), {}

    def warm_up_critic(self, real_batches, label_batches=None):
        """Extra critic updates before the regular ones; none by default."""

    # ----------------------------------------------------------------------------------------
    # Serialization
    # ----------------------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                argument: keras.saving.serialize_keras_object(getattr(self, argument))
                for argument in self.network_arguments
            }
        )
        config.update(
            {
                "latent_dim": self.latent_dim,
                "critic_steps": self.critic_steps,
                "seed": self.seed,
                "ema_decay": self.ema_decay,
                "ema_warmup": self.ema_warmup,
            }
        )
        config.update({"augment": self.augment, "augment_policy": self.augment_policy})
        if self.cluster_frequencies is not None:  # absent otherwise: older versions load the file
            config["cluster_frequencies"] = self.cluster_frequencies
        return config

    def save_own_variables(self, store):
        # Keras saves a layer's own variables but not its seed generators' states: without this a
        # reloaded model would draw the same latent vectors again from the start.
        super().save_own_variables(store)
        store[_SEED_STATE] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE in keys:
            self.seed_generator.state.assign(store[_SEED_STATE])
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE})

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for argument in cls.network_arguments:
            config[argument] = keras.saving.deserialize_keras_object(config[argument])
        return cls(**config)


_SEED_STATE = "seed_generator_state"


class _Samplers:
    """A holder Keras does not track: `models` maps `use_ema` to a cluster sampler."""

    def __init__(self):
        self.models = {}


def _check_clusters(cluster_frequencies, conditional, num_classes):
    if cluster_frequencies is None:
        return None
    frequencies = check_cluster_frequencies(cluster_frequencies)
    if not conditional or num_classes not in (None, len(frequencies)):
        networks = (
            f"conditional networks with num_classes={num_classes}" if conditional
            else "unconditional networks"
        )
        raise ValueError(
            "`cluster_frequencies` needs conditional networks with one class per cluster "
            f"(`num_classes={len(frequencies)}`). Received: "
            f"cluster_frequencies={cluster_frequencies!r} ({len(frequencies)} clusters) for "
            f"{networks}"
        )
    return frequencies


def _check_ema_decay(ema_decay):
    if ema_decay is None:
        return None
    if isinstance(ema_decay, bool) or not isinstance(ema_decay, (int, float)) or not (
        0 <= ema_decay < 1
    ):
        raise ValueError(
            f"`ema_decay` must be a float in [0, 1) or None. Received: ema_decay={ema_decay!r}"
        )
    return float(ema_decay)


def _check_ema_warmup(ema_warmup):
    if isinstance(ema_warmup, bool):
        return ema_warmup
    if not isinstance(ema_warmup, (int, float)) or not 0 < ema_warmup < float("inf"):
        raise ValueError(
            "`ema_warmup` must be True, False or a finite positive number (the warm-up's W). "
            f"Received: ema_warmup={ema_warmup!r}"
        )
    return ema_warmup


def _averaged_clone(generator):
    """A non-trainable copy of `generator`, its weights equal: the start of the average."""
    try:
        clone = keras.models.clone_model(generator)
    except (ValueError, TypeError, NotImplementedError) as error:
        raise ValueError(
            "`ema_decay` needs a generator that `keras.models.clone_model` can copy (a "
            f"Functional or Sequential model). Received: generator={generator.name!r} of type "
            f"{type(generator).__name__}"
        ) from error
    if [v.shape for v in clone.weights] != [v.shape for v in generator.weights]:
        raise ValueError(
            "`keras.models.clone_model` made a copy of the generator with other weights; the "
            f"average needs an exact copy. Received: generator={generator.name!r}"
        )
    clone.set_weights(generator.get_weights())
    clone.trainable = False
    return clone
