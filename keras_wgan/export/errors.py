"""The error of an export that cannot be written; the command line prints it without a traceback."""


class ExportError(OSError):
    """An export not written: its folder cannot be created or written (a full or read-only disk,
    a file in the way). The message names the folder and the system's reason; nothing partial
    is left behind."""
