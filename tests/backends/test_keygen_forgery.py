"""Answers that are not the Keygen account's own: forged, replayed, stale or from an impostor.

A man in the middle is the one thing that cannot be had for real here, so it is a relay in
front of the emulator's real transport that edits real signed answers. Whatever it forges ends
on the "unreachable" branch: nothing is granted that was not granted before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from license_guard import (
    GracePeriodExpiredError,
    InvalidResponseError,
    LicenseBlockedError,
    LicenseState,
)
from license_guard.clock import ManualClock
from license_guard.emulator.keygen import KeygenEmulator
from license_guard.testing.harness import KeygenHarness

Edit = Callable[[httpx.Request, httpx.Response, bytes], bytes]

VALIDATE = "/licenses/actions/validate-key"


def relay(inner: httpx.BaseTransport, edit: Edit) -> httpx.BaseTransport:
    """A transport passing requests to *inner* and answers back, with *edit* applied to each
    answer's body (the headers, signature included, stay as the server sent them)."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        body = response.read()
        edited = edit(request, response, body)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(
            response.status_code, headers=headers, stream=httpx.ByteStream(edited)
        )

    return httpx.MockTransport(handle)


def says_valid(request: httpx.Request, response: httpx.Response, body: bytes) -> bytes:
    """Rewrite a validation's verdict to VALID, as a cracking proxy would."""
    if not request.url.path.endswith(VALIDATE):
        return body
    document = json.loads(body)
    document["meta"].update(valid=True, code="VALID", detail="is valid")
    return json.dumps(document).encode()


def test_a_forged_valid_cannot_activate_a_suspended_license(keygen: KeygenHarness) -> None:
    keygen.emulator.suspend_license(keygen.license_key)
    backend = keygen.backend(transport=relay(keygen.emulator.transport(), says_valid))
    guard = keygen.make_guard(backend=backend)
    with pytest.raises(InvalidResponseError, match="Digest"):
        guard.activate(keygen.license_key)
    assert not guard.store.path.exists()
    assert keygen.seats() == 0


def test_a_forged_valid_buys_no_time_and_lifts_no_refusal(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    keygen.make_guard().activate(keygen.license_key)
    keygen.emulator.suspend_license(keygen.license_key)

    def forged_guard():  # type: ignore[no-untyped-def]
        transport = relay(keygen.emulator.transport(), says_valid)
        return keygen.make_guard(backend=keygen.backend(transport=transport))

    clock.advance(timedelta(hours=25))
    status = forged_guard().ensure_activated()
    assert status.state is LicenseState.GRACE  # as if offline: the suspension is not yet seen,
    assert status.verified_at is not None  # and nothing is renewed
    assert clock.now() - status.verified_at >= timedelta(hours=25)
    clock.advance(timedelta(days=6))
    with pytest.raises(GracePeriodExpiredError):
        forged_guard().ensure_activated()

    with pytest.raises(LicenseBlockedError):  # the real server's answer revokes
        keygen.make_guard().ensure_activated()
    with pytest.raises(LicenseBlockedError):  # and a forged "valid" cannot lift it
        forged_guard().ensure_activated()


def test_an_impostor_server_signing_with_another_key_is_refused(keygen: KeygenHarness) -> None:
    impostor = KeygenEmulator(clock=keygen.clock)
    impostor_seed = impostor.seed()
    impostor.create_license(impostor_seed.policy_id, key=keygen.license_key)
    backend = keygen.backend(
        account=impostor_seed.account_id,
        product=impostor_seed.product_id,
        transport=impostor.transport(),
    )
    with pytest.raises(InvalidResponseError, match="not genuine"):
        keygen.make_guard(backend=backend).activate(keygen.license_key)


def test_a_replayed_valid_answer_is_refused(keygen: KeygenHarness) -> None:
    recorded: list[httpx.Response] = []
    inner = keygen.emulator.transport()

    def replay(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        if not request.url.path.endswith(VALIDATE):
            return response
        if not recorded:  # the first validation, headers and all, answers every later one
            recorded.append(response)
            response.read()
        first = recorded[0]
        return httpx.Response(
            first.status_code, headers=first.headers, stream=httpx.ByteStream(first.content)
        )

    backend = keygen.backend(transport=httpx.MockTransport(replay))
    guard = keygen.make_guard(backend=backend)
    guard.activate(keygen.license_key)
    keygen.emulator.suspend_license(keygen.license_key)
    keygen.emulator.clear_request_log()
    # The same request target and host, within the Date tolerance: the replayed signature and
    # digest still match. The nonce inside the signed body does not.
    with pytest.raises(InvalidResponseError, match="another request"):
        guard.revalidate()
    assert keygen.emulator.request_log[0].status == 200  # the real answer said SUSPENDED


def test_a_stale_answer_is_refused(keygen: KeygenHarness) -> None:
    ahead = ManualClock(keygen.clock.now() + timedelta(minutes=6))
    guard = keygen.make_guard(backend=keygen.backend(clock=ahead), clock=ahead)
    with pytest.raises(InvalidResponseError, match="stale"):
        guard.activate(keygen.license_key)


def test_an_unsigned_portal_page_means_grace(keygen: KeygenHarness, clock: ManualClock) -> None:
    keygen.make_guard().activate(keygen.license_key)
    keygen.faults.captive_portal()
    clock.advance(timedelta(hours=25))
    assert keygen.make_guard().ensure_activated().state is LicenseState.GRACE


def test_a_wrong_public_key_trusts_nothing(keygen: KeygenHarness) -> None:
    other = KeygenEmulator(clock=keygen.clock)
    guard = keygen.make_guard(backend=keygen.backend(public_key=other.public_key))
    with pytest.raises(InvalidResponseError, match="not genuine"):
        guard.activate(keygen.license_key)
