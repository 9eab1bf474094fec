"""The vendor relay's API as data: paths, request fields, signed claims and refusals.

Both sides read it from here: :mod:`.relay_client` (in the app, beside the backend) and
:mod:`license_guard.relay` (the vendor's service). The relay speaks for one vendor's Keymint
account; apps send it only what they know (product id, license key, host ID) and a fresh
random ``nonce``; it answers with a Keymint offline license (``.lic``) for that computer.

===========================  ========================================================
request                      answer (200)
===========================  ========================================================
``POST /v1/activate``        ``{"license": "<.lic>"}`` (a seat is taken)
``POST /v1/validate``        ``{"license": "<.lic>"}`` (the seat is checked)
``POST /v1/deactivate``      ``{"devicesRemoved": n}`` (the seat is freed)
``POST /v1/checkout``        ``{"license", "sessionId", "sessionSecret", "nextNonce",
                             "expiresAt", "heartbeatInterval", "maxSessions"}`` (a floating
                             seat)
``POST /v1/heartbeat``       ``{"license", "expiresAt", "nextNonce"}``
``POST /v1/checkin``         ``{"released": true}`` (false: the seat was gone already)
``GET /healthz``             ``{"status": "ok"}``
===========================  ========================================================

Every request body holds ``productId``, ``licenseKey``, ``hostId`` and ``nonce``; activate and
checkout may add ``deviceTag``; heartbeat and checkin add ``sessionId``, ``timestamp`` and
``signature`` (Keymint's floating-seat signature, made by the app with its session secret).

The ``.lic`` is the format of :mod:`.offline`. One the relay signs itself carries, besides the
standard claims, ``nonce`` (the request's, so an answer cannot be replayed for another request)
and the license's facts: ``licenseExpiresAt`` (Unix seconds or null), ``licenseeName``,
``licenseeEmail``, ``maxActivations``, ``activations`` and, for a floating seat, ``sessionId``
(and, at checkout, ``maxSessions``); a seat's file expires when the seat does.
Keymint's SDK ignores claims it does not know, so the file still verifies there. A file that
Keymint signed (``/key/sign``) has no ``nonce``: it is fresh when its ``iat`` is within
:data:`FRESHNESS` of the app's clock.

A refusal is Keymint's error shape plus a ``reason`` from :data:`REASONS`, so the app names the
same error a direct Keymint call would. A refusal is not signed: a forged "no" gains an
attacker nothing. A checkout refused because every seat is taken adds ``maxSessions``; a
heartbeat or check-in of a seat Keymint no longer holds (lapsed, checked in, a spent nonce or a
bad signature) is ``seat_lost``. Everything the relay could not get from Keymint is 503
``unreachable``, and apps fall back to their grace period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from license_guard.errors import (
    ActivationLimitError,
    ConfigurationError,
    CustomerInactiveError,
    DeviceDeactivatedError,
    FloatingSeatsTakenError,
    InvalidLicenseKeyError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    ProductNotFoundError,
    SeatLostError,
)

__all__ = [
    "ACTIVATE",
    "CHECKIN",
    "CHECKOUT",
    "DEACTIVATE",
    "FRESHNESS",
    "HEALTH",
    "HEARTBEAT",
    "NONCE_BYTES",
    "NONCE_PATTERN",
    "PATHS",
    "REASONS",
    "VALIDATE",
    "reason_for",
]

ACTIVATE = "/v1/activate"
VALIDATE = "/v1/validate"
DEACTIVATE = "/v1/deactivate"
CHECKOUT = "/v1/checkout"
HEARTBEAT = "/v1/heartbeat"
CHECKIN = "/v1/checkin"
HEALTH = "/healthz"

#: Every call the relay forwards; nothing else reaches Keymint through it.
PATHS = (ACTIVATE, VALIDATE, DEACTIVATE, CHECKOUT, HEARTBEAT, CHECKIN)

#: Random bytes in an app's nonce (sent as base64url without padding: 22 characters).
NONCE_BYTES = 16
#: What the relay accepts as a nonce: 16 to 128 base64url characters.
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")

#: How far a Keymint-signed answer's ``iat`` may be from the app's clock at the request.
FRESHNESS = timedelta(minutes=2)

#: reason -> (error class, HTTP status, Keymint code). Most specific first: the relay names
#: the first row whose class the error is an instance of.
REASONS: Mapping[str, tuple[type[LicenseError], int, int]] = {
    "invalid_key": (InvalidLicenseKeyError, 404, 1),
    "expired": (LicenseExpiredError, 403, 2),
    "blocked": (LicenseBlockedError, 403, 2),
    "seats_taken": (FloatingSeatsTakenError, 403, 2),
    "activation_limit": (ActivationLimitError, 403, 2),
    "customer_inactive": (CustomerInactiveError, 403, 2),
    "device_deactivated": (DeviceDeactivatedError, 403, 2),
    "seat_lost": (SeatLostError, 404, 1),
    "denied": (LicenseDeniedError, 403, 2),
    "product_not_found": (ProductNotFoundError, 404, 1),
    "bad_request": (ConfigurationError, 400, 1),
    "unreachable": (LicenseUnreachableError, 503, -1),
}


def reason_for(error: LicenseError) -> str:
    """The reason the relay sends when Keymint's answer meant *error*: its row in
    :data:`REASONS`; ``unreachable`` for everything that is not a refusal or an unknown
    product (an upstream failure, or Keymint refusing the relay's own token or request, which
    is the vendor's to fix, not the user's: apps keep their grace meanwhile)."""
    for reason, (error_class, _, _) in REASONS.items():
        if error_class is not ConfigurationError and isinstance(error, error_class):
            return reason
    return "unreachable"
