"""Defects the fuzz campaign (``python -m benchmarks.fuzz``) found, each reproduced minimally
and fixed."""

from __future__ import annotations

import json

import httpx

from license_guard import InvalidResponseError, LicenseGuard, LicenseUnreachableError
from license_guard.emulator import Seed
from license_guard.testing import GuardFactory


class WithoutExpiryField(httpx.BaseTransport):
    """The emulator's answers, but get-key's license loses its ``expiration_date`` field (a
    corrupted or truncated answer: the campaign's case garbled the key's name with one invalid
    UTF-8 sequence, which json.loads decodes with ``surrogatepass``)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.active = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.active or not request.url.path.endswith("get-key"):
            return response
        body = json.loads(response.read())
        del body["data"]["license"]["expiration_date"]
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        stream = httpx.ByteStream(json.dumps(body).encode())  # read as over a socket
        return httpx.Response(response.status_code, headers=headers, stream=stream)


def test_a_license_answer_without_its_expiry_field_does_not_make_the_license_perpetual(
    keymint_guards: GuardFactory,
    keymint_transport: httpx.BaseTransport,
    keymint_seed: Seed,
) -> None:
    middle = WithoutExpiryField(keymint_transport)
    guard: LicenseGuard = keymint_guards(transport=middle, features={"export-4k"})
    activated = guard.activate(keymint_seed.license_key)
    assert activated.expires_at is not None  # the seeded key expires in a month

    middle.active = True
    outcome: object
    try:
        outcome = guard.revalidate()
    except LicenseUnreachableError as exc:  # what the documented-shape promise says it must be
        outcome = exc

    assert isinstance(outcome, InvalidResponseError), outcome
    assert guard.status().expires_at == activated.expires_at
