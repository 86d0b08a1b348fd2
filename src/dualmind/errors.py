"""Every error dualmind raises on purpose, in one named hierarchy.

Input from outside (a layout file, an action, a saved state) is validated by raising
one of these, never with ``assert``: asserts vanish under ``python -O``.
"""

from __future__ import annotations


class DualmindError(Exception):
    """Base class: raised for nothing directly; catch it to catch all of ours."""


class LayoutError(DualmindError):
    """Raised when a layout file is malformed; names the file, line and column."""

    def __init__(self, message: str, *, path: str = "<layout>", line: int = 1, col: int = 1):
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        super().__init__(f"{path}:{line}:{col}: {message}")


class SettingsError(DualmindError):
    """Raised when a game setting has a value outside its range."""


class InvalidActionError(DualmindError):
    """Raised when a caller passes an atomic action outside the vocabulary."""


class StateFormatError(DualmindError):
    """Raised when a serialised state cannot be read back (wrong version, missing field)."""


class BackendError(DualmindError):
    """Raised when a language-model backend cannot give a usable answer (base class)."""


class BackendTimeout(BackendError):
    """Raised when a backend does not answer within its timeout."""


class BackendUnavailable(BackendError):
    """Raised when a backend cannot be reached or refuses (connection error, HTTP 5xx, 4xx)."""


class BackendOutputError(BackendError):
    """Raised when a backend's answer cannot be parsed into the requested shape."""


class ModelMissingError(BackendError):
    """Raised when a local model's package is not installed; says what to install."""
