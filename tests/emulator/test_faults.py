"""Every fault, over a real socket and through the in-process transport."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, FaultKind, Faults, Seed
from license_guard.emulator.faults import Latency, ServerError


@pytest.fixture(params=["socket", "in-process"])
def api(
    request: pytest.FixtureRequest,
    keymint_seed: Seed,
    tls_context: ssl.SSLContext,
) -> Iterator[httpx.Client]:
    """A client with the seed's token, over a socket or in process (the test runs for both)."""
    headers = {"Authorization": f"Bearer {keymint_seed.access_token}"}
    if request.param == "socket":
        server: EmulatorServer = request.getfixturevalue("keymint_server")
        client = httpx.Client(base_url=server.url, headers=headers, verify=tls_context, timeout=5.0)
    else:
        transport: httpx.BaseTransport = request.getfixturevalue("keymint_transport")
        client = httpx.Client(
            base_url="http://127.0.0.1", transport=transport, headers=headers, timeout=5.0
        )
    with client:
        yield client


def _get_key(api: httpx.Client, seed: Seed, timeout: float = 5.0) -> httpx.Response:
    body = {"productId": seed.product_id, "licenseKey": seed.license_key}
    return api.post("/get-key", json=body, timeout=timeout)


def _is_json(response: httpx.Response) -> bool:
    try:
        response.json()
    except json.JSONDecodeError:
        return False
    return True


