"""The permanent MAC address of a physical network adapter: for systems with no machine ID.

Virtual adapters (loopback, containers, bridges, VPNs, hypervisors) come and go and often carry
random addresses, so they are skipped, as are locally administered (randomised), multicast and
all-zero addresses. On Linux the kernel's own facts decide: ``/sys/class/net/<if>/device`` exists
only for hardware, and ``addr_assign_type`` 0 means the address is the permanent one. Among what
is left, built-in adapters beat USB ones and the lowest address wins, so the choice does not
depend on the order the OS lists adapters in, nor on a USB dongle being plugged in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from license_guard.hostid.api import IdentitySource

__all__ = ["MacAddressSource", "link_addresses"]

# Patterns as text, compiled (and cached by re) on first use: most devices have a machine ID
# and never come here, and compiling these at import would cost every start.
# Interface names of virtual adapters on Linux, macOS and the BSDs (matched at the start).
_VIRTUAL_PREFIX = (
    r"(?i)lo\d*$|docker|br-|veth|virbr|vmnet|vmenet|vboxnet|tun|tap|wg|utun|tailscale|zt|ppp"
    r"|awdl|llw|bridge|lxc|lxd|cni|flannel|cali|anpi|gif|stf|ipsec|podman|ifb|dummy"
)
# Words in Windows adapter names that mark a virtual adapter ("vEthernet (WSL)", "TAP-Windows"),
# and "vpn" anywhere ("NordVPN", "OpenVPN Connect").
_VIRTUAL_WORD = (
    r"(?i)\b(vethernet|virtualbox|vmware|hyper-v|bluetooth|loopback|pseudo|tap|virtual|tunnel"
    r"|miniport|npcap|wintun|wireguard|tailscale|zerotier)\b|vpn"
)
_USB_DEVICE_PATH = r"/usb\d+/"
_PERMANENT = "0"  # addr_assign_type NET_ADDR_PERM


def link_addresses() -> dict[str, str]:
    """``{adapter name: hardware address}`` for every adapter psutil lists, up or down.

    psutil is imported here, on first use, and only when no machine ID was found.
    """
    import psutil  # type: ignore[import-untyped]  # psutil ships no type information

    return {
        str(name): str(address.address)
        for name, addresses in psutil.net_if_addrs().items()
        for address in addresses
        if address.family == psutil.AF_LINK
    }


class MacAddressSource(IdentitySource):
    """The lowest permanent MAC among physical adapters from *interfaces*.

    *interfaces* returns ``{name: hardware address}`` (default: psutil). *sysfs* is the Linux
    ``/sys/class/net`` folder whose facts decide what is physical; ``None`` elsewhere, where the
    adapter name and the address bits decide alone.
    """

    name = "mac"

    def __init__(
        self,
        *,
        interfaces: Callable[[], Mapping[str, str]] = link_addresses,
        sysfs: Path | None = None,
    ) -> None:
        self._interfaces = interfaces
        self.sysfs = sysfs

    def read(self) -> str | None:
        """The chosen address as lowercase ``"aa:bb:cc:dd:ee:ff"``; ``None`` if no adapter fits."""
        ranked = [rank for entry in self._interfaces().items() if (rank := self._rank(*entry))]
        return min(ranked)[1] if ranked else None

    def _rank(self, name: str, address: str) -> tuple[bool, str] | None:
        """``(on_usb, mac)`` for an eligible adapter, ``None`` for one to skip."""
        mac = _universal_mac(address)
        if mac is None or re.match(_VIRTUAL_PREFIX, name) or re.search(_VIRTUAL_WORD, name):
            return None
        facts = self.sysfs / name if self.sysfs is not None else None
        if facts is None or not facts.is_dir():
            return False, mac
        device = facts / "device"
        if not device.exists() or _read_text(facts / "addr_assign_type") != _PERMANENT:
            return None
        return re.search(_USB_DEVICE_PATH, os.path.realpath(device)) is not None, mac


def _universal_mac(address: str) -> str | None:
    """*address* as ``"aa:bb:…"`` if it is a globally unique unicast MAC-48, else ``None``."""
    try:
        octets = bytes.fromhex(address.replace(":", "").replace("-", ""))
    except ValueError:
        return None
    if len(octets) != 6 or octets[0] & 0x03 or not any(octets):
        return None  # 0x01 multicast, 0x02 locally administered (randomised), or all zero
    return octets.hex(":")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
