"""What every emulator offers around its API: the request log, an in-process transport, and
use as a context manager (closing it ends hung requests)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpx

    from license_guard.emulator.faults import Faults
    from license_guard.emulator.requestlog import RequestLog, RequestRecord
    from license_guard.emulator.transport import FaultingApp

__all__ = ["ServedEmulator"]

_Self = TypeVar("_Self", bound="ServedEmulator")


class ServedEmulator(ABC):
    """The serving side shared by the Keymint and Keygen emulators.

    A subclass sets ``wsgi_app`` (its API), ``faults`` and ``_log`` and implements :meth:`close`.
    """

    wsgi_app: FaultingApp
    faults: Faults
    _log: RequestLog

    @property
    def request_log(self) -> list[RequestRecord]:
        """A copy of the log of API requests so far (no tokens or keys), oldest first."""
        return self._log.records()

    def clear_request_log(self) -> None:
        """Forget the requests logged so far."""
        self._log.clear()

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport serving this emulator in process (imports httpx on first use)."""
        from license_guard.emulator.transport import build_transport

        return build_transport(self.wsgi_app, self.faults)

    @abstractmethod
    def close(self) -> None:
        """Clear every fault, ending hung requests, and release what the emulator holds."""

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
