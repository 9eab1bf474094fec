"""How ``license-guard admin`` shows a key to support staff: a summary and a table of devices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from license_guard._console import format_when
from license_guard.backends.keymint.answers import Customer, Device, KeyDetails, License

__all__ = [
    "HOST_ID_SHOWN",
    "customer_line",
    "details_text",
    "seats_line",
    "short_host_id",
    "when",
]

#: Host IDs longer than this are shortened in tables; free-device accepts such a prefix back.
HOST_ID_SHOWN = 12


def when(value: datetime | None) -> str:
    """``2030-01-15 09:00 UTC`` as the rest of the CLI writes times, or ``-``."""
    return format_when(value) or "-"


def short_host_id(host_id: str) -> str:
    """The first :data:`HOST_ID_SHOWN` characters and ``…`` for a long host ID."""
    return host_id if len(host_id) <= HOST_ID_SHOWN + 4 else host_id[:HOST_ID_SHOWN] + "…"


def customer_line(customer: Customer | None) -> str:
    """``Jane Doe <jane@example.com>  cust_…  active``, or ``none``."""
    if customer is None:
        return "none"
    who = customer.name or "(no name)"
    if customer.email:
        who += f" <{customer.email}>"
    return f"{who}  {customer.id}  {'active' if customer.active else 'INACTIVE'}"


def seats_line(license_: License) -> str:
    """``2 of 5 taken`` or ``2 taken (unlimited)``."""
    if license_.usage_limit is None:
        return f"{license_.activations} taken (unlimited)"
    return f"{license_.activations} of {license_.usage_limit} taken"


def details_text(details: KeyDetails) -> str:
    """The summary of a key and the table of its devices, as ``show-key`` prints them."""
    license_ = details.license
    rows = [
        ("Key", f"{license_.key_hint}  ({license_.id})"),
        ("Product", license_.product_id),
        ("Customer", customer_line(details.customer)),
        ("Seats", seats_line(license_)),
        ("Expires", when(license_.expires_at) if license_.expires_at else "never"),
    ]
    lines = [f"{label + ':':<10} {value}" for label, value in rows]
    if not license_.devices:
        lines.append(f"{'Devices:':<10} none")
    else:
        lines.append("Devices:")
        lines.extend("  " + line for line in _device_table(license_.devices))
    return "\n".join(lines)


def _device_table(devices: Sequence[Device]) -> list[str]:
    header = ("TAG", "HOST ID", "IP", "ACTIVATED")
    cells = [
        (
            device.device_tag or "-",
            short_host_id(device.host_id),
            device.ip_address or "-",
            when(device.activation_time),
        )
        for device in devices
    ]
    widths = [max(len(row[column]) for row in [header, *cells]) for column in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in [header, *cells]
    ]
