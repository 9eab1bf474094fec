"""What to tell the person in front of the app, for every license state and every LicenseError.

The errors' own messages are precise and written for support staff and logs ("activated on 3 of
3 computers", "the clock says 2029-12-01"); an app's window wants a short title and a sentence or
two that say what to do. This module maps both to a :class:`UserMessage`. It imports no GUI
toolkit, so the Qt dialog, a command line or another toolkit can all show the same words.

The table is data: one entry per class of :mod:`license_guard.errors` (a test checks none is
missing). A subclass without an entry of its own gets its nearest ancestor's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from license_guard._record import Record
from license_guard.errors import (
    AccessTokenError,
    ActivationLimitError,
    ClockRollbackError,
    ConfigurationError,
    CustomerExistsError,
    CustomerInactiveError,
    CustomerNotFoundError,
    DeviceDeactivatedError,
    FeatureNotLicensedError,
    FloatingSeatsTakenError,
    GracePeriodExpiredError,
    HostIdError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LeaseError,
    LeaseMismatchError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    NotActivatedError,
    OfflineLicenseError,
    OfflineLicenseMachineError,
    OfflineLicenseProductError,
    ProductNotFoundError,
    RateLimitedError,
    SeatLostError,
    StorageError,
)
from license_guard.status import LicenseState, LicenseStatus

__all__ = [
    "ERROR_MESSAGES",
    "KEY_CASE_HINT",
    "STATE_TITLES",
    "UserMessage",
    "describe",
    "describe_status",
    "format_time",
    "human",
    "licensee",
    "seats",
    "status_rows",
]


class UserMessage(Record):
    """Words for a window or a terminal.

    Attributes:
        title: a headline of a few words ("Activation limit reached").
        text: what happened and what to do, in full sentences.
        detail: the library's own precise message, for a "details" line and for support; empty
            when it would only repeat ``text``.
    """

    title: str
    text: str
    detail: str = ""
    # A Record, not a dataclass: the policy writes durations with human() on the start path,
    # where importing dataclasses would cost the start (license_guard._record says how much).


STATE_TITLES: Mapping[LicenseState, str] = {
    LicenseState.NOT_ACTIVATED: "Not activated",
    LicenseState.ACTIVE: "Activated",
    LicenseState.GRACE: "Working offline",
    LicenseState.GRACE_EXPIRED: "Offline for too long",
    LicenseState.EXPIRED: "License expired",
    LicenseState.DENIED: "License refused",
    LicenseState.CLOCK_ROLLBACK: "Check the computer's clock",
    LicenseState.UNTRUSTED: "License file not usable",
}

_SUPPORT = "Please contact the vendor's support."
_SETUP = (
    "The app could not use its licensing service because of a setup problem on the vendor's side, "
    f"not yours. Updating the app may help. {_SUPPORT}"
)

# (title, text). Texts may name facts in braces, filled by _facts(): expired_on, feature,
# grace_until, highest_seen, now, path, retry_in. A fact that is not known reads sensibly too.
ERROR_MESSAGES: Mapping[type[LicenseError], tuple[str, str]] = {
    LicenseError: ("Licensing problem", f"Something went wrong with the license. {_SUPPORT}"),
    ConfigurationError: ("Licensing is not set up correctly", _SETUP),
    AccessTokenError: ("Licensing is not set up correctly", _SETUP),
    ProductNotFoundError: ("Licensing is not set up correctly", _SETUP),
    # Vendor-side (license-guard admin) outcomes; an app never meets them, but a tool may.
    CustomerNotFoundError: (
        "Customer not found",
        "No customer has that id for this product. Check the id, or create the key for a new "
        "customer instead.",
    ),
    CustomerExistsError: (
        "Customer already exists",
        "A customer with that e-mail address already exists. Create the key for that customer "
        "by id instead.",
    ),
    NotActivatedError: (
        "Not activated",
        "This computer is not activated yet. Enter your license key to activate it.",
    ),
    LicenseDeniedError: (
        "License refused",
        f"The licensing server refused this license. {_SUPPORT}",
    ),
    InvalidLicenseKeyError: (
        "License key not recognised",
        "Check the key for typos (it looks like XXXXX-XXXXX-XXXXX-XXXXX) and try again.{case_hint}",
    ),
    LicenseExpiredError: (
        "License expired",
        "This license expired{expired_on}. Renew it to keep using the licensed features.",
    ),
    LicenseBlockedError: (
        "License key blocked",
        f"The vendor has blocked this license key. {_SUPPORT}",
    ),
    ActivationLimitError: (
        "Activation limit reached",
        "This license is already activated on as many computers as it allows. Deactivate it on "
        "a computer you no longer use, or ask the vendor's support to free a seat.",
    ),
    CustomerInactiveError: (
        "Account inactive",
        f"The customer account that owns this license is inactive. {_SUPPORT}",
    ),
    DeviceDeactivatedError: (
        "This computer was deactivated",
        "This computer's activation was removed (from another computer or by support). Enter "
        "your license key to activate it again.",
    ),
    LicenseUnreachableError: (
        "Cannot reach the licensing server",
        "Check the internet connection and try again. Nothing was changed.",
    ),
    RateLimitedError: (
        "Licensing server busy",
        "The licensing server asked this computer to slow down. Try again {retry_in}. Nothing "
        "was changed.",
    ),
    InvalidResponseError: (
        "Unexpected answer from the network",
        "Something other than the licensing server answered: often a hotel or airport Wi-Fi "
        "sign-in page, or a proxy. Sign in to the network or check the proxy settings, then "
        "try again.",
    ),
    LeaseError: (
        "License data could not be trusted",
        "The license saved on this computer was damaged or copied from elsewhere, and was set "
        "aside. Enter your license key to activate again; if it was this computer's own "
        "license, this does not take another seat.",
    ),
    LeaseMismatchError: (
        "License not accepted here",
        "The license saved on this computer is genuine but does not fit this app's settings: "
        "it came from another licensing server, or from a license file this app does not "
        f"accept. It was left in place. {_SUPPORT}",
    ),
    GracePeriodExpiredError: (
        "Offline for too long",
        "The licensing server has not been reached for too long: the offline period "
        "ended{grace_until}. Connect to the internet and check the license again.",
    ),
    ClockRollbackError: (
        "Check the computer's clock",
        "The computer's date and time ({now}) are earlier than a time this app has already "
        "seen ({highest_seen}). Set the correct date and time, or connect to the internet so "
        "the license can be checked.",
    ),
    FloatingSeatsTakenError: (
        "All seats in use",
        "Every seat of this license is in use on other computers right now. Close the app on "
        "one of them, or try again in a few minutes.",
    ),
    SeatLostError: (
        "Seat lost",
        "This computer lost its seat of the license (it could not reach the licensing server "
        "in time). Start the app again to take a seat.",
    ),
    OfflineLicenseError: (
        "License file not accepted",
        "The offline license file is damaged or was not issued by the vendor. Ask the vendor "
        f"for a new license file. {_SUPPORT}",
    ),
    OfflineLicenseMachineError: (
        "License file for another computer",
        "This offline license file was made for another computer. Ask the vendor for a license "
        "file for this computer, giving them its host ID.",
    ),
    OfflineLicenseProductError: (
        "License file for another product",
        "This offline license file is for another product. Ask the vendor for a license file "
        "for this app.",
    ),
    FeatureNotLicensedError: (
        "Not included in your license",
        "Your license does not include {feature}. Upgrade the license to use it.",
    ),
    StorageError: (
        "Cannot save the license",
        "The license file could not be written or read{path}. The disk may be full or the "
        "folder read-only: free some space or fix its permissions, then try again.",
    ),
    HostIdError: (
        "Cannot identify this computer",
        "The app could not find or create a stable ID for this computer. Make sure the app's "
        f"data folder can be written to. {_SUPPORT}",
    ),
}

#: Added to an unrecognised key that has lower-case letters: the server compares keys exactly.
KEY_CASE_HINT = (
    "License keys are case-sensitive and this one has lower-case letters: type it exactly as you "
    "received it."
)

_GRACE_LEFT = (
    "You can keep working offline for {grace_left} (until {grace_until}); connect to the "
    "internet before then."
)


def describe(error: LicenseError, status: LicenseStatus | None = None) -> UserMessage:
    """The words for *error*. With *status* (the guard's status after the failure), an
    unreachable server also says how long the app keeps working offline.
    """
    title, text = _entry(type(error))
    facts = _facts(error)
    text = text.format_map(facts)
    if isinstance(error, LicenseUnreachableError) and status is not None:
        left = status.grace_left
        if status.is_licensed and left and status.grace_until is not None:
            offline = _GRACE_LEFT.format(
                grace_left=human(left), grace_until=format_time(status.grace_until)
            )
            text = f"{text.removesuffix(' Nothing was changed.')} {offline}"
    detail = str(error)
    return UserMessage(title=title, text=text, detail="" if detail == text else detail)


def describe_status(status: LicenseStatus) -> UserMessage:
    """The words for where the license stands: the state's title and its detail sentence."""
    return UserMessage(title=STATE_TITLES[status.state], text=status.detail)


def human(delta: timedelta) -> str:
    """A duration as a person says it, in its two largest units, rounded down so it never
    promises too much: "6 days 23 hours", "1 day", "3 hours 5 minutes", "less than a minute"."""
    seconds = max(0, int(delta.total_seconds()))
    units = (("day", 86400), ("hour", 3600), ("minute", 60))
    for index, (unit, size) in enumerate(units):
        count, rest = divmod(seconds, size)
        if count:
            text = _count(count, unit)
            if index + 1 < len(units):
                next_unit, next_size = units[index + 1]
                if rest // next_size:
                    text += " " + _count(rest // next_size, next_unit)
            return text
    return "less than a minute"


def _count(count: int, unit: str) -> str:
    return f"{count} {unit}{'s' if count != 1 else ''}"


def format_time(value: datetime) -> str:
    """A time as the library shows it everywhere: ``2030-01-15 09:00 UTC``."""
    return f"{value:%Y-%m-%d %H:%M} UTC"


def status_rows(status: LicenseStatus) -> list[tuple[str, str]]:
    """The facts of *status* as ``(label, value)`` rows for a terminal, empty ones left out.

    The offline grace and the next check are shown only while the license is usable: for a
    refused or expired license they would promise a future that will not come.
    """
    state = f"{status.state.value} - {status.detail}"
    if status.state is LicenseState.NOT_ACTIVATED:
        return [("License", state), ("Host ID", status.host_id)]
    usable = status.is_licensed

    def when(value: datetime | None) -> str | None:
        return format_time(value) if value is not None else None

    rows: list[tuple[str, str | None]] = [
        ("License", state),
        ("Licensee", licensee(status)),
        ("Key", status.key_hint),
        ("Device", status.device_tag),
        ("Host ID", status.host_id),
        ("Expires", when(status.expires_at) or "never"),
        ("Last check", when(status.verified_at)),
        ("Grace until", when(status.grace_until) if usable else None),
        ("Next check", when(status.next_check_at) if usable and not status.air_gapped else None),
        ("Features", ", ".join(sorted(status.features)) or None),
        ("Seats", seats(status) if usable else None),
    ]
    return [(label, value) for label, value in rows if value]


def licensee(status: LicenseStatus) -> str | None:
    """Who the license belongs to: ``Jane Doe <jane@example.com>``, or what is known of it."""
    if status.licensee_name and status.licensee_email:
        return f"{status.licensee_name} <{status.licensee_email}>"
    return status.licensee


def seats(status: LicenseStatus) -> str | None:
    """The floating seat this app holds, for a floating license: "2 of 5 in use, seat held
    until 2030-01-15 09:00 UTC" (what the server said of the seats when this one was taken);
    ``None`` when the app holds no seat."""
    seat = status.seat
    if seat is None:
        return None
    held = f"seat held until {format_time(seat.held_until)}"
    if seat.in_use is not None and seat.total is not None:
        return f"{seat.in_use} of {seat.total} in use, {held}"
    if seat.total is not None:
        return f"{_count(seat.total, 'seat')} in all, {held}"
    if seat.in_use is not None:
        return f"{seat.in_use} in use, {held}"
    return held[0].upper() + held[1:]


def _entry(error_class: type[LicenseError]) -> tuple[str, str]:
    for cls in error_class.__mro__:
        if cls in ERROR_MESSAGES:
            return ERROR_MESSAGES[cls]
    return ERROR_MESSAGES[LicenseError]


def _facts(error: LicenseError) -> dict[str, str]:
    """The facts the texts may name, from the error's attributes, each with a fallback."""
    retry_after = getattr(error, "retry_after", None)
    path = getattr(error, "path", None)
    feature = getattr(error, "feature", None)
    return {
        "expired_on": _on(getattr(error, "expired_at", None)),
        "grace_until": _on(getattr(error, "grace_until", None)),
        "now": _when(getattr(error, "now", None)) or "now",
        "highest_seen": _when(getattr(error, "highest_seen", None)) or "a later date",
        "feature": f"“{feature}”" if feature else "this feature",
        "retry_in": f"in {human(timedelta(seconds=retry_after))}" if retry_after else "later",
        "path": f" ({path})" if path else "",
        "case_hint": f" {KEY_CASE_HINT}" if getattr(error, "lower_case", False) else "",
    }


def _on(value: datetime | None) -> str:
    return f" on {format_time(value)}" if value is not None else ""


def _when(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None
