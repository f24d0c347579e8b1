"""Backups of the whole training state, resuming from them, and the run folder they live in.

`StepBackup` writes the training state every few steps and `restore_backup` loads it back;
`steps_done` reads where a model's training stands. For a run (`keras_wgan.training.train`):
`write_settings` records beside the backup the settings a resumption must share, `resume`
restores the backup if they match, and `load_history` reads back the epochs already done.
`RunLock` keeps a second run out of a run folder, `check_run_folder` keeps a new run from
overwriting a finished one, and `check_writable` refuses a folder that cannot be written. A
backup that cannot be used or kept up raises `BackupError`, whose message says what is intact
and what to do.
"""

from keras_wgan.checkpointing.backup import StepBackup
from keras_wgan.checkpointing.backup import restore_backup
from keras_wgan.checkpointing.backup import steps_done
from keras_wgan.checkpointing.backup import weights_file_bytes
from keras_wgan.checkpointing.backup import write_file
from keras_wgan.checkpointing.errors import BackupError
from keras_wgan.checkpointing.errors import RunFolderError
from keras_wgan.checkpointing.resume import SETTINGS_FILENAME
from keras_wgan.checkpointing.resume import load_history
from keras_wgan.checkpointing.resume import read_settings
from keras_wgan.checkpointing.resume import resume
from keras_wgan.checkpointing.resume import write_settings
from keras_wgan.checkpointing.run_folder import FINISHED_RUN_FILES
from keras_wgan.checkpointing.run_folder import LOCK_FILENAME
from keras_wgan.checkpointing.run_folder import RunLock
from keras_wgan.checkpointing.run_folder import check_run_folder
from keras_wgan.checkpointing.run_folder import check_writable
from keras_wgan.checkpointing.run_folder import disk_error
from keras_wgan.checkpointing.run_folder import finished_run_files

__all__ = [
    "FINISHED_RUN_FILES",
    "LOCK_FILENAME",
    "SETTINGS_FILENAME",
    "BackupError",
    "RunFolderError",
    "RunLock",
    "StepBackup",
    "check_run_folder",
    "check_writable",
    "disk_error",
    "finished_run_files",
    "load_history",
    "read_settings",
    "restore_backup",
    "resume",
    "steps_done",
    "weights_file_bytes",
    "write_file",
    "write_settings",
]
