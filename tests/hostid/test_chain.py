"""The standard chain: which sources, in which order, and how they fall through."""

from __future__ import annotations

from pathlib import Path

import pytest

from license_guard.errors import ConfigurationError
from license_guard.hostid import (
    DEVICE_ID_ENV_VAR,
    IdentitySource,
    InstallIdSource,
    LinuxMachineIdSource,
    MacAddressSource,
    MacOSMachineIdSource,
    OverrideSource,
    PyMachineIdSource,
    WindowsMachineIdSource,
    default_sources,
    resolve_host_identity,
    salted_host_id,
)

APP = "com.example.app"
MACHINE_ID = "3d1219c7c4c5404aaa1f6d2a48adfda4"
ETH = "00:1b:21:3a:4b:5c"
WLAN = "3c:a9:f4:12:34:56"


@pytest.mark.parametrize(
    ("platform", "machine_id_type"),
    [
        ("linux", LinuxMachineIdSource),
        ("win32", WindowsMachineIdSource),
        ("darwin", MacOSMachineIdSource),
        ("freebsd14", PyMachineIdSource),
        ("openbsd7", PyMachineIdSource),
        ("cygwin", PyMachineIdSource),
    ],
)
def test_default_chain_for_each_platform(
    tmp_path: Path, platform: str, machine_id_type: type[IdentitySource]
) -> None:
    path = tmp_path / "install-id"
    sources = default_sources(install_id_path=path, platform=platform, environ={})
    assert [source.name for source in sources] == ["override", "machine-id", "mac", "install-id"]
    assert [type(source) for source in sources] == [
        OverrideSource,
        machine_id_type,
        MacAddressSource,
        InstallIdSource,
    ]
    mac = sources[2]
    assert isinstance(mac, MacAddressSource)
    assert mac.sysfs == (Path("/sys/class/net") if platform == "linux" else None)
    install = sources[3]
    assert isinstance(install, InstallIdSource)
    assert install.path == path
    assert not path.exists()  # building the chain reads and writes nothing


def test_default_chain_refuses_an_empty_override(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        default_sources(install_id_path=tmp_path / "install-id", override=" ", environ={})


def test_default_chain_honours_the_override_argument_and_variable(tmp_path: Path) -> None:
    path = tmp_path / "install-id"
    by_argument = default_sources(install_id_path=path, override="device-42", environ={})
    assert resolve_host_identity(APP, by_argument).raw_id == "device-42"
    by_variable = default_sources(install_id_path=path, environ={DEVICE_ID_ENV_VAR: "device-43"})
    identity = resolve_host_identity(APP, by_variable)
    assert (identity.source, identity.raw_id) == ("override", "device-43")


class Interfaces:
    """A fake psutil table that counts how often it was consulted."""

    def __init__(self, adapters: dict[str, str]) -> None:
        self.adapters = adapters
        self.calls = 0

    def __call__(self) -> dict[str, str]:
        self.calls += 1
        return self.adapters


def chain(
    root: Path, adapters: Interfaces, environ: dict[str, str] | None = None
) -> list[IdentitySource]:
    """The default chain's order, with every input faked under *root*."""
    return [
        OverrideSource(environ=environ or {}),
        LinuxMachineIdSource(root=root),
        MacAddressSource(interfaces=adapters),
        InstallIdSource(root / "data" / "install-id"),
    ]


def write_machine_id(root: Path) -> None:
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "machine-id").write_text(MACHINE_ID + "\n", encoding="ascii")


def test_override_beats_machine_id_beats_mac_beats_install_id(tmp_path: Path) -> None:
    write_machine_id(tmp_path)
    adapters = Interfaces({"en0": ETH})
    environ = {DEVICE_ID_ENV_VAR: "container-7f3a9c"}

    overridden = resolve_host_identity(APP, chain(tmp_path, adapters, environ))
    assert (overridden.source, overridden.raw_id) == ("override", "container-7f3a9c")

    machine = resolve_host_identity(APP, chain(tmp_path, adapters))
    assert (machine.source, machine.raw_id) == ("machine-id", MACHINE_ID)

    (tmp_path / "etc" / "machine-id").unlink()
    by_mac = resolve_host_identity(APP, chain(tmp_path, adapters))
    assert (by_mac.source, by_mac.raw_id) == ("mac", ETH)

    adapters.adapters = {"lo": "00:00:00:00:00:00", "docker0": "02:42:8c:1d:2e:3f"}
    installed = resolve_host_identity(APP, chain(tmp_path, adapters))
    assert installed.source == "install-id"
    assert installed.raw_id == (tmp_path / "data" / "install-id").read_text(encoding="ascii")
    assert len({overridden.host_id, machine.host_id, by_mac.host_id, installed.host_id}) == 4


def test_an_override_is_still_salted(tmp_path: Path) -> None:
    environ = {DEVICE_ID_ENV_VAR: "container-7f3a9c"}
    identity = resolve_host_identity(APP, chain(tmp_path, Interfaces({}), environ))
    assert identity.host_id != identity.raw_id
    assert identity.host_id == salted_host_id("container-7f3a9c", APP)
    assert "container-7f3a9c" not in repr(identity)


def test_with_a_machine_id_network_changes_never_matter(tmp_path: Path) -> None:
    write_machine_id(tmp_path)
    tables = [
        {},
        {"eth0": ETH},
        {"eth0": ETH, "wlan0": WLAN},
        {"wlan0": WLAN},  # Ethernet unplugged
        {"eth0": ETH, "docker0": "02:42:8c:1d:2e:3f", "tun0": "", "wg0": ""},
        {"enx000ec6010203": "00:0e:c6:01:02:03"},  # only a USB dongle
    ]
    identities = set()
    for table in tables:
        adapters = Interfaces(table)
        identities.add(resolve_host_identity(APP, chain(tmp_path, adapters)))
        assert adapters.calls == 0  # psutil would not even be imported
    assert len(identities) == 1
    assert identities.pop().host_id == salted_host_id(MACHINE_ID, APP)
