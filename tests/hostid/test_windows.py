"""Windows: MachineGuid through a fake registry, and py-machineid as the fallback."""

from __future__ import annotations

import sys

import pytest

from license_guard.hostid import WindowsMachineIdSource
from license_guard.hostid.windows import CRYPTOGRAPHY_KEY, read_hklm

from .contract import IdentitySourceContract

GUID = "8c1b4f0e-2b7a-4a4e-9d55-0f6f3e0c2a11"
SMBIOS_UUID = "4C4C4544-0042-3510-8052-B2C04F4E3332"


class FakeRegistry:
    """HKLM as a dict of ``(key, value name) -> data``; a missing entry raises like winreg."""

    def __init__(self, values: dict[tuple[str, str], object]) -> None:
        self.values = values
        self.asked: list[tuple[str, str]] = []

    def __call__(self, key: str, value_name: str) -> object:
        self.asked.append((key, value_name))
        try:
            return self.values[key, value_name]
        except KeyError:
            raise FileNotFoundError(2, "The system cannot find the file specified") from None


class FakeFallback:
    def __init__(self, value: str | None) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.value


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self) -> WindowsMachineIdSource:
        registry = FakeRegistry({(CRYPTOGRAPHY_KEY, "MachineGuid"): GUID})
        return WindowsMachineIdSource(read_registry=registry, fallback=FakeFallback(None))


def test_reads_machine_guid_from_the_cryptography_key() -> None:
    registry = FakeRegistry({(CRYPTOGRAPHY_KEY, "MachineGuid"): GUID})
    fallback = FakeFallback(SMBIOS_UUID)
    source = WindowsMachineIdSource(read_registry=registry, fallback=fallback)
    assert source.read() == GUID
    assert registry.asked == [(r"SOFTWARE\Microsoft\Cryptography", "MachineGuid")]
    assert fallback.calls == 0


def test_machine_guid_is_sanitized() -> None:
    registry = FakeRegistry({(CRYPTOGRAPHY_KEY, "MachineGuid"): f" {GUID}\r\n\x00"})
    assert WindowsMachineIdSource(read_registry=registry).read() == GUID


@pytest.mark.parametrize(
    "values",
    [
        {},  # the key or value is missing
        {(CRYPTOGRAPHY_KEY, "MachineGuid"): ""},
        {(CRYPTOGRAPHY_KEY, "MachineGuid"): " \r\n"},
        {(CRYPTOGRAPHY_KEY, "MachineGuid"): 42},  # REG_DWORD: garbage
        {(CRYPTOGRAPHY_KEY, "MachineGuid"): GUID.encode()},  # REG_BINARY: garbage
    ],
)
def test_missing_or_unusable_machine_guid_falls_back_to_py_machineid(
    values: dict[tuple[str, str], object],
) -> None:
    fallback = FakeFallback(SMBIOS_UUID)
    source = WindowsMachineIdSource(read_registry=FakeRegistry(values), fallback=fallback)
    assert source.read() == SMBIOS_UUID
    assert fallback.calls == 1


def test_no_machine_guid_and_no_fallback_id_means_none() -> None:
    source = WindowsMachineIdSource(read_registry=FakeRegistry({}), fallback=FakeFallback(None))
    assert source.read() is None


def test_registry_errors_other_than_missing_also_fall_back() -> None:
    def denied(key: str, value_name: str) -> object:
        raise PermissionError(13, "Access is denied")

    source = WindowsMachineIdSource(read_registry=denied, fallback=FakeFallback(SMBIOS_UUID))
    assert source.read() == SMBIOS_UUID


@pytest.mark.skipif(sys.platform == "win32", reason="checks the behaviour away from Windows")
def test_the_real_registry_reader_raises_os_error_away_from_windows() -> None:
    with pytest.raises(OSError, match="no Windows registry"):
        read_hklm(CRYPTOGRAPHY_KEY, "MachineGuid")
    assert WindowsMachineIdSource(fallback=FakeFallback(None)).read() is None
