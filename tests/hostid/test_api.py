"""The salted host ID, the walk down the chain and the HostIdentity value."""

from __future__ import annotations

import machineid
import pytest

from license_guard import hostid
from license_guard.errors import ConfigurationError, HostIdError
from license_guard.hostid import (
    HostIdentity,
    IdentitySource,
    resolve_host_identity,
    salted_host_id,
    sanitize_raw_id,
)

APP = "com.example.app"


class FixedSource(IdentitySource):
    """A source that answers *value* (or raises *error*) and counts how often it was read."""

    def __init__(self, name: str, value: str | None = None, error: Exception | None = None):
        self.name = name
        self.value = value
        self.error = error
        self.reads = 0

    def read(self) -> str | None:
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.value


def test_public_surface_is_pinned_and_sorted() -> None:
    assert hostid.__all__ == [
        "DEVICE_ID_ENV_VAR",
        "HostIdentity",
        "IdentitySource",
        "InstallIdSource",
        "LinuxMachineIdSource",
        "MacAddressSource",
        "MacOSMachineIdSource",
        "OverrideSource",
        "PyMachineIdSource",
        "WindowsMachineIdSource",
        "default_sources",
        "machine_id_source",
        "resolve_host_identity",
        "salted_host_id",
        "sanitize_raw_id",
    ]
    for name in hostid.__all__:
        assert getattr(hostid, name) is not None


def test_salted_host_id_is_hmac_sha256_keyed_by_the_raw_id() -> None:
    # The RFC 2104 example from Wikipedia's HMAC article: key "key", message "The quick...".
    message = "The quick brown fox jumps over the lazy dog"
    expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert salted_host_id("key", message) == expected


def test_salted_host_id_is_64_lowercase_hex_and_differs_per_app() -> None:
    first = salted_host_id("3d1219c7c4c5404aaa1f6d2a48adfda4", "com.example.one")
    second = salted_host_id("3d1219c7c4c5404aaa1f6d2a48adfda4", "com.example.two")
    assert len(first) == 64
    assert first == first.lower()
    int(first, 16)
    assert first != second


@pytest.mark.parametrize("app_id", ["", "   ", None, 42, b"com.example.app"])
def test_bad_app_id_is_a_configuration_error(app_id: object) -> None:
    with pytest.raises(ConfigurationError, match="app id"):
        salted_host_id("raw", app_id)  # type: ignore[arg-type]


def test_bad_app_id_is_refused_before_any_source_is_read() -> None:
    source = FixedSource("machine-id", "raw")
    with pytest.raises(ConfigurationError):
        resolve_host_identity("", [source])
    assert source.reads == 0


def test_empty_raw_id_cannot_be_salted() -> None:
    with pytest.raises(HostIdError):
        salted_host_id("", APP)


def test_first_source_with_an_id_wins_and_later_ones_are_never_read() -> None:
    chain = [
        FixedSource("override"),
        FixedSource("machine-id", ""),
        FixedSource("mac", "00:1b:21:aa:bb:cc"),
        FixedSource("install-id", "never"),
    ]
    identity = resolve_host_identity(APP, chain)
    assert identity.source == "mac"
    assert identity.raw_id == "00:1b:21:aa:bb:cc"
    assert identity.host_id == salted_host_id("00:1b:21:aa:bb:cc", APP)
    assert [source.reads for source in chain] == [1, 1, 1, 0]


def test_a_failing_source_stops_the_chain_instead_of_falling_through() -> None:
    later = FixedSource("mac", "00:1b:21:aa:bb:cc")
    failing = FixedSource("machine-id", error=HostIdError("ioreg timed out"))
    with pytest.raises(HostIdError, match="ioreg timed out"):
        resolve_host_identity(APP, [failing, later])
    assert later.reads == 0


def test_os_errors_are_translated_into_host_id_errors() -> None:
    failing = FixedSource("mac", error=PermissionError(13, "Permission denied"))
    with pytest.raises(HostIdError, match=r"mac could not be read \(Permission denied\)") as info:
        resolve_host_identity(APP, [failing])
    assert isinstance(info.value.__cause__, PermissionError)


def test_no_source_with_an_id_is_an_error_naming_what_was_tried() -> None:
    with pytest.raises(HostIdError, match=r"tried: override, machine-id\).*--device-id"):
        resolve_host_identity(APP, [FixedSource("override"), FixedSource("machine-id")])
    with pytest.raises(HostIdError, match="tried: nothing"):
        resolve_host_identity(APP, [])


def test_identity_repr_and_str_show_the_host_id_but_never_the_raw_id() -> None:
    raw_id = "3d1219c7c4c5404aaa1f6d2a48adfda4"
    identity = resolve_host_identity(APP, [FixedSource("machine-id", raw_id)])
    assert identity.host_id in repr(identity)
    assert "machine-id" in repr(identity)
    assert raw_id not in repr(identity)
    assert raw_id not in str(identity)
    assert raw_id not in f"{identity!r} {identity}"


def test_identity_is_a_frozen_value() -> None:
    identity = HostIdentity(host_id="ab" * 32, source="machine-id", raw_id="raw")
    with pytest.raises(AttributeError):
        identity.host_id = "cd" * 32  # type: ignore[misc]
    assert identity == HostIdentity(host_id="ab" * 32, source="machine-id", raw_id="raw")


def test_sanitize_removes_exactly_what_py_machineid_removes() -> None:
    # Every code point at once: equal outputs mean the same characters were removed.
    everything = "".join(map(chr, range(0x110000)))
    assert sanitize_raw_id(everything) == machineid.__sanitize__(everything)
    assert sanitize_raw_id(" 3d12\t19c7\r\n\x00\x85\u00a0\u2003") == "3d1219c7"
