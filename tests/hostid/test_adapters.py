"""The MAC source: fake interface tables, and a fake Linux sysfs tree under tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from license_guard.hostid import MacAddressSource
from license_guard.hostid.adapters import ethtool_permanent_address, link_addresses

from .contract import IdentitySourceContract

ETH = "00:1b:21:3a:4b:5c"  # built-in Ethernet
WLAN = "3c:a9:f4:12:34:56"  # built-in Wi-Fi
DONGLE = "00:0e:c6:01:02:03"  # a USB Ethernet dongle: the lowest address of the three
RANDOM_WLAN = "f2:96:20:c7:65:76"  # the Wi-Fi's current address, randomised by NetworkManager


def no_permanent_address(name: str) -> str | None:
    """Hardware whose driver reports no address of its own (all zero)."""
    return None


def burnt_in(**addresses: str) -> Callable[[str], str | None]:
    """Other hardware's permanent addresses, as ``ethtool -P`` would report them."""
    return addresses.get


class FakeSysfs:
    """A /sys/class/net tree: one folder per adapter, ``device`` linked into a devices tree."""

    def __init__(self, root: Path) -> None:
        self.net = root / "class" / "net"
        self.devices = root / "devices"
        self.net.mkdir(parents=True)

    def add(self, name: str, *, bus: str | None = "pci", assign_type: str = "0") -> None:
        folder = self.net / name
        folder.mkdir()
        (folder / "addr_assign_type").write_text(assign_type + "\n", encoding="ascii")
        if bus is not None:
            usb = "usb2/2-1/2-1:1.0" if bus == "usb" else "0000:00:1f.6"
            device = self.devices / "pci0000:00" / "0000:00:14.0" / usb / name
            device.mkdir(parents=True)
            (folder / "device").symlink_to(device)


@pytest.fixture
def sysfs(tmp_path: Path) -> FakeSysfs:
    tree = FakeSysfs(tmp_path / "sys")
    tree.add("lo", bus=None)
    tree.add("eth0")
    tree.add("wlan0")
    return tree


def table(**adapters: str) -> dict[str, str]:
    return {name.replace("_", "-"): address for name, address in adapters.items()}


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self, sysfs: FakeSysfs) -> MacAddressSource:
        return MacAddressSource(interfaces=lambda: table(eth0=ETH, wlan0=WLAN), sysfs=sysfs.net)


def test_lowest_eligible_address_wins_whatever_the_listing_order() -> None:
    adapters = {"en0": WLAN, "en1": ETH, "en2": "a4:83:e7:00:00:01"}
    forward = MacAddressSource(interfaces=lambda: adapters)
    backward = MacAddressSource(interfaces=lambda: dict(reversed(adapters.items())))
    assert forward.read() == backward.read() == ETH


def test_addresses_are_normalised_to_lowercase_colon_form() -> None:
    source = MacAddressSource(interfaces=lambda: {"Ethernet": "00-1B-21-3A-4B-5C"})
    assert source.read() == ETH


@pytest.mark.parametrize(
    "name",
    [
        "lo", "lo0", "docker0", "br-3f2a1b", "veth12ab", "virbr0", "vmnet8", "vboxnet0",
        "tun0", "tap0", "wg0", "utun3", "tailscale0", "zt5u4y", "ppp0", "awdl0", "llw0",
        "bridge0", "lxcbr0", "lxdbr0", "cni0", "flannel.1", "cali12ab", "gif0", "stf0", "anpi0",
        "vEthernet (WSL)", "vEthernet (Default Switch)", "VirtualBox Host-Only Network",
        "VMware Network Adapter VMnet1", "Bluetooth Network Connection",
        "Loopback Pseudo-Interface 1", "TAP-Windows Adapter V9", "OpenVPN Wintun",
        "Hyper-V Virtual Ethernet Adapter", "NordVPN", "ZeroTier One", "WireGuard Tunnel",
    ],
)  # fmt: skip
def test_virtual_adapters_are_skipped_by_name(name: str) -> None:
    # A universally administered address, so only the name can rule the adapter out.
    source = MacAddressSource(interfaces=lambda: {name: "00:00:5e:00:53:01", "en0": WLAN})
    assert source.read() == WLAN


