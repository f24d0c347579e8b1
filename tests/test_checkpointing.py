"""Checkpointing: our models under Keras's own (`.keras` files, `ModelCheckpoint`,
`BackupAndRestore`), and `keras_wgan.checkpointing` (`StepBackup`, `StopOnNonFinite`).

`tests/models/test_wgan.py` already checks that a `.keras` round trip keeps both optimizers' state
and the seed generator's and continues training identically for WGAN; here: the warm-up position,
WGAN-GP with the warm-up, weights-only files, and the two Keras callbacks.

On CPU these tiny runs are bitwise repeatable (measured), so weights are compared exactly.
"""

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import checkpointing
from keras_wgan.data import make_dataset
from tests.helpers import assert_same_training_state
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_image_model
from tests.helpers import tiny_mlp_pair
from tests.helpers import tiny_model
from tests.helpers import toy_points


class Interrupt(Exception):
    pass


class InterruptAt(keras.callbacks.Callback):
    """Raises `Interrupt` after the given generator step, as a crash in mid-epoch would."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.generator_optimizer.iterations) == self.step:
            raise Interrupt()


def test_keras_file_keeps_the_warmup_position(tmp_path):
    # Saved past the warm-up (generator step 30 >= 25): the reloaded model must not warm up again.
    model = tiny_model(critic_warmup=True)
    model.generator_optimizer.iterations.assign(30)
    restored = keras_file_round_trip(model, tmp_path, "late.keras")
    assert int(restored.generator_optimizer.iterations) == 30
    restored.fit(make_dataset(toy_points(4), 2, critic_steps=2), epochs=1, verbose=0)
    assert int(restored.critic_optimizer.iterations) == 2  # critic_steps, not 100


def test_wgan_gp_with_warmup_continues_identically_after_a_keras_file(tmp_path):
    model = tiny_model(critic_warmup=True)
    dataset = make_dataset(toy_points(8), 2, critic_steps=2, shuffle=False)
    model.fit(dataset, epochs=1, verbose=0)  # 2 generator steps, inside the warm-up
    assert int(model.critic_optimizer.iterations) == 200
    restored = keras_file_round_trip(model, tmp_path, "gp.keras")
    assert restored.critic_warmup
    assert_same_training_state(model, restored)

    model.fit(dataset, epochs=1, verbose=0)
    restored.fit(dataset, epochs=1, verbose=0)
    assert int(restored.critic_optimizer.iterations) == 400  # still warming up at steps 2, 3
    assert_same_training_state(model, restored)


@pytest.mark.parametrize(
    "save_weights_only, filename", [(False, "ckpt.keras"), (True, "ckpt.weights.h5")]
)
def test_model_checkpoint_saves_the_whole_training_state(tmp_path, save_weights_only, filename):
    model = tiny_model()
    dataset = make_dataset(toy_points(48), 4, critic_steps=2, shuffle=False)  # 6 steps an epoch
    checkpoint = keras.callbacks.ModelCheckpoint(
        tmp_path / filename, save_weights_only=save_weights_only, save_freq=3
    )
    model.fit(dataset, epochs=1, callbacks=[checkpoint], verbose=0)  # last save after step 6
    if save_weights_only:
        restored = tiny_model()
        restored.load_weights(tmp_path / filename)
    else:
        restored = keras.models.load_model(tmp_path / filename)
    assert_same_training_state(model, restored)

    model.fit(dataset, epochs=1, verbose=0)
    restored.fit(dataset, epochs=1, verbose=0)
    assert_same_training_state(model, restored)


def test_keras_backup_and_restore_resumes_at_epoch_level(tmp_path):
    # Epoch-level backups and data in a fixed order: the interrupted epoch is run again from its
    # start, from the state at its start, so the run ends where an uninterrupted one does.
    dataset = make_dataset(toy_points(48), 4, critic_steps=2, shuffle=False)
    reference = tiny_model(keras_wgan.WGAN)
    reference.fit(dataset, epochs=3, verbose=0)

    model = tiny_model(keras_wgan.WGAN)
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(Interrupt):
        model.fit(dataset, epochs=3, callbacks=[backup, InterruptAt(9)], verbose=0)  # epoch 2
    resumed = tiny_model(keras_wgan.WGAN)
    history = resumed.fit(dataset, epochs=3, callbacks=[backup], verbose=0)
    assert len(history.history["critic_loss"]) == 2  # epochs 2 and 3
    assert_same_training_state(reference, resumed)


def test_keras_backup_and_restore_repeats_steps_after_a_mid_epoch_backup(tmp_path):
    # Keras 3.15 records the batch of a step-level backup but restarts the epoch from its first
    # batch, so a resumed run makes more generator steps than an uninterrupted one: the reason
    # for keras_wgan.callbacks.StepBackup and the resume wiring in keras_wgan.training. If this
    # test fails, Keras has learnt to resume mid-epoch: revisit that wiring.
    dataset = make_dataset(toy_points(48), 4, critic_steps=2, shuffle=False)  # 6 steps an epoch
    model = tiny_model(keras_wgan.WGAN)
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=2)
    with pytest.raises(Interrupt):
        model.fit(dataset, epochs=2, callbacks=[backup, InterruptAt(9)], verbose=0)
    resumed = tiny_model(keras_wgan.WGAN)
    resumed.fit(dataset, epochs=2, callbacks=[backup], verbose=0)
    # Backed up after step 8 (epoch 2, batch 2); epoch 2 then runs all of its 6 steps again.
    assert int(resumed.generator_optimizer.iterations) == 8 + 6 != 12


def test_step_backup_resumes_the_generator_average_exactly(tmp_path):
    # Mid-epoch: backed up after step 8, killed at step 9, resumed on the batches after step 8.
    def batches_after(step):
        return make_dataset(toy_points(48), 4, critic_steps=2, shuffle=False).repeat().skip(step)

    reference = tiny_model(ema_decay=0.9)
    reference.fit(batches_after(0), epochs=2, steps_per_epoch=6, verbose=0)

    model = tiny_model(ema_decay=0.9)
    backup = checkpointing.StepBackup(tmp_path / "backup", every=4)
    with pytest.raises(Interrupt):
        model.fit(batches_after(0), epochs=2, steps_per_epoch=6, verbose=0,
                  callbacks=[backup, InterruptAt(9)])
    resumed = tiny_model(ema_decay=0.9)
    assert checkpointing.restore_backup(resumed, tmp_path / "backup") == 8
    resumed.fit(batches_after(8), initial_epoch=1, epochs=2, steps_per_epoch=4, verbose=0)
    assert_same_training_state(reference, resumed)  # the average's weights included
    for a, b in zip(reference.ema_generator.get_weights(), resumed.ema_generator.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_step_backup_saves_at_each_multiple_and_reads_the_counter_seldom(
    tmp_path, monkeypatch, steps_per_execution
):
    model = tiny_model(compiled=False)
    model.compile(steps_per_execution=steps_per_execution)
    read_counter = checkpointing.steps_done
    reads, saved = [], []
    monkeypatch.setattr(
        checkpointing.backup, "steps_done", lambda m: reads.append(1) or read_counter(m)
    )
    backup = checkpointing.StepBackup(tmp_path / "backup", every=4)
    monkeypatch.setattr(backup, "save", lambda: saved.append(read_counter(model)))
    data = make_dataset(toy_points(64), 4, critic_steps=2, shuffle=False).repeat()
    model.fit(data, epochs=2, steps_per_epoch=6, verbose=0, callbacks=[backup])
    assert saved == [4, 8, 12]
    # Once at the first batch, then only where a multiple of 4 can have been reached.
    assert len(reads) == 4


def inf_at_step(step, steps=6, rows=8):
    """A stream of `steps` batches of `rows` toy points, batch `step` (1-based) holding an Inf.

    Built with tf.data directly: make_dataset rightly refuses non-finite data.
    """
    import tensorflow as tf

    points = toy_points(steps * rows)
    points[(step - 1) * rows] = np.inf
    return tf.data.Dataset.from_tensor_slices(points).batch(rows)


def test_stop_on_non_finite_names_the_step_and_keeps_the_last_good_backup(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    saved = {}

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            saved[int(self.model.generator_optimizer.iterations)] = self.model.get_weights()

    backup_dir = tmp_path / "backup"
    guard = callbacks.StopOnNonFinite(backup_dir)
    backup = checkpointing.StepBackup(backup_dir, every=1)
    with pytest.raises(callbacks.NonFiniteError) as raised:
        model.fit(inf_at_step(4), epochs=1, callbacks=[Record(), guard, backup], verbose=0)
    message = str(raised.value)
    assert message.startswith("Stopped at epoch 1, step 4 (generator step 4): ")
    assert "critic_loss is nan" in message or "is inf" in message
    assert str(backup_dir) in message
    assert model.stop_training

    # The backup holds the state after step 3, the last good one.
    generator, critic = tiny_mlp_pair()
    restored = WGANGP(generator, critic, critic_steps=2, seed=0)
    restored.compile()
    assert checkpointing.restore_backup(restored, backup_dir) == 3
    for good, backed_up in zip(saved[3], restored.get_weights()):
        assert np.all(np.isfinite(backed_up))
        np.testing.assert_array_equal(good, backed_up)


def test_with_several_steps_per_call_the_guard_stops_at_the_calls_end_before_its_backup(
    tmp_path
):
    # Steps 3 and 4 run in one call into TensorFlow; the Inf is in step 3's batch. The epoch's
    # running means carry it to the call's end, where the guard stops before the backup.
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile(steps_per_execution=2)
    backup_dir = tmp_path / "backup"
    guard = callbacks.StopOnNonFinite(backup_dir)
    backup = checkpointing.StepBackup(backup_dir, every=2)
    with pytest.raises(callbacks.NonFiniteError,
                       match=r"^Stopped at epoch 1, step 4 \(generator step 4\): "):
        model.fit(inf_at_step(3), epochs=1, callbacks=[guard, backup], verbose=0)
    restored = WGANGP(*tiny_mlp_pair(), critic_steps=2, seed=0)
    restored.compile()
    assert checkpointing.restore_backup(restored, backup_dir) == 2
    assert all(np.all(np.isfinite(weight)) for weight in restored.get_weights())


def test_stop_on_non_finite_checks_the_weights(tmp_path):
    model = tiny_image_model()
    guard = callbacks.StopOnNonFinite()
    guard.set_model(model)
    guard.on_train_batch_end(0, {"critic_loss": 1.0})  # all finite: nothing happens
    variable = model.generator.trainable_weights[0]
    variable.assign(np.full(variable.shape, np.nan, "float32"))
    with pytest.raises(callbacks.NonFiniteError,
                       match=r"step 1 \(generator step 0\): generator "
                       f"weight {variable.path} is non-finite"):
        guard.on_train_batch_end(0, {"critic_loss": 1.0})


def test_step_backup_restores_nothing_from_an_empty_directory(tmp_path):
    model = tiny_image_model()
    assert checkpointing.restore_backup(model, tmp_path / "none") is None
    with pytest.raises(ValueError, match="every=0"):
        checkpointing.StepBackup(tmp_path, every=0)


def test_the_callbacks_package_exports_the_backups():
    assert callbacks.StepBackup is checkpointing.StepBackup
    assert callbacks.restore_backup is checkpointing.restore_backup
