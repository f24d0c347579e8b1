"""The error of an export that cannot be written; the command line prints it without a traceback."""


class ExportError(OSError):
    """An export's folder cannot be created or written; the message names it and the reason."""
