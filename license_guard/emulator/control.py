"""Switching faults of a running emulator from another process.

The server side answers ``POST /_emulator/faults`` with a JSON command such as
``{"fault": "latency", "seconds": 0.5, "times": 3}`` or ``{"fault": "clear"}``. It requires
``Authorization: Bearer <admin secret>`` (compared in constant time); an emulator started without
an admin secret has no control endpoint at all (404). Control requests never meet a fault and are
not written to the request log.

The client side, :func:`send_fault_command`, is what ``license-guard emulator fault`` calls.
"""

from __future__ import annotations

import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from license_guard.emulator.errors import Code, EmulatorError, KeymintError
from license_guard.emulator.faults import FaultKind, Faults
from license_guard.emulator.responses import (
    Response,
    error,
    json_response,
    refusal,
    unknown_endpoint,
)
from license_guard.emulator.wsgi import Request

__all__ = [
    "CONTROL_PREFIX",
    "FAULTS_PATH",
    "Control",
    "ControlRefusedError",
    "EmulatorUnreachableError",
    "apply_command",
    "send_fault_command",
]

CONTROL_PREFIX = "/_emulator/"
FAULTS_PATH = CONTROL_PREFIX + "faults"
CLEAR = "clear"

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ControlRefusedError(EmulatorError):
    """The command was not carried out: the URL is not a loopback emulator's, the admin secret
    is wrong, or the emulator refused the command (the message says which)."""


class EmulatorUnreachableError(EmulatorError):
    """No emulator answered at the URL (nothing listens there, or it did not answer in time)."""


def _number(command: Mapping[str, Any], name: str, default: float | None = None) -> float:
    value = command.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    return float(value)


def _integer(command: Mapping[str, Any], name: str, default: int | None = None) -> int:
    value = command.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number")
    return value


def apply_command(faults: Faults, command: Mapping[str, Any]) -> str:
    """Carry out one control *command* on *faults*; returns what it did, in words.

    Raises :class:`ValueError` for an unknown fault or bad parameters.
    """
    name = command.get("fault")
    if name == CLEAR:
        faults.clear()
        return "All faults cleared"
    times = None if command.get("times") is None else _integer(command, "times")
    try:
        kind = FaultKind(name)
    except ValueError:
        choices = ", ".join([CLEAR, *(kind.value for kind in FaultKind)])
        raise ValueError(f"unknown fault {name!r}: choose one of {choices}") from None
    if kind is FaultKind.LATENCY:
        faults.latency(_number(command, "seconds"), times=times)
    elif kind is FaultKind.HANG:
        faults.hang(times=times)
    elif kind is FaultKind.RESET:
        faults.reset(times=times)
    elif kind is FaultKind.RATE_LIMIT:
        faults.rate_limit(_integer(command, "retry_after", 1), times=times)
    elif kind is FaultKind.SERVER_ERROR:
        faults.server_error(_integer(command, "status", 503), times=times)
    elif kind is FaultKind.CAPTIVE_PORTAL:
        faults.captive_portal(times=times)
    else:
        faults.token_rate_limit(
            _integer(command, "max_requests"), _number(command, "per_seconds"), times=times
        )
    return f"Fault {kind.value} on" + ("" if times is None else f" for {times} request(s)")


class Control:
    """The ``/_emulator/`` endpoint of one emulator, guarded by *secret*."""

    def __init__(self, faults: Faults, secret: str) -> None:
        if not secret:
            raise ValueError("the admin secret must not be empty")
        self._faults = faults
        self._secret = secret.encode()

    def answer(self, request: Request) -> Response:
        """Answer one control request: 404, 405, 401, 400, or 200 with what was done."""
        if request.path != FAULTS_PATH:
            return unknown_endpoint(request.path)
        if request.method != "POST":
            return error(405, Code.REQUEST, "Use POST", (("Allow", "POST"),))
        given = (request.token or "").encode()
        if not hmac.compare_digest(given, self._secret):
            return error(401, Code.REQUEST, "Invalid admin token")
        try:
            message = apply_command(self._faults, request.json_object())
        except KeymintError as exc:
            return refusal(exc)
        except ValueError as exc:
            return error(400, Code.REQUEST, str(exc))
        return json_response(200, {"code": Code.OK, "message": message})


def send_fault_command(
    url: str, secret: str, command: Mapping[str, Any], *, timeout: float = 10.0
) -> str:
    """Send *command* to the emulator at *url* (loopback only); returns its message.

    Raises:
        ControlRefusedError: *url* is not a loopback ``http://`` address, what answers there is
            not an emulator's control endpoint, the secret is wrong, or the command is refused.
        EmulatorUnreachableError: nothing answered at *url*.
    """
    scheme: str | None = None
    hostname: str | None = None
    try:
        parts = urlsplit(url)
        scheme, hostname = parts.scheme, parts.hostname
    except ValueError:  # an unbalanced "[" in the host: not a URL of ours
        pass
    if scheme != "http" or hostname not in _LOOPBACK_HOSTS:
        raise ControlRefusedError(f"{url} is not the emulator: expected http://127.0.0.1:<port>")
    request = urllib.request.Request(  # noqa: S310  scheme and host are checked just above
        url.rstrip("/") + FAULTS_PATH,
        data=json.dumps(dict(command)).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310  as above
            return str(json.load(answer)["message"])
    except urllib.error.HTTPError as exc:
        raise _refusal(url, exc) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        why = getattr(reason, "strerror", None) or str(reason)
        raise EmulatorUnreachableError(
            f"no emulator answers at {url} ({why}): is `license-guard emulator serve` running "
            "there?"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ControlRefusedError(f"what answers at {url} is not the emulator") from exc


def _refusal(url: str, exc: urllib.error.HTTPError) -> ControlRefusedError:
    if exc.code == 401:
        return ControlRefusedError(
            "the emulator refused the admin secret: use the one `emulator serve` printed"
        )
    if exc.code == 404:
        return ControlRefusedError(f"{url} has no emulator control endpoint")
    return ControlRefusedError(f"the emulator refused: {_message(exc)}")


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(exc)["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.code}"
