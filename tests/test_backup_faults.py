"""Backup and resume faults end in a clean error (`checkpointing.BackupError`, a
`RunFolderError`) that says what happened, what is intact and what to do; the command line prints
it without a traceback and exits 1. Issue 15: a truncated backup, a damaged config.json, a backup
of other settings, a read-only folder, a full disk.

One real backup (a ring8 smoke run stopped after generator step 2) is made once for the module;
each test damages a copy of it.
"""

import errno
import os
import shutil
import subprocess
import sys

import pytest

from keras_wgan import checkpointing
from keras_wgan import cli
from keras_wgan import run_config
from keras_wgan import training
from keras_wgan.cli.train import make_config
from tests.helpers import tiny_config
from tests.helpers import tiny_model

BACKUP_STEP = 2
# The command line of the run that made the backup (and of the runs that resume it), without
# --output-dir. Backups after every step, so a resumed run writes one at its first step; epochs
# of one pass over the smoke data (40 steps), so that steps remain after the backup's.
COMMAND = [
    "train", "--smoke", "--dataset", "ring8", "--batch-size", "8", "--critic-steps", "2",
    "--backup-every", "1", "--steps-per-epoch", "0",
]


class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def backed_up_run(tmp_path_factory):
    """`(folder, command)`: a run folder holding a real backup at generator step 2, and the
    command line that resumes it (without --output-dir)."""
    base = tmp_path_factory.mktemp("backed_up")
    command = [*COMMAND, "--saved-models-dir", str(base / "saved_models")]
    config = run_config.TrainConfig(**make_config(cli.build_parser().parse_args(command)))
    save = checkpointing.StepBackup.save

    def save_then_stop(self):
        save(self)
        if checkpointing.steps_done(self.model) == BACKUP_STEP:
            raise Stop()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpointing.StepBackup, "save", save_then_stop)
        with pytest.raises(Stop):
            training.train(config, base / "run")
    return base / "run", command


@pytest.fixture
def run(backed_up_run, tmp_path):
    """A copy of the backed-up run folder, to damage."""
    folder, _ = backed_up_run
    return shutil.copytree(folder, tmp_path / "run")


@pytest.fixture
def config(backed_up_run):
    _, command = backed_up_run
    return run_config.TrainConfig(**make_config(cli.build_parser().parse_args(command)))


def train_cli(backed_up_run, folder, *extra):
    _, command = backed_up_run
    return cli.main([*command, *extra, "--output-dir", str(folder)])


def files(folder):
    """`{path relative to folder: bytes}` of every file under `folder`."""
    paths = [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]
    return {os.path.relpath(path, folder): open(path, "rb").read() for path in paths}


