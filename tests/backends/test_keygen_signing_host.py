"""The ``host`` line of Keygen's signing string for a self-hosted Keygen on an IPv6 literal.

Keygen signs Rails' ``request.host``: the ``Host`` header less a trailing ``:port``, so
``[::1]:8443`` is signed as ``[::1]``, brackets kept. Both the emulator (signing) and the
backend (verifying) must write it so, or a self-hosted server on an IPv6 address cannot be used.
"""

from __future__ import annotations

import httpx
import pytest

from license_guard import InvalidResponseError, LicenseState
from license_guard.keygen import verify_response
from license_guard.testing.harness import KeygenHarness

IPV6_URL = "http://[::1]:8443"


@pytest.mark.parametrize(
    ("base_url", "signed_as", "not_as"),
    [
        (IPV6_URL, "[::1]", "::1"),
        ("http://[0:0:0:0:0:0:0:1]", "[0:0:0:0:0:0:0:1]", "0:0:0:0:0:0:0:1"),
        ("http://127.0.0.1:8443", "127.0.0.1", "127.0.0.1:8443"),
    ],
)
def test_the_emulator_signs_the_host_as_keygen_writes_it(
    keygen: KeygenHarness, base_url: str, signed_as: str, not_as: str
) -> None:
    path = f"/v1/accounts/{keygen.seed.account_id}/licenses/actions/validate-key"
    with httpx.Client(transport=keygen.emulator.transport(), base_url=base_url) as client:
        response = client.post(path, json={"meta": {"key": keygen.license_key}})
    assert response.status_code == 200

    def verify(host: str) -> object:
        return verify_response(
            method="POST",
            target=path,
            host=host,
            headers=dict(response.headers),
            body=response.content,
            public_key=keygen.seed.public_key,
            now=keygen.clock.now(),
        )

    verify(signed_as)
    with pytest.raises(InvalidResponseError):
        verify(not_as)


def test_a_self_hosted_keygen_on_an_ipv6_literal_works(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard(backend=keygen.backend(base_url=IPV6_URL))
    assert guard.activate(keygen.license_key).state is LicenseState.ACTIVE
    assert guard.revalidate().state is LicenseState.ACTIVE
