"""Hostile and broken answers between the guard and the emulator: each ends as "could not ask"
(grace applies) or a clear LicenseError, never a crash, never access, never a lost license.

The emulator only sends well-formed answers; what a proxy, firewall or broken server puts on the
wire instead is played here by a man in the middle: a transport that passes every request to the
emulator and rewrites its answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from license_guard import InvalidResponseError, LicenseError, LicenseGuard, LicenseState
from license_guard.clock import ManualClock
from license_guard.emulator import Seed

from .conftest import GuardFactory

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


class ManInTheMiddle(httpx.BaseTransport):
    """Sends each request on to the emulator, then lets *rewrite* change the answer."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.rewrite: Rewrite | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.rewrite is None:
            return response
        response.read()
        return self.rewrite(request, response)


@pytest.fixture
def middle(keymint_transport: httpx.BaseTransport) -> ManInTheMiddle:
    return ManInTheMiddle(keymint_transport)


@pytest.fixture
def guard_behind(make_guard: GuardFactory, middle: ManInTheMiddle) -> LicenseGuard:
    return make_guard(transport=middle)


def _answer(status: int, body: bytes, headers: dict[str, bytes] | None = None) -> httpx.Response:
    # A stream, as the network gives it (content= would make a response already read).
    raw_headers = [(name.encode(), value) for name, value in (headers or {}).items()]
    return httpx.Response(status, stream=httpx.ByteStream(body), headers=raw_headers)


def _headers_of(response: httpx.Response) -> dict[str, bytes]:
    headers = {name: value.encode() for name, value in response.headers.items()}
    headers.pop("content-length", None)
    return headers


def _html(status: int) -> Rewrite:
    page = b"<html><body>Access denied by policy</body></html>"
    return lambda request, response: _answer(status, page, {"content-type": b"text/html"})


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_firewall_page_is_not_a_refusal(
    guard_behind: LicenseGuard,
    middle: ManInTheMiddle,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    status: int,
) -> None:
    guard_behind.activate(keymint_seed.license_key)
    middle.rewrite = _html(status)
    emulator_clock.advance(timedelta(hours=25))
    assert guard_behind.ensure_activated().state is LicenseState.GRACE  # not DENIED
    with pytest.raises(InvalidResponseError, match="proxy, firewall"):
        guard_behind.revalidate()
    middle.rewrite = None
    assert guard_behind.ensure_activated().state is LicenseState.ACTIVE


def _dated(date: str) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = _headers_of(response)
        headers["date"] = date.encode()
        return _answer(response.status_code, response.content, headers)

    return rewrite


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Tue, 15 Jan 2080 09:00:00 GMT",  # the emulator's clock plus 50 years
        "Tue, 15 Jan 2030 25:61:00 GMT",
        "yesterday",
    ],
    ids=["year-9999", "plus-50-years", "bad-time", "not-a-date"],
)
def test_an_impossible_date_is_could_not_ask(
    guard_behind: LicenseGuard,
    middle: ManInTheMiddle,
    make_guard: GuardFactory,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    date: str,
) -> None:
    middle.rewrite = _dated(date)
    with pytest.raises(InvalidResponseError, match="impossible date"):
        guard_behind.activate(keymint_seed.license_key)
    assert make_guard().status().state is LicenseState.NOT_ACTIVATED

    middle.rewrite = None
    activated = guard_behind.activate(keymint_seed.license_key)
    middle.rewrite = _dated(date)
    emulator_clock.advance(timedelta(hours=25))
    assert guard_behind.ensure_activated().state is LicenseState.GRACE  # not renewed
    with pytest.raises(InvalidResponseError, match="impossible date"):
        guard_behind.revalidate()
    restarted = make_guard()
    assert restarted.status().verified_at == activated.verified_at
    assert restarted.status().state is LicenseState.GRACE


def test_a_date_a_few_years_ahead_is_believed(
    guard_behind: LicenseGuard, middle: ManInTheMiddle, keymint_seed: Seed
) -> None:
    # This computer's clock may be years behind (a dead clock battery): the server's is the time.
    middle.rewrite = _dated("Mon, 15 Jan 2035 09:00:00 GMT")
    status = guard_behind.activate(keymint_seed.license_key)
    assert status.verified_at is not None
    assert status.verified_at.year == 2035


@pytest.mark.parametrize(
    ("field", "value"),
    [("activations", "1"), ("usage_limit", "5"), ("usage_limit", "five"), ("activations", -1)],
)
def test_a_count_that_is_not_a_number_is_could_not_ask(
    guard_behind: LicenseGuard,
    middle: ManInTheMiddle,
    make_guard: GuardFactory,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    field: str,
    value: object,
) -> None:
    def as_text(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = json.loads(response.content)
        if request.url.path == "/get-key" and response.status_code == 200:
            body["data"]["license"][field] = value
        return _answer(response.status_code, json.dumps(body).encode(), _headers_of(response))

    middle.rewrite = as_text
    with pytest.raises(InvalidResponseError, match="not a number"):
        guard_behind.activate(keymint_seed.license_key)
    assert make_guard().status().state is LicenseState.NOT_ACTIVATED

    middle.rewrite = None
    guard_behind.activate(keymint_seed.license_key)
    middle.rewrite = as_text
    emulator_clock.advance(timedelta(hours=25))
    assert guard_behind.ensure_activated().state is LicenseState.GRACE


@pytest.mark.parametrize(
    "rewrite",
    [
        # "²" passes str.isdigit() but is no number of seconds.
        lambda request, response: _answer(503, b"busy", {"retry-after": "²".encode("latin-1")}),
        # 100 kB of "[": valid-looking JSON that is too deep to parse.
        lambda request, response: _answer(200, b"[" * 100_000),
        lambda request, response: _answer(200, b"\xff\xfe not even text"),
        lambda request, response: _answer(200, json.dumps({"code": 0}).encode()),
        lambda request, response: _answer(200, json.dumps([1, 2, 3]).encode()),
    ],
    ids=["retry-after-superscript", "deep-json", "binary", "no-data", "json-array"],
)
def test_garbage_answers_are_could_not_ask(
    guard_behind: LicenseGuard,
    middle: ManInTheMiddle,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    rewrite: Rewrite,
) -> None:
    guard_behind.activate(keymint_seed.license_key)
    middle.rewrite = rewrite
    emulator_clock.advance(timedelta(hours=25))
    assert guard_behind.ensure_activated().state is LicenseState.GRACE
    with pytest.raises(LicenseError):
        guard_behind.activate(keymint_seed.license_key)


@pytest.mark.parametrize(
    "expiry", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+01:00", "tomorrow", 12]
)
def test_an_unreadable_expiry_is_could_not_ask(
    guard_behind: LicenseGuard,
    middle: ManInTheMiddle,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    expiry: object,
) -> None:
    guard_behind.activate(keymint_seed.license_key)

    def bad_expiry(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = json.loads(response.content)
        if request.url.path == "/get-key" and response.status_code == 200:
            body["data"]["license"]["expiration_date"] = expiry
        return _answer(response.status_code, json.dumps(body).encode(), _headers_of(response))

    middle.rewrite = bad_expiry
    emulator_clock.advance(timedelta(hours=25))
    assert guard_behind.ensure_activated().state is LicenseState.GRACE
