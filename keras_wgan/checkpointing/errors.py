"""The errors of a run folder and its backup; the command line prints them without a traceback."""


class RunFolderError(ValueError):
    """A run folder that a run may not use: finished, in use by another run, or not writable."""


class BackupError(RunFolderError):
    """A backup that cannot be used or kept up: unreadable, of a run with other settings, or not
    written (a full or read-only disk). The message says what is intact and what to do."""
