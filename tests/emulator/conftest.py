"""Clients for the emulator tests: real sockets to 127.0.0.1, or the in-process transport."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from license_guard.emulator import EmulatorServer, Seed


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client: building one per httpx.Client costs ~0.1 s each.

    The emulator speaks plain HTTP; httpx builds the context whether or not it is used.
    """
    return ssl.create_default_context()


@pytest.fixture
def anonymous(
    keymint_server: EmulatorServer, tls_context: ssl.SSLContext
) -> Iterator[httpx.Client]:
    """An httpx client on a real socket to the seeded emulator, without any token."""
    with httpx.Client(base_url=keymint_server.url, verify=tls_context, timeout=5.0) as client:
        yield client


@pytest.fixture
def client(
    keymint_server: EmulatorServer, keymint_seed: Seed, tls_context: ssl.SSLContext
) -> Iterator[httpx.Client]:
    """An httpx client on a real socket to the seeded emulator, with the seed's token."""
    with httpx.Client(
        base_url=keymint_server.url,
        headers={"Authorization": f"Bearer {keymint_seed.access_token}"},
        verify=tls_context,
        timeout=5.0,
    ) as client:
        yield client


@pytest.fixture
def key_ref(keymint_seed: Seed) -> dict[str, str]:
    """The body fields naming the seeded key: ``productId`` and ``licenseKey``."""
    return {"productId": keymint_seed.product_id, "licenseKey": keymint_seed.license_key}
