"""What the emulator raises.

::

    EmulatorError                 the emulator itself cannot work (unreadable database, bad schema)
     └── KeymintError             a refusal the Keymint API would answer with (status, code, text)

A :class:`KeymintError` carries exactly what goes on the wire: the HTTP status, the Keymint
``code`` and the ``message``. The Python API raises it for the same refusals the HTTP API answers,
so a test can assert one and the other the same way. Wrong Python arguments (a negative limit, a
bad status code for a fault) raise :class:`ValueError` instead: they are bugs in the caller.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Code", "EmulatorError", "KeymintError"]


class Code(IntEnum):
    """The ``code`` field of a Keymint answer (generation 1 numbering)."""

    OK = 0
    #: Bad request, bad token, or something not found (product, key, device).
    REQUEST = 1
    #: The license's state forbids it, a customer is missing, or a conflict.
    LICENSE = 2
    #: Too many requests.
    RATE_LIMITED = 3


class EmulatorError(Exception):
    """The emulator cannot do its work (for example its database file is not an emulator's)."""


class KeymintError(EmulatorError):
    """A refusal, exactly as the HTTP API sends it: ``{"message": message, "code": code}``."""

    def __init__(self, status: int, code: Code, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"KeymintError({self.status}, {self.code.name}, {self.message!r})"