def clean_error(capsys):
    """The run's stderr, checked to be one `keras-wgan: error:` message and no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("keras-wgan: error: "), err
    return err


def test_the_module_backup_is_a_real_resumable_backup(run):
    assert sorted(files(run)) == ["backup/config.json", "backup/latest.weights.h5", "config.json"]
    assert files(run)["backup/latest.weights.h5"][:8] == b"\x89HDF\r\n\x1a\n"


def test_a_truncated_backup_is_refused_naming_it_and_left_as_it_is(run, config):
    weights = run / "backup" / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])
    before = files(run)
    with pytest.raises(checkpointing.BackupError) as raised:
        training.train(config, run)
    message = str(raised.value)
    assert message.startswith(f"The backup {weights} is unreadable (OSError: ")
    assert "truncated file" in message
    assert f"Delete {run / 'backup'} to start the run over, or pass another --output-dir" in message
    assert files(run) == before


def test_the_cli_reports_a_damaged_backup_without_a_traceback(backed_up_run, run, capsys):
    weights = run / "backup" / "latest.weights.h5"
    weights.write_bytes(b"not an HDF5 file" * 100)
    assert train_cli(backed_up_run, run) == 1
    err = clean_error(capsys)
    assert f"The backup {weights} is unreadable (OSError: " in err
    assert "file signature not found" in err


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"seed": 0,', "(JSONDecodeError: Expecting property name"),
        ("[1, 2]", "(a JSON list, not an object)"),
        ("\udcff", "(UnicodeDecodeError: "),
    ],
)
def test_an_unreadable_settings_file_is_refused(run, config, text, problem):
    settings = run / "backup" / "config.json"
    settings.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = files(run)
    with pytest.raises(checkpointing.BackupError) as raised:
        training.train(config, run)
    message = str(raised.value)
    assert message.startswith(f"The backup's settings file {settings} is unreadable {problem}")
    assert "The backup is left as it is. Delete " in message
    assert files(run) == before


def test_a_setting_the_backup_does_not_record_is_named_as_missing(run, config):
    settings = run / "backup" / "config.json"
    settings.write_text(settings.read_text().replace('"seed": 0,', ""))
    with pytest.raises(checkpointing.BackupError, match=r"settings \(seed=\(missing\) -> 0\)"):
        training.train(config, run)


def test_the_cli_reports_a_backup_of_other_settings_without_a_traceback(
    backed_up_run, run, capsys
):
    before = files(run)
    assert train_cli(backed_up_run, run, "--batch-size", "16") == 1
    err = clean_error(capsys)
    assert f"The backup in {run / 'backup'} is of a run with other settings (batch_size=8 -> 16)" \
        in err
    assert "Rerun with the same settings to resume" in err
    assert files(run) == before


def test_an_unreadable_history_is_refused_saying_the_backup_is_intact(run, config):
    history = run / "history.json"
    history.write_text('{"critic_loss": [1.0,')
    with pytest.raises(checkpointing.BackupError) as raised:
        training.train(config, run)
    assert str(raised.value).startswith(f"The run's history {history} is unreadable (")
    assert "The backup is intact: delete the history to resume" in str(raised.value)


def test_an_output_dir_under_a_file_is_refused_before_training(backed_up_run, tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    folder = tmp_path / "file" / "run"
    assert train_cli(backed_up_run, folder) == 1
    err = clean_error(capsys)
    assert f"Cannot write into {folder} ([Errno {errno.ENOTDIR}] Not a directory" in err
    assert "Nothing was trained" in err and "pass another --output-dir" in err


def test_a_read_only_run_folder_is_refused_before_training_and_left_as_it_is(
    run, config, monkeypatch
):
    # The tests may run as root, whom permission bits do not stop: the probe meets a read-only
    # file system, as on a read-only mount. Nothing may be built: loading the data fails.
    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)

    monkeypatch.setattr(checkpointing.run_folder.tempfile, "TemporaryFile", read_only)
    monkeypatch.setattr(training.data, "load_training_data", lambda config: pytest.fail("trained"))
    before = files(run)
    with pytest.raises(checkpointing.RunFolderError) as raised:
        training.train(config, run)
    assert str(raised.value).startswith(
        f"Cannot write into {run} ([Errno {errno.EROFS}] Read-only file system: '{run}'). "
        "Nothing was trained, and nothing there was changed. Make the folder writable, or "
        "pass another --output-dir."
    )
    assert files(run) == before


def disk_full(after_bytes):
    """An `os.fsync` for a disk that holds files of up to `after_bytes` bytes, then is full."""
    fsync = os.fsync

    def fsync_or_fail(descriptor):
        if os.fstat(descriptor).st_size > after_bytes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(descriptor)

    return fsync_or_fail


def test_a_full_disk_keeps_the_last_good_backup_byte_for_byte(tmp_path, monkeypatch):
    model = tiny_model()
    backup = checkpointing.StepBackup(tmp_path / "backup", every=1)
    backup.set_model(model)
    model.generator_optimizer.iterations.assign(4)
    backup.on_train_batch_end(3)
    good = files(tmp_path / "backup")
    model.generator_optimizer.iterations.assign(5)
    monkeypatch.setattr(os, "fsync", disk_full(after_bytes=0))
    with pytest.raises(checkpointing.BackupError) as raised:
        backup.on_train_batch_end(4)
    assert str(raised.value) == (
        f"Could not write the backup into {tmp_path / 'backup'} ([Errno {errno.ENOSPC}] No space "
        f"left on device). The last good backup, at step 4, is kept in {backup.path}: the run "
        "will resume from it. Free some disk space (or make the folder writable), then run the "
        "same command again."
    )
    assert model.stop_training
    assert files(tmp_path / "backup") == good  # byte-identical, and no temporary file left
    restored = tiny_model()
    assert checkpointing.restore_backup(restored, tmp_path / "backup") == 4


def test_a_full_disk_before_the_first_backup_says_none_is_kept(tmp_path, monkeypatch):
    backup = checkpointing.StepBackup(tmp_path / "backup", every=1)
    backup.set_model(tiny_model())
    monkeypatch.setattr(os, "fsync", disk_full(after_bytes=0))
    with pytest.raises(checkpointing.BackupError, match="No backup had been written yet"):
        backup.save()
    assert os.listdir(tmp_path / "backup") == []


def test_the_cli_stops_a_run_on_a_full_disk_keeping_the_backup_it_resumed_from(
    backed_up_run, run, capsys, monkeypatch
):
    # Room for the small settings file, not for a backup: the run resumes at step 2, and the
    # backup after step 3 fails.
    monkeypatch.setattr(os, "fsync", disk_full(after_bytes=4096))
    before = files(run)
    assert train_cli(backed_up_run, run) == 1
    err = clean_error(capsys)
    assert err.startswith(
        f"keras-wgan: error: Could not write the backup into {run / 'backup'} ([Errno "
        f"{errno.ENOSPC}] No space left on device). The last good backup, at step {BACKUP_STEP}, "
        f"is kept in {run / 'backup' / 'latest.weights.h5'}: the run will resume from it."
    )
    after = files(run)
    assert sorted(after) == ["backup/config.json", "backup/latest.weights.h5", "config.json"]
    for name in ("backup/latest.weights.h5", "backup/config.json"):
        assert after[name] == before[name], name
    assert not (run / ".lock").exists() and not (run / "model.keras").exists()


def test_a_full_disk_while_writing_the_settings_trains_nothing(run, config, monkeypatch):
    monkeypatch.setattr(os, "fsync", disk_full(after_bytes=0))
    before = files(run)
    with pytest.raises(checkpointing.BackupError) as raised:
        training.train(config, run)
    assert str(raised.value).startswith(
        f"Could not write the run's settings into {run / 'backup' / 'config.json'} ([Errno "
        f"{errno.ENOSPC}] No space left on device). Nothing was trained, and a backup already "
        "there is left as it was."
    )
    assert files(run) == before


def test_a_full_disk_while_drawing_the_samples_keeps_the_backup(tmp_path, monkeypatch):
    # The first write at an epoch's end is the samples' PNG (before the history's JSON).
    from keras_wgan.callbacks import SampleScatter

    def draw(self, epoch, logs=None):
        path = os.path.join(self.directory, "epoch_001.png")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(SampleScatter, "on_epoch_end", draw)
    run = tmp_path / "run"
    config = tiny_config(tmp_path, epochs=1, backup_every=1)  # 5 steps
    with pytest.raises(checkpointing.BackupError) as raised:
        training.train(config, run)
    assert str(raised.value) == (
        f"A write failed while training into {run} ([Errno {errno.ENOSPC}] No space left on "
        f"device: '{run / 'samples' / 'epoch_001.png'}'). The last good backup is kept in "
        f"{run / 'backup' / 'latest.weights.h5'}: the run will resume from it. Free some disk "
        "space (or make the folder writable), then run the same command again."
    )
    model = training.build_model(config, (2,))
    model.compile(*training.make_optimizers(config, 5))
    assert checkpointing.restore_backup(model, run / "backup") == 5


@pytest.mark.slow
def test_a_really_full_disk_ends_the_cli_cleanly_not_in_a_segfault(backed_up_run, run):
    # A file size limit makes the writes past 20 kB fail (EFBIG; Python ignores SIGXFSZ), as a
    # full disk would. HDF5 writing into such a file crashed the process (exit 139) when h5py
    # closed it; the backup is now made in memory and written by Python.
    resource = pytest.importorskip("resource")
    _, command = backed_up_run

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.RLIM_INFINITY))

    before = files(run)
    result = subprocess.run(
        [sys.executable, "-m", "keras_wgan", *command, "--output-dir", str(run)],
        capture_output=True, text=True, timeout=300, preexec_fn=limit_file_size,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (
        f"keras-wgan: error: Could not write the backup into {run / 'backup'} ([Errno "
        f"{errno.EFBIG}] File too large). The last good backup, at step {BACKUP_STEP}, is kept"
    ) in result.stderr
    assert files(run)["backup/latest.weights.h5"] == before["backup/latest.weights.h5"]


def test_written_files_get_the_umask_permissions_not_mkstemps(tmp_path):
    import stat

    path = tmp_path / "settings.json"
    checkpointing.write_file(str(path), b"{}")
    # As open() would make it: 0644 under the usual umask 022, where mkstemp gives 0600.
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~checkpointing.backup.UMASK
    assert path.read_bytes() == b"{}"
