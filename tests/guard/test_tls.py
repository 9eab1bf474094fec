"""TLS for real: the emulator over HTTPS with a certificate from a test CA made here.

The client trusts what the platform (or the vendor) says it should, checks host names, and
cannot be told not to: a server it cannot verify is "could not ask", never "valid".
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from license_guard import KeymintBackend, LicenseGuard, LicenseState, LicenseUnreachableError
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.http import HttpSettings, tls_verification


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _make_pki(folder: Path, *, san_ip: str) -> Pki:
    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("license_guard test CA"))
        .issuer_name(_name("license_guard test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("licensing server"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san_ip))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    pki.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


def _https(pki: Pki) -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed()
    with EmulatorServer(emulator, ssl_context=context) as server:
        yield emulator, seed, server
    emulator.close()


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return _make_pki(tmp_path, san_ip="127.0.0.1")


@pytest.fixture
def https(pki: Pki) -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    yield from _https(pki)


def _guard(server: EmulatorServer, seed: Seed, folder: Path, **http: object) -> LicenseGuard:
    backend = KeymintBackend(
        product_id=seed.product_id,
        access_token=seed.access_token,
        base_url=server.url,
        http=HttpSettings(max_attempts=1, **http),  # type: ignore[arg-type]
    )
    return LicenseGuard(app_id="com.example.photoeditor", backend=backend, data_dir=folder)


def test_an_unknown_certificate_authority_is_could_not_ask(
    https: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    _, seed, server = https
    assert server.url.startswith("https://127.0.0.1:")
    with pytest.raises(LicenseUnreachableError, match="could not prove its identity"):
        _guard(server, seed, tmp_path).activate(seed.license_key)


def test_the_vendors_ca_bundle_is_trusted(
    https: tuple[Emulator, Seed, EmulatorServer], pki: Pki, tmp_path: Path
) -> None:
    _, seed, server = https
    guard = _guard(server, seed, tmp_path, ca_bundle=pki.ca_file)
    assert guard.activate(seed.license_key).state is LicenseState.ACTIVE


def test_the_environments_ca_bundle_is_trusted(
    https: tuple[Emulator, Seed, EmulatorServer],
    pki: Pki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, seed, server = https
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))  # as a corporate machine sets it
    assert _guard(server, seed, tmp_path).activate(seed.license_key).is_licensed


def test_a_certificate_for_another_host_is_refused(tmp_path: Path) -> None:
    pki = _make_pki(tmp_path, san_ip="127.0.0.2")  # valid, trusted, but not for 127.0.0.1
    for _, seed, server in _https(pki):
        guard = _guard(server, seed, tmp_path, ca_bundle=pki.ca_file)
        with pytest.raises(LicenseUnreachableError, match="could not prove its identity"):
            guard.activate(seed.license_key)


def test_a_plain_http_client_loads_no_ca_store_and_its_context_trusts_nothing(
    https: tuple[Emulator, Seed, EmulatorServer],
    pki: Pki,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, server = https
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))  # not even the environment's CA
    context = tls_verification("http://127.0.0.1:8080", HttpSettings())
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    host, port = server.url.removeprefix("https://").rsplit(":", 1)
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname=host)
    # An https server gets the default trust; the vendor's bundle or context always wins.
    assert tls_verification(server.url, HttpSettings()) is True
    bundle = tls_verification("http://127.0.0.1:8080", HttpSettings(ca_bundle=pki.ca_file))
    assert isinstance(bundle, ssl.SSLContext)
    assert bundle.cert_store_stats()["x509_ca"] == 1
