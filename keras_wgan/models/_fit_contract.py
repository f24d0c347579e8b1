"""`fit` under the data contract, and the split of each element into the critic updates' batches."""

import keras
import tensorflow as tf
from keras import ops

from keras_wgan._data_contract import recorded_batching
from keras_wgan.models._batches import batching_message
from keras_wgan.models._batches import check_labels
from keras_wgan.models._batches import check_rows
from keras_wgan.models._batches import failed_check_message
from keras_wgan.models._fit_arrays import array_batches
from keras_wgan.models._fit_arrays import arrays_of
from keras_wgan.models._fit_arrays import check_fit_arguments
from keras_wgan.models._networks import sample_shape


class ContractFit:
    """`fit` and the checks of its data: a mixin of `BaseGAN`, before `keras.Model`."""

    def fit(
        self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1,
    ):
        """`keras.Model.fit` on arrays or a dataset, the data contract checked.

        Arrays (`fit(samples, batch_size=64)`, `fit(samples, labels)`) are batched by
        `keras_wgan.data.make_dataset`, `batch_size` (32) samples per critic update, reshuffled
        every epoch with the model's `seed` when `shuffle`.

        Raises:
            ValueError: `validation_*`, `sample_weight` or `class_weight` given; data that
                breaks the contract (other `critic_steps`, labels out of range or missing).
        """
        check_fit_arguments(validation_split, validation_data, class_weight, sample_weight)
        arrays = arrays_of(x, y)
        if arrays is None:
            self.check_fit_data(x)
            if recorded_batching(x) is not None:
                shuffle = False  # make_dataset shuffles: Keras would only warn that it cannot
        else:
            x, y, batch_size = array_batches(self, *arrays, batch_size, shuffle), None, None
            shuffle = False  # done by the dataset
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
        """The checks `fit` runs before training on data other than arrays."""
        batching = recorded_batching(x)
        message = None if batching is None else batching_message(batching, self.critic_steps)
        if message is not None:
            raise ValueError(message)
        if self.jit_compile and isinstance(x, tf.data.Dataset):
            # Whole-step XLA ignores the step's assertions: the first batch is checked here.
            first = next(iter(x.take(1)), None)
            if first is not None:
                real, labels, _ = keras.utils.unpack_x_y_sample_weight(first)
                check_rows(ops.convert_to_tensor(real), self.critic_steps)
                if self.conditional and labels is not None:
                    check_labels(labels, self.num_classes)

    def split_real_batches(self, data):
        """Checks a `fit` element and splits it into `[batch, critic_steps, ...]` batches.

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
        # Step-time checks, but under whole-step XLA, which ignores assertions.
        runtime = not self.jit_compile
        real = check_rows(real, self.critic_steps, runtime)
        real_batches = ops.reshape(real, (-1, self.critic_steps) + expected)
        if not self.conditional:
            return real_batches, None
        labels = check_labels(labels, self.num_classes, runtime)
        return real_batches, ops.reshape(labels, (-1, self.critic_steps))
