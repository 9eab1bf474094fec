"""macOS: ``IOPlatformUUID``, the hardware UUID that ``ioreg`` reports."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from license_guard.errors import HostIdError
from license_guard.hostid.api import IdentitySource, sanitize_raw_id

__all__ = ["IOREG_COMMAND", "CommandRunner", "MacOSMachineIdSource", "run_command"]

IOREG_COMMAND = ("/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice")

CommandRunner = Callable[[Sequence[str], float], str]
"""``runner(argv, timeout)``: the command's standard output. Raises ``OSError`` when it cannot
start (``FileNotFoundError`` when the program is missing) and ``subprocess.SubprocessError`` when
it fails or outlives *timeout* seconds."""

_PLATFORM_UUID = r'"IOPlatformUUID"\s*=\s*"([^"]+)"'  # compiled by re on first use, on macOS


def run_command(argv: Sequence[str], timeout: float) -> str:
    """The standard output of *argv*, run without a shell; see :data:`CommandRunner`."""
    import subprocess

    # argv is a fixed absolute path with constant arguments: nothing untrusted reaches it.
    completed = subprocess.run(  # noqa: S603
        list(argv),
        capture_output=True,
        check=True,
        timeout=timeout,
        encoding="utf-8",
        errors="replace",
    )
    return completed.stdout


def _platform_uuid(ioreg_output: str) -> str | None:
    match = re.search(_PLATFORM_UUID, ioreg_output)
    if match is None:
        return None
    return sanitize_raw_id(match.group(1)) or None


class MacOSMachineIdSource(IdentitySource):
    """``IOPlatformUUID`` from ``ioreg`` through *run* (at most *timeout* seconds)."""

    name = "machine-id"

    def __init__(self, *, run: CommandRunner = run_command, timeout: float = 5.0) -> None:
        self._run = run
        self.timeout = timeout

    def read(self) -> str | None:
        """The platform UUID, e.g. ``"8A3F3E3C-1B6E-5C1D-9E3F-2D1C0B9A8F7E"``; ``None`` when
        ``ioreg`` is missing or does not report one. Raises :class:`HostIdError` when it fails."""
        return _platform_uuid(self._ioreg_output())

    def _ioreg_output(self) -> str:
        import subprocess  # here, not at the top: other platforms never need it

        try:
            return self._run(IOREG_COMMAND, self.timeout)
        except FileNotFoundError:
            return ""
        except (OSError, subprocess.SubprocessError) as exc:
            # Falling through to the MAC address would give this Mac another host ID.
            raise HostIdError(
                "This Mac's hardware UUID could not be read (ioreg failed or timed out)."
                " Try again in a moment."
            ) from exc
