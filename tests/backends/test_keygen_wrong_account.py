"""A wrong Keygen account id is a configuration error, decided by what the unsigned answer says.

Keygen cannot sign for an account it does not know: it answers 404 with one error, code
``NOT_FOUND``, detail "The requested account '<id>' was not found", and no signature. That
answer, naming the configured account, is the vendor's mistake (exit 2, "contact the vendor"),
not a network problem. Any other unsigned answer stays "unreachable", and none grants or revokes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from license_guard import (
    ConfigurationError,
    InvalidResponseError,
    LicenseState,
)
from license_guard.clock import SystemClock
from license_guard.emulator import EmulatorServer
from license_guard.emulator.keygen import KeygenEmulator
from license_guard.testing.harness import KeygenHarness

WRONG = "0f0f0f0f-0000-4000-8000-000000000000"

Answer = Callable[[str], httpx.Response]


def test_a_wrong_account_id_is_a_configuration_error(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard(backend=keygen.backend(account=WRONG))
    with pytest.raises(ConfigurationError, match=f"no Keygen account '{WRONG}'"):
        guard.activate(keygen.license_key)
    assert guard.status().state is LicenseState.NOT_ACTIVATED
    assert keygen.seats() == 0


def _unsigned(status: int, document: object) -> Answer:
    def answer(account: str) -> httpx.Response:
        body = json.dumps(document).replace("{account}", account).encode()
        # A stream, as the network gives it (content= would make a response already read).
        return httpx.Response(
            status,
            stream=httpx.ByteStream(body),
            headers={"Content-Type": "application/vnd.api+json"},
        )

    return answer


NOT_FOUND_ACCOUNT = {
    "errors": [
        {
            "title": "Not found",
            "detail": "The requested account '{account}' was not found",
            "code": "NOT_FOUND",
        }
    ]
}


@pytest.mark.parametrize(
    "answer",
    [
        _unsigned(404, {"errors": [{**NOT_FOUND_ACCOUNT["errors"][0], "detail": "x"}]}),
        _unsigned(
            404,
            {
                "errors": [
                    {
                        **NOT_FOUND_ACCOUNT["errors"][0],
                        "detail": f"The requested account '{WRONG}' was not found",
                    }
                ]
            },
        ),
        _unsigned(404, {"errors": [*NOT_FOUND_ACCOUNT["errors"], *NOT_FOUND_ACCOUNT["errors"]]}),
        _unsigned(404, {"errors": [{**NOT_FOUND_ACCOUNT["errors"][0], "code": "LICENSE_INVALID"}]}),
        _unsigned(200, NOT_FOUND_ACCOUNT),
        _unsigned(200, {"meta": {"valid": True, "code": "VALID"}}),
    ],
    ids=["other-detail", "other-account", "two-errors", "other-code", "status-200", "valid"],
)
def test_other_unsigned_answers_stay_could_not_ask(keygen: KeygenHarness, answer: Answer) -> None:
    backend = keygen.backend(
        transport=httpx.MockTransport(lambda request: answer(keygen.seed.account_id))
    )
    with pytest.raises(InvalidResponseError):
        keygen.make_guard(backend=backend).activate(keygen.license_key)


def test_a_signed_answer_with_the_account_text_is_read_as_signed(keygen: KeygenHarness) -> None:
    # A Keygen-Signature header present: the answer is verified as usual (and fails here).
    def answer(request: httpx.Request) -> httpx.Response:
        response = _unsigned(404, NOT_FOUND_ACCOUNT)(keygen.seed.account_id)
        response.headers["Keygen-Signature"] = 'keyid="x", algorithm="ed25519", signature="AA=="'
        return response

    backend = keygen.backend(transport=httpx.MockTransport(answer))
    with pytest.raises(InvalidResponseError):
        keygen.make_guard(backend=backend).activate(keygen.license_key)


def test_the_account_answer_on_a_check_revokes_nothing(keygen: KeygenHarness) -> None:
    # The vendor's server later says "no such account" (or someone says it for it): the lease
    # is neither renewed nor revoked; the grace runs as for an unreachable server.
    keygen.make_guard().activate(keygen.license_key)
    inner = keygen.emulator.transport()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/validate-key"):
            return _unsigned(404, NOT_FOUND_ACCOUNT)(keygen.seed.account_id)
        return inner.handle_request(request)

    keygen.clock.advance(timedelta(days=2))
    guard = keygen.make_guard(backend=keygen.backend(transport=httpx.MockTransport(answer)))
    assert guard.ensure_activated().state is LicenseState.GRACE
    with pytest.raises(ConfigurationError):
        guard.revalidate()
    assert guard.status().state is LicenseState.GRACE


def test_the_command_exits_2_for_a_wrong_account(tmp_path: Path) -> None:
    emulator = KeygenEmulator(clock=SystemClock())
    seed = emulator.seed()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LICENSE_GUARD_")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config-home"),
        LICENSE_GUARD_APP_ID="com.example.photoeditor",
        LICENSE_GUARD_BACKEND="keygen",
        LICENSE_GUARD_KEYGEN_ACCOUNT=WRONG,
        LICENSE_GUARD_KEYGEN_PUBLIC_KEY=seed.public_key,
        LICENSE_GUARD_PRODUCT_ID=seed.product_id,
        LICENSE_GUARD_DATA_DIR=str(tmp_path / "data"),
    )
    with EmulatorServer(emulator) as server:
        env["LICENSE_GUARD_BASE_URL"] = server.url
        result = subprocess.run(
            [sys.executable, "-m", "license_guard", "activate", seed.license_key],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )
    emulator.close()
    assert result.returncode == 2, result.stderr
    assert f"no Keygen account '{WRONG}'" in result.stderr
    assert seed.license_key not in result.stderr + result.stdout
