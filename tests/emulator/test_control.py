"""The /_emulator/ control endpoint and `license-guard emulator fault`, over a real socket."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from license_guard.cli import main
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.emulator.faults import Hang, Latency, RateLimit, ServerError, TokenRateLimit

ADMIN = "adm_test-secret-for-the-control-endpoint"
ENV = "LICENSE_GUARD_EMULATOR_ADMIN_TOKEN"


@pytest.fixture
def controlled(tls_context: ssl.SSLContext) -> Iterator[tuple[Emulator, Seed, httpx.Client]]:
    """An emulator with an admin secret, served on a socket, and a client without token."""
    with Emulator(admin_secret=ADMIN) as emulator:
        seed = emulator.seed()
        with (
            EmulatorServer(emulator) as server,
            httpx.Client(base_url=server.url, verify=tls_context, timeout=5.0) as client,
        ):
            yield emulator, seed, client


def _command(client: httpx.Client, body: Any, secret: str | None = ADMIN) -> httpx.Response:
    headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
    return client.post("/_emulator/faults", json=body, headers=headers)


@pytest.mark.parametrize("secret", [None, "adm_wrong", ADMIN + "x", ADMIN[:-1]])
def test_a_wrong_or_missing_admin_secret_gets_401(
    controlled: tuple[Emulator, Seed, httpx.Client], secret: str | None
) -> None:
    emulator, _, client = controlled
    response = _command(client, {"fault": "hang"}, secret)
    assert (response.status_code, response.json()) == (
        401,
        {"message": "Invalid admin token", "code": 1},
    )
    assert emulator.faults.active == ()


@pytest.mark.parametrize(
    ("command", "fault"),
    [
        ({"fault": "latency", "seconds": 0.5}, Latency(0.5)),
        ({"fault": "hang", "times": 1}, Hang()),
        ({"fault": "rate-limit", "retry_after": 7}, RateLimit("7")),
        ({"fault": "error", "status": 502}, ServerError(502)),
        ({"fault": "error"}, ServerError(503)),
        (
            {"fault": "token-limit", "max_requests": 4, "per_seconds": 30},
            TokenRateLimit(4, 30.0),
        ),
    ],
)
def test_commands_switch_faults_on(
    controlled: tuple[Emulator, Seed, httpx.Client], command: dict[str, Any], fault: object
) -> None:
    emulator, _, client = controlled
    response = _command(client, command)
    assert response.status_code == 200
    assert response.json()["code"] == 0
    assert emulator.faults.active == (fault,)


def test_control_requests_bypass_faults_and_the_log(
    controlled: tuple[Emulator, Seed, httpx.Client],
) -> None:
    emulator, seed, client = controlled
    assert _command(client, {"fault": "hang"}).status_code == 200
    assert _command(client, {"fault": "error", "status": 500}).status_code == 200
    assert _command(client, {"fault": "clear"}).json() == {
        "code": 0,
        "message": "All faults cleared",
    }
    assert emulator.faults.active == ()
    assert emulator.request_log == []
    headers = {"Authorization": f"Bearer {seed.access_token}"}
    body = {"productId": seed.product_id, "licenseKey": seed.license_key}
    assert client.post("/get-key", json=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "command",
    [
        {"fault": "meteor"},
        {},
        {"fault": "latency"},
        {"fault": "latency", "seconds": "slow"},
        {"fault": "latency", "seconds": True},
        {"fault": "error", "status": 404},
        {"fault": "hang", "times": 0},
        {"fault": "hang", "times": 1.5},
        {"fault": "token-limit", "max_requests": 3},
        [1, 2],
    ],
)
def test_bad_commands_get_400(
    controlled: tuple[Emulator, Seed, httpx.Client], command: Any
) -> None:
    emulator, _, client = controlled
    response = _command(client, command)
    assert response.status_code == 400
    assert response.json()["code"] == 1
    assert emulator.faults.active == ()


def test_other_control_paths_and_methods(controlled: tuple[Emulator, Seed, httpx.Client]) -> None:
    _, _, client = controlled
    headers = {"Authorization": f"Bearer {ADMIN}"}
    assert client.get("/_emulator/faults", headers=headers).status_code == 405
    assert client.post("/_emulator/other", headers=headers).status_code == 404


def test_without_an_admin_secret_there_is_no_control_endpoint(
    anonymous: httpx.Client, keymint_emulator: Emulator
) -> None:
    response = anonymous.post("/_emulator/faults", json={"fault": "hang"})
    assert response.status_code == 404
    assert keymint_emulator.faults.active == ()


def test_the_fault_command_switches_faults_of_a_running_server(
    controlled: tuple[Emulator, Seed, httpx.Client],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator, _, client = controlled
    monkeypatch.setenv(ENV, ADMIN)
    url = str(client.base_url).rstrip("/")
    assert main(["emulator", "fault", "--url", url, "error", "502", "--times", "2"]) == 0
    assert capsys.readouterr().out == "Fault error on for 2 request(s)\n"
    assert emulator.faults.active == (ServerError(502),)
    assert main(["emulator", "fault", "--url", url, "rate-limit", "--retry-after", "9"]) == 0
    assert main(["emulator", "fault", "--url", url, "latency", "0.25"]) == 0
    assert main(["emulator", "fault", "--url", url, "token-limit", "10", "60"]) == 0
    assert set(emulator.faults.active) == {
        ServerError(502),
        RateLimit("9"),
        Latency(0.25),
        TokenRateLimit(10, 60.0),
    }
    for kind in ("hang", "reset", "portal"):
        assert main(["emulator", "fault", "--url", url, kind, "--times", "1"]) == 0
    assert len(emulator.faults.active) == 7
    assert main(["emulator", "fault", "--url", url, "clear"]) == 0
    assert emulator.faults.active == ()


def test_the_fault_command_explains_what_is_wrong(
    controlled: tuple[Emulator, Seed, httpx.Client],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, client = controlled
    url = str(client.base_url).rstrip("/")
    monkeypatch.delenv(ENV, raising=False)
    assert main(["emulator", "fault", "--url", url, "hang"]) == 2
    assert ENV in capsys.readouterr().err

    monkeypatch.setenv(ENV, "adm_wrong")
    assert main(["emulator", "fault", "--url", url, "hang"]) == 2
    assert "refused the admin secret" in capsys.readouterr().err

    monkeypatch.setenv(ENV, ADMIN)
    assert main(["emulator", "fault", "--url", "http://example.com:80", "hang"]) == 2
    assert "not the emulator" in capsys.readouterr().err
    assert main(["emulator", "fault", "--url", url, "error", "404"]) == 2
    assert "5xx" in capsys.readouterr().err
