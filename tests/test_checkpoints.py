"""Our models under Keras's own checkpointing: `.keras` files, `ModelCheckpoint` and
`BackupAndRestore`.

`tests/models/test_wgan.py` already checks that a `.keras` round trip keeps both optimizers' state
and the seed generator's and continues training identically for WGAN; here: the warm-up position,
WGAN-GP with the warm-up, weights-only files, and the two Keras callbacks.

On CPU these tiny runs are bitwise repeatable (measured), so weights are compared exactly.
"""

import keras
import pytest

import keras_wgan
from keras_wgan.data import make_dataset
from tests.helpers import assert_same_training_state
from tests.helpers import keras_file_round_trip
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
