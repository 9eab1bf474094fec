"""Loggers that cost nothing until something is logged.

Importing :mod:`logging` is one of the larger costs of an app's start (it pulls in threading,
traceback, string formatting...), and a start with a fresh lease logs nothing. So the library's
modules hold a :class:`LazyLogger`, which imports :mod:`logging` on the first message. Messages go
to the standard loggers named ``license_guard...`` as usual; the library's root logger gets a
``NullHandler``, so nothing is printed unless the app configures logging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = ["LazyLogger", "get_logger"]

ROOT = "license_guard"


class LazyLogger:
    """The subset of :class:`logging.Logger` the library uses, resolved on first use.

    ``stacklevel=2`` makes records name the caller's file and line, not this module's.
    """

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    def __repr__(self) -> str:
        return f"LazyLogger({self.name!r})"

    def debug(self, msg: str, *args: object) -> None:
        """``Logger.debug``."""
        self._real().debug(msg, *args, stacklevel=2)

    def info(self, msg: str, *args: object) -> None:
        """``Logger.info``."""
        self._real().info(msg, *args, stacklevel=2)

    def warning(self, msg: str, *args: object) -> None:
        """``Logger.warning``."""
        self._real().warning(msg, *args, stacklevel=2)

    def error(self, msg: str, *args: object) -> None:
        """``Logger.error``."""
        self._real().error(msg, *args, stacklevel=2)

    def exception(self, msg: str, *args: object) -> None:
        """``Logger.exception``: an error with the traceback being handled."""
        self._real().exception(msg, *args, stacklevel=2)

    def _real(self) -> logging.Logger:
        logger = self._logger
        if logger is None:
            import logging

            root = logging.getLogger(ROOT)
            if not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
                # A library logs, the app decides where to: without its handlers, stay silent.
                root.addHandler(logging.NullHandler())
            logger = self._logger = logging.getLogger(self.name)
        return logger


def get_logger(name: str) -> LazyLogger:
    """A lazy logger named *name* (``license_guard`` or below it)."""
    return LazyLogger(name)