@pytest.mark.parametrize(
    "address",
    [
        "02:42:ac:11:00:02",  # locally administered (Docker's range)
        "f2:96:20:c7:65:76",  # locally administered (randomised Wi-Fi)
        "01:00:5e:00:00:fb",  # multicast
        "00:00:00:00:00:00",  # all zero
        "ff:ff:ff:ff:ff:ff",  # broadcast
        "00:1b:21:3a:4b",  # too short
        "00:1b:21:3a:4b:5c:6d:7e",  # EUI-64, not a MAC-48
        "zz:1b:21:3a:4b:5c",
        "",
    ],
)
def test_randomised_multicast_zero_and_malformed_addresses_are_skipped(address: str) -> None:
    assert MacAddressSource(interfaces=lambda: {"eth0": address}).read() is None


def test_physical_names_are_not_mistaken_for_virtual_ones() -> None:
    for name in ("eth0", "enp3s0", "wlp2s0", "en0", "Ethernet", "Wi-Fi", "Ethernet 2", "em1"):
        assert MacAddressSource(interfaces=lambda name=name: {name: ETH}).read() == ETH


def test_no_adapters_means_none() -> None:
    assert MacAddressSource(interfaces=dict).read() is None


def test_sysfs_rules_out_adapters_without_a_device(sysfs: FakeSysfs) -> None:
    sysfs.add("enx_virtual", bus=None)  # a virtual adapter with an innocent name
    source = MacAddressSource(interfaces=lambda: {"enx_virtual": DONGLE}, sysfs=sysfs.net)
    assert source.read() is None


@pytest.mark.parametrize("assign_type", ["1", "2", "3", "", "garbage"])
def test_sysfs_rules_out_addresses_that_are_not_permanent(
    sysfs: FakeSysfs, assign_type: str
) -> None:
    # 1 random, 2 stolen (bonds, bridges), 3 set by userspace (NetworkManager MAC cloning).
    # Without a permanent address of its own, such an adapter is ruled out.
    sysfs.add("eth1", assign_type=assign_type)
    source = MacAddressSource(
        interfaces=lambda: {"eth1": DONGLE, "eth0": ETH},
        sysfs=sysfs.net,
        permanent_address=no_permanent_address,
    )
    assert source.read() == ETH


@pytest.mark.parametrize("assign_type", ["1", "3"])
def test_a_randomised_address_counts_as_the_adapter_s_permanent_one(
    sysfs: FakeSysfs, assign_type: str
) -> None:
    # NetworkManager's random Wi-Fi address (type 3): the burnt-in address is the stable one.
    (sysfs.net / "wlan0" / "addr_assign_type").write_text(assign_type + "\n", encoding="ascii")
    source = MacAddressSource(
        interfaces=lambda: {"wlan0": RANDOM_WLAN},
        sysfs=sysfs.net,
        permanent_address=burnt_in(wlan0=WLAN),
    )
    assert source.read() == WLAN


def test_switching_wi_fi_randomisation_on_does_not_change_the_choice(sysfs: FakeSysfs) -> None:
    # A laptop whose only adapter is Wi-Fi: randomisation turned on after activation.
    before = MacAddressSource(interfaces=lambda: {"wlan0": WLAN}, sysfs=sysfs.net)
    assert before.read() == WLAN
    (sysfs.net / "wlan0" / "addr_assign_type").write_text("3\n", encoding="ascii")
    after = MacAddressSource(
        interfaces=lambda: {"wlan0": RANDOM_WLAN},
        sysfs=sysfs.net,
        permanent_address=burnt_in(wlan0=WLAN),
    )
    assert after.read() == WLAN


def test_a_permanent_address_that_is_not_universal_is_still_ruled_out(sysfs: FakeSysfs) -> None:
    (sysfs.net / "wlan0" / "addr_assign_type").write_text("3\n", encoding="ascii")
    source = MacAddressSource(
        interfaces=lambda: {"wlan0": RANDOM_WLAN, "eth0": ETH},
        sysfs=sysfs.net,
        permanent_address=burnt_in(wlan0="02:00:00:00:00:01"),
    )
    assert source.read() == ETH


def test_unreadable_assign_type_asks_for_the_permanent_address(sysfs: FakeSysfs) -> None:
    (sysfs.net / "eth0" / "addr_assign_type").unlink()
    ruled_out = MacAddressSource(
        interfaces=lambda: {"eth0": ETH, "wlan0": WLAN},
        sysfs=sysfs.net,
        permanent_address=no_permanent_address,
    )
    assert ruled_out.read() == WLAN
    asked = MacAddressSource(
        interfaces=lambda: {"eth0": ETH, "wlan0": WLAN},
        sysfs=sysfs.net,
        permanent_address=burnt_in(eth0=ETH),
    )
    assert asked.read() == ETH


