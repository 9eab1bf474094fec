"""Malformed requests on a real socket, to both emulators: every one gets the API's JSON error
shape within the read timeout, and none leaves a traceback on the console or a connection open.

The requests are written byte by byte with a plain socket: no HTTP client would send them.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from license_guard.emulator import Emulator, EmulatorServer
from license_guard.emulator.keygen import KeygenEmulator

READ_TIMEOUT = 0.5
# Far beyond the read timeout, far below "forever": how long a test waits for the answer.
PATIENCE = 10.0
# The start of a TLS ClientHello: a record header and no line end anywhere.
TLS_HELLO = bytes.fromhex("16030100f8010000f40303") + b"\xaa" * 32


@dataclass(frozen=True)
class Target:
    """One emulator on a socket: where to send, the API path and header that reach JSON parsing,
    and how its error shape reads."""

    server: EmulatorServer
    path: str
    authorization: str
    vendor: str

    def error_text(self, document: dict[str, Any]) -> str:
        """The message of an error document, checking it has the vendor's error shape."""
        if self.vendor == "keymint":
            assert set(document) == {"message", "code"}
            assert document["code"] == 1
            return str(document["message"])
        [error] = document["errors"]
        assert set(error) >= {"title", "detail"}
        return str(error["detail"])


@pytest.fixture(params=["keymint", "keygen"])
def target(
    request: pytest.FixtureRequest,
    keymint_emulator: Emulator,
    keygen_emulator: KeygenEmulator,
) -> Iterator[Target]:
    if request.param == "keymint":
        seed = keymint_emulator.stored_seed()
        assert seed is not None
        with EmulatorServer(keymint_emulator, read_timeout=READ_TIMEOUT) as server:
            yield Target(server, "/get-key", f"Bearer {seed.access_token}", "keymint")
    else:
        keygen_seed = keygen_emulator.stored_seed()
        assert keygen_seed is not None
        path = f"/v1/accounts/{keygen_seed.account_id}/licenses/actions/validate-key"
        with EmulatorServer(keygen_emulator, read_timeout=READ_TIMEOUT) as server:
            yield Target(server, path, f"License {keygen_seed.license_key}", "keygen")


def exchange(target: Target, raw: bytes) -> tuple[int, dict[str, str], bytes, float]:
    """Send *raw*, keep the connection open for writing, and read until the server closes.

    Returns the status, the headers (lower-case names), the body and the seconds it took.
    """
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", target.server.port), timeout=PATIENCE) as sock:
        sock.sendall(raw)
        received = bytearray()
        while chunk := sock.recv(65536):
            received += chunk
    elapsed = time.monotonic() - started
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body, elapsed


def request(target: Target, body: bytes, *, length: int | None = None) -> bytes:
    declared = len(body) if length is None else length
    return (
        f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {target.authorization}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode() + body


def check_json_error(target: Target, headers: dict[str, str], body: bytes) -> str:
    assert headers["content-type"].startswith(("application/json", "application/vnd.api+json"))
    assert "date" in headers
    assert int(headers["content-length"]) == len(body)
    return target.error_text(json.loads(body))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(lambda target: request(target, b'{"licenseKey": "AB', length=400), id="short"),
        pytest.param(lambda target: TLS_HELLO, id="tls-hello"),
        pytest.param(
            lambda target: b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ", id="headers"
        ),
    ],
)
def test_a_request_that_stops_midway_gets_a_408_after_the_read_timeout(
    target: Target, raw: Any
) -> None:
    status, headers, body, elapsed = exchange(target, raw(target))
    assert status == 408
    assert "not sent in time" in check_json_error(target, headers, body)
    assert READ_TIMEOUT * 0.8 <= elapsed < PATIENCE / 2


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (lambda target: b"HELLO\r\n\r\n", 400, "Bad request syntax"),
        (lambda target: b"GET / HTTP/9.9\r\n\r\n", 505, "HTTP version"),
        (lambda target: b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "too long"),
        (
            lambda target: request(target, b"{}").replace(
                b"Content-Length: 2", b"Content-Length: 2x"
            ),
            400,
            "Content-Length",
        ),
    ],
    ids=["request-line", "version", "long-line", "content-length"],
)
def test_what_the_http_parser_refuses_gets_the_json_error_shape(
    target: Target, raw: Any, status: int, words: str
) -> None:
    got, headers, body, elapsed = exchange(target, raw(target))
    assert got == status
    assert words in check_json_error(target, headers, body)
    assert elapsed < READ_TIMEOUT  # answered at once, not after a timeout


def test_deeply_nested_json_is_a_400_without_a_traceback(
    target: Target, capfd: pytest.CaptureFixture[str]
) -> None:
    status, headers, body, _ = exchange(target, request(target, b"[" * 50_000))
    assert status == 400
    assert "JSON" in check_json_error(target, headers, body)
    assert "Traceback" not in capfd.readouterr().err


def test_a_well_formed_request_still_gets_its_answer(target: Target) -> None:
    status, headers, body, elapsed = exchange(target, request(target, b'{"meta": {}}'))
    assert status in (400, 422)  # a well-formed request the API refuses on its own terms
    check_json_error(target, headers, body)
    assert elapsed < READ_TIMEOUT


def test_the_read_timeout_must_be_positive(keymint_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="read_timeout"):
        EmulatorServer(keymint_emulator, read_timeout=0)
