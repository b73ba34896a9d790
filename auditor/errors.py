"""The error type for user mistakes: the CLI prints its message on one line, no traceback."""

from __future__ import annotations


class AuditorError(Exception):
    """Something the user can fix (a file, a key, an option). One line, no traceback."""

    exit_code = 2


class KeyUnavailableError(AuditorError):
    """No practice secret could be found (or no keyring backend to look in)."""

    exit_code = 3


class WrongKeyError(AuditorError):
    """An encrypted file was written under another practice key."""

    exit_code = 4