def test_latency_delays_the_answer_then_clears_itself(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.latency(0.1, times=1)
    assert keymint_emulator.faults.active == (Latency(0.1),)
    started = time.monotonic()
    assert _get_key(api, keymint_seed).status_code == 200
    assert time.monotonic() - started >= 0.1
    assert _get_key(api, keymint_seed).status_code == 200  # the fault was used up: no delay
    assert keymint_emulator.faults.active == ()
    assert [r.fault for r in keymint_emulator.request_log] == [FaultKind.LATENCY, None]


def test_a_hang_runs_into_the_client_read_timeout(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.hang(times=1)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _get_key(api, keymint_seed, timeout=0.1)
    assert 0.1 <= time.monotonic() - started < 1.5
    assert _get_key(api, keymint_seed).status_code == 200
    hung, answered = keymint_emulator.request_log
    assert (hung.path, hung.status, hung.fault) == ("/get-key", None, FaultKind.HANG)
    assert (answered.status, answered.fault) == (200, None)


def test_clearing_a_hang_ends_the_request_as_a_dropped_connection(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.hang()
    timer = threading.Timer(0.1, keymint_emulator.faults.clear)
    timer.start()
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        _get_key(api, keymint_seed, timeout=5.0)
    assert time.monotonic() - started < 2.0
    timer.join()
    assert _get_key(api, keymint_seed).status_code == 200


def test_stopping_the_server_ends_a_hang_at_once(
    keymint_emulator: Emulator, keymint_seed: Seed, tls_context: ssl.SSLContext
) -> None:
    server = EmulatorServer(keymint_emulator).start()
    keymint_emulator.faults.hang()
    errors: list[Exception] = []

    def call() -> None:
        with httpx.Client(base_url=server.url, verify=tls_context, timeout=10.0) as client:
            try:
                client.post("/get-key", json={})
            except httpx.HTTPError as exc:
                errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not keymint_emulator.request_log and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    caller.join(timeout=5)
    assert not caller.is_alive()
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError]


def test_a_reset_reaches_the_client_as_a_connection_error(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.reset(times=1)
    with pytest.raises(httpx.ReadError):
        _get_key(api, keymint_seed)
    assert _get_key(api, keymint_seed).status_code == 200
    assert [(r.status, r.fault) for r in keymint_emulator.request_log] == [
        (None, FaultKind.RESET),
        (200, None),
    ]


def test_rate_limit_answers_429_with_retry_after_and_no_json(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.rate_limit(retry_after=2, times=2)
    for _ in range(2):
        response = _get_key(api, keymint_seed)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Content-Type"].startswith("text/html")
        assert not _is_json(response)
    assert _get_key(api, keymint_seed).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_answer_a_proxy_html_page(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed, status: int
) -> None:
    keymint_emulator.faults.server_error(status, times=1)
    response = _get_key(api, keymint_seed)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>")
    assert str(status) in response.text
    assert _get_key(api, keymint_seed).status_code == 200


def test_captive_portal_answers_200_html_until_cleared(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.captive_portal()
    for _ in range(3):
        response = _get_key(api, keymint_seed)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Wi-Fi" in response.text
        assert not _is_json(response)
    keymint_emulator.faults.clear()
    assert _get_key(api, keymint_seed).json()["code"] == 0


def test_token_rate_limit_counts_per_token_in_a_window_of_the_emulator_clock(
    api: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.faults.token_rate_limit(max_requests=3, per_seconds=60)
    assert [_get_key(api, keymint_seed).status_code for _ in range(3)] == [200, 200, 200]
    emulator_clock.advance(timedelta(seconds=20))
    limited = _get_key(api, keymint_seed)
    assert limited.status_code == 429
    assert limited.json() == {"message": "Rate limit exceeded", "code": 3}
    assert limited.headers["Retry-After"] == "40"

    other_token = keymint_emulator.create_access_token(keymint_seed.product_id)
    other = {"Authorization": f"Bearer {other_token}"}
    body = {"productId": keymint_seed.product_id, "licenseKey": keymint_seed.license_key}
    assert api.post("/get-key", json=body, headers=other).status_code == 200

    emulator_clock.advance(timedelta(seconds=40))
    assert _get_key(api, keymint_seed).status_code == 200
    assert keymint_emulator.request_log[3].fault is FaultKind.TOKEN_RATE_LIMIT


def test_fault_answers_carry_the_date_of_the_emulator_clock(
    api: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    emulator_clock.advance(timedelta(days=2))
    keymint_emulator.faults.server_error(502, times=1)
    response = _get_key(api, keymint_seed)
    assert parsedate_to_datetime(response.headers["Date"]) == emulator_clock.now().replace(
        microsecond=0
    )


def test_switching_a_fault_on_again_replaces_it_and_clear_ends_all(
    api: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    faults = keymint_emulator.faults
    faults.server_error(500)
    faults.server_error(502)
    faults.latency(0.0)
    faults.token_rate_limit(1, 60)
    assert set(faults.active) >= {ServerError(502), Latency(0.0)}
    assert _get_key(api, keymint_seed).status_code == 502
    faults.clear()
    assert faults.active == ()
    assert [_get_key(api, keymint_seed).status_code for _ in range(3)] == [200, 200, 200]


def test_the_request_log_never_holds_a_token_or_key(
    api: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    _get_key(api, keymint_seed)
    api.post("/nowhere", headers={"Authorization": ""})
    keymint_emulator.faults.reset(times=1)
    with pytest.raises(httpx.ReadError):
        _get_key(api, keymint_seed)
    log = keymint_emulator.request_log
    assert [(r.method, r.path, r.status) for r in log] == [
        ("POST", "/get-key", 200),
        ("POST", "/nowhere", 404),
        ("POST", "/get-key", None),
    ]
    assert {r.at for r in log} == {emulator_clock.now()}
    assert log[0].token == "…" + keymint_seed.access_token[-4:]
    assert log[1].token == "<none>"
    shown = repr(log)
    assert keymint_seed.access_token not in shown
    assert keymint_seed.license_key not in shown
    keymint_emulator.clear_request_log()
    assert keymint_emulator.request_log == []


@pytest.mark.parametrize(
    "switch",
    [
        lambda f: f.latency(-1),
        lambda f: f.hang(times=0),
        lambda f: f.reset(times=-2),
        lambda f: f.rate_limit(retry_after=-1),
        lambda f: f.server_error(404),
        lambda f: f.token_rate_limit(max_requests=0, per_seconds=60),
        lambda f: f.token_rate_limit(max_requests=1, per_seconds=0),
    ],
)
def test_bad_fault_settings_raise_value_error(
    keymint_emulator: Emulator, switch: Callable[[Faults], None]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        switch(keymint_emulator.faults)
    assert keymint_emulator.faults.active == ()