def test_without_sysfs_usb_and_generically_named_vpn_adapters_are_not_told_apart() -> None:
    # Windows and macOS: the name and the address bits are all there is, as the module's
    # docstring and docs/host-id.md say. A dongle (macOS "en7") or a VPN adapter renamed
    # "Ethernet 3" with a lower address wins, and the host ID changes when it goes away.
    assert MacAddressSource(interfaces=lambda: {"en0": WLAN, "en7": DONGLE}).read() == DONGLE
    vpn = {"Ethernet": ETH, "Ethernet 3": "00:00:5e:00:53:01"}
    assert MacAddressSource(interfaces=lambda: vpn).read() == "00:00:5e:00:53:01"


def test_built_in_adapters_beat_usb_ones(sysfs: FakeSysfs) -> None:
    sysfs.add("enx000ec6010203", bus="usb")
    alone = MacAddressSource(interfaces=lambda: {"enx000ec6010203": DONGLE}, sysfs=sysfs.net)
    assert alone.read() == DONGLE
    both = table(eth0=ETH, enx000ec6010203=DONGLE)
    assert MacAddressSource(interfaces=lambda: both, sysfs=sysfs.net).read() == ETH


def test_adapters_without_a_sysfs_folder_are_judged_by_name_and_address(sysfs: FakeSysfs) -> None:
    source = MacAddressSource(interfaces=lambda: {"en9": ETH}, sysfs=sysfs.net)
    assert source.read() == ETH


def test_adapters_coming_and_going_do_not_change_the_choice(sysfs: FakeSysfs) -> None:
    base = table(lo="00:00:00:00:00:00", eth0=ETH, wlan0=WLAN)
    expected = MacAddressSource(interfaces=lambda: base, sysfs=sysfs.net).read()
    assert expected == ETH
    sysfs.add("docker0", bus=None, assign_type="3")
    sysfs.add("br-3f2a1b", bus=None, assign_type="3")
    sysfs.add("veth1a2b", bus=None, assign_type="1")
    sysfs.add("tun0", bus=None)
    sysfs.add("wg0", bus=None)
    sysfs.add("virbr0", bus=None, assign_type="3")
    sysfs.add("enx000ec6010203", bus="usb")  # the USB dongle
    sysfs.add("usb0", bus="usb")  # phone tethering
    changes = [
        {**base, "docker0": "02:42:8c:1d:2e:3f"},
        {**base, "br-3f2a1b": "02:42:00:00:00:01", "veth1a2b": "aa:bb:cc:00:00:01"},
        {**base, "tun0": ""},
        {**base, "wg0": "00:00:00:00:00:00"},
        {**base, "virbr0": "52:54:00:12:34:56"},
        {**base, "enx000ec6010203": DONGLE},
        {**base, "usb0": "00:00:5e:00:53:ff"},
        {**base, "wlan0": "f2:96:20:c7:65:76"},  # Wi-Fi with a randomised address
        {name: address for name, address in base.items() if name != "wlan0"},  # Wi-Fi gone
    ]
    for adapters in changes:
        source = MacAddressSource(interfaces=lambda adapters=adapters: adapters, sysfs=sysfs.net)
        assert source.read() == expected, adapters


def test_real_psutil_table_lists_this_machine_s_loopback() -> None:
    addresses = link_addresses()
    assert all(isinstance(name, str) and isinstance(mac, str) for name, mac in addresses.items())
    loopback = [name for name in addresses if name.lower().startswith("lo")]
    assert loopback, addresses


@pytest.mark.skipif(not Path("/sys/class/net").is_dir(), reason="needs Linux sysfs")
def test_real_ethtool_permanent_addresses_of_this_machine() -> None:
    # Every adapter here answers with an address or None; none raises. Loopback has none.
    for name in sorted(p.name for p in Path("/sys/class/net").iterdir()):
        address = ethtool_permanent_address(name)
        assert address is None or len(bytes.fromhex(address.replace(":", ""))) >= 6, name
    assert ethtool_permanent_address("lo") is None
    assert ethtool_permanent_address("no-such-nic0") is None
