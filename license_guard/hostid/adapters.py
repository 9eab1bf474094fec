"""The permanent MAC address of a physical network adapter: for systems with no machine ID.

Virtual adapters (loopback, containers, bridges, VPNs, hypervisors) come and go and often carry
random addresses, so they are skipped, as are locally administered (randomised), multicast and
all-zero addresses. Among what is left the lowest address wins, so the choice does not depend on
the order the OS lists adapters in.

On Linux the kernel's own facts decide: ``/sys/class/net/<if>/device`` exists only for hardware,
built-in adapters beat USB ones (a dongle being plugged in changes nothing), and an adapter whose
current address is not its own (``addr_assign_type`` other than 0: NetworkManager's random Wi-Fi
address, MAC cloning) counts with its permanent address, asked of the driver (ethtool's
``ETHTOOL_GPERMADDR``).

Elsewhere (Windows, macOS, the BSDs) only the adapter's name and the address bits decide. A USB
adapter counts as built in, and a VPN or virtual adapter whose name gives no hint ("Ethernet 3")
counts as physical: when its address is the lowest, the host ID changes when it is unplugged or
uninstalled. Those systems nearly always have a machine ID, so this fallback rarely runs there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from license_guard.hostid.api import IdentitySource

__all__ = ["MacAddressSource", "ethtool_permanent_address", "link_addresses"]

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
# linux/sockios.h and linux/ethtool.h: the ethtool ioctl, and its "permanent address" command.
_SIOCETHTOOL = 0x8946
_ETHTOOL_GPERMADDR = 0x20
_MAX_ADDR_LEN = 32


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


def ethtool_permanent_address(name: str) -> str | None:
    """The address burnt into Linux adapter *name*, e.g. ``"3c:a9:f4:12:34:56"``, as
    ``ethtool -P`` shows it (no privileges needed); ``None`` when the driver reports none (all
    zero, as virtual adapters do), the adapter does not exist or the call fails.
    """
    import array
    import fcntl
    import socket
    import struct

    request = array.array("B", struct.pack("II", _ETHTOOL_GPERMADDR, _MAX_ADDR_LEN))
    request.extend(bytes(_MAX_ADDR_LEN))
    pointer, _ = request.buffer_info()
    ifreq = struct.pack("16sP", name.encode()[:15], pointer).ljust(40, b"\0")  # struct ifreq
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as channel:
            fcntl.ioctl(channel.fileno(), _SIOCETHTOOL, ifreq)
    except OSError:
        return None
    _, size = struct.unpack_from("II", request)
    address = bytes(request[8 : 8 + min(size, _MAX_ADDR_LEN)])
    return address.hex(":") if any(address) else None


class MacAddressSource(IdentitySource):
    """The lowest permanent MAC among physical adapters from *interfaces*.

    *interfaces* returns ``{name: hardware address}`` (default: psutil). *sysfs* is the Linux
    ``/sys/class/net`` folder whose facts decide what is physical, and *permanent_address*
    gives a Linux adapter's own address when its current one was set by software; with *sysfs*
    ``None`` (elsewhere) the adapter name and the address bits decide alone.
    """

    name = "mac"

    def __init__(
        self,
        *,
        interfaces: Callable[[], Mapping[str, str]] = link_addresses,
        sysfs: Path | None = None,
        permanent_address: Callable[[str], str | None] = ethtool_permanent_address,
    ) -> None:
        self._interfaces = interfaces
        self.sysfs = sysfs
        self._permanent_address = permanent_address

    def read(self) -> str | None:
        """The chosen address as lowercase ``"aa:bb:cc:dd:ee:ff"``; ``None`` if no adapter fits."""
        ranked = [rank for entry in self._interfaces().items() if (rank := self._rank(*entry))]
        return min(ranked)[1] if ranked else None

    def _rank(self, name: str, address: str) -> tuple[bool, str] | None:
        """``(on_usb, mac)`` for an eligible adapter, ``None`` for one to skip."""
        if re.match(_VIRTUAL_PREFIX, name) or re.search(_VIRTUAL_WORD, name):
            return None
        facts = self.sysfs / name if self.sysfs is not None else None
        if facts is None or not facts.is_dir():
            mac = _universal_mac(address)
            return (False, mac) if mac is not None else None
        device = facts / "device"
        if not device.exists():
            return None
        if _read_text(facts / "addr_assign_type") != _PERMANENT:
            # Randomised or set by software (1 random, 3 set, 2 stolen): the hardware's own
            # address is the stable one, if it has one.
            address = self._permanent_address(name) or ""
        mac = _universal_mac(address)
        if mac is None:
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
