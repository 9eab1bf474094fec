"""The app's side of the vendor relay: activate, validate and deactivate without a Keymint token.

:class:`RelayClient` is what :class:`~license_guard.KeymintBackend` uses when it is given a
``relay_url`` instead of an ``access_token``. The app holds only public keys. Every license
answer is a ``.lic`` that must verify against them, be for this product, this computer and this
key, be unexpired, and be fresh: it carries the nonce this request sent (a relay-signed file), or
was issued within :data:`~.relay_api.FRESHNESS` of now (a file Keymint signed). Anything else is
:class:`~license_guard.errors.InvalidResponseError`, which is "could not ask": the app keeps its
grace, and a forged, altered, replayed or wrongly signed answer never makes a license valid.
The contract is :mod:`.relay_api`.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from license_guard.backends.base import LicenseInfo
from license_guard.backends.keymint.answers import parse_error
from license_guard.backends.keymint.api import keymint_error
from license_guard.backends.keymint.offline import OfflineLicense, TrustedKeys, read_offline_license
from license_guard.backends.keymint.relay_api import (
    ACTIVATE,
    CHECKIN,
    CHECKOUT,
    DEACTIVATE,
    FRESHNESS,
    HEARTBEAT,
    NONCE_BYTES,
    REASONS,
    VALIDATE,
)
from license_guard.errors import (
    FloatingSeatsTakenError,
    InvalidResponseError,
    LeaseError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    SeatLostError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from license_guard.backends.keymint.seats import Seat
    from license_guard.clock import Clock, Deadline
    from license_guard.http import HttpClient, HttpSettings, Response

__all__ = ["RelayClient", "new_nonce"]


def new_nonce() -> str:
    """A fresh random nonce: 16 bytes as base64url without padding."""
    return base64.urlsafe_b64encode(os.urandom(NONCE_BYTES)).rstrip(b"=").decode("ascii")


class RelayClient:
    """Calls to a vendor relay for one product, every answer verified before it is believed.

    Args:
        relay_url: the relay's root URL (https, or loopback http in tests).
        product_id: the Keymint product id.
        keys: the public keys a ``.lic`` may be signed with (the relay's, Keymint's).
        features: what every license of the product unlocks (as the backend's).
        http, transport, clock: as for the backend.
        nonces: makes each request's nonce (tests); random by default.
    """

    def __init__(
        self,
        *,
        relay_url: str,
        product_id: str,
        keys: TrustedKeys,
        features: frozenset[str] | None,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock,
        nonces: Callable[[], str] = new_nonce,
    ) -> None:
        from license_guard._url import check_server_url

        check_server_url(relay_url)
        self.relay_url = relay_url
        self.product_id = product_id
        self._keys = keys
        self._features = features
        self._settings = http
        self._transport = transport
        self._clock = clock
        self._nonces = nonces
        self._client: HttpClient | None = None

    def __repr__(self) -> str:
        return f"RelayClient({self.relay_url!r}, product_id={self.product_id!r})"

    def activate(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """Take a seat for this computer.

        Raises:
            LicenseDeniedError: the relay passed on Keymint's refusal (its subclass names why).
            InvalidResponseError: an answer that does not verify (forged, altered, replayed,
                for another computer, product or key, or signed by an unknown key).
            LicenseUnreachableError: the relay or Keymint could not be asked.
        """
        extra = {"deviceTag": device_tag} if device_tag else {}
        return self._license_call(ACTIVATE, license_key, host_id, extra, deadline)

    def validate(self, license_key: str, *, host_id: str, deadline: Deadline) -> LicenseInfo:
        """Check this computer's seat; raises as :meth:`activate`."""
        return self._license_call(VALIDATE, license_key, host_id, {}, deadline)

    def deactivate(self, license_key: str, *, host_id: str, deadline: Deadline) -> bool:
        """Free this computer's seat; False when it held none.

        The answer is not signed: believing it can only make this app give up its own lease.

        Raises:
            LicenseUnreachableError: the relay or Keymint could not be asked.
        """
        payload = self._payload(license_key, host_id, {})
        response = self._http.request("POST", DEACTIVATE, json_body=payload, deadline=deadline)
        if not 200 <= response.status < 300:
            error = _refusal(response)
            if isinstance(error, LicenseDeniedError):
                return False  # as Keymint's own: a device not found or a key gone frees nothing
            raise error
        removed = response.json_object().get("devicesRemoved")
        return not (isinstance(removed, int) and removed == 0)

    # -- floating seats -------------------------------------------------------------------------

    def checkout(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> tuple[Seat, LicenseInfo]:
        """Take a floating seat: the session to keep with :meth:`renew_seat`, and the license's
        facts. Its end, session id and the license's facts come from the signed file; the
        session secret and nonce are the session's own (a forged one only loses the seat).

        Raises:
            FloatingSeatsTakenError: every seat is in use (says how many, when known).
            LicenseDeniedError, InvalidResponseError, LicenseUnreachableError: as
                :meth:`activate`.
        """
        from license_guard.backends.keymint.answers import SeatCheckout
        from license_guard.backends.keymint.seats import Seat

        extra = {"deviceTag": device_tag} if device_tag else {}
        offline, text, body = self._signed_call(CHECKOUT, license_key, host_id, extra, deadline)
        session_id = body.get("sessionId")
        interval = _count(body.get("heartbeatInterval"))
        if not interval:
            raise InvalidResponseError(
                "The licensing relay's seat answer has no heartbeatInterval."
            )
        seats = _count(body.get("maxSessions"))
        checkout = SeatCheckout(
            session_id=_session(offline, session_id),
            session_secret=_field(body, "sessionSecret"),
            next_nonce=_field(body, "nextNonce"),
            expires_at=_seat_end(offline),
            heartbeat_interval=interval,
            max_sessions=seats,
        )
        seat = Seat.taken(license_key, host_id, checkout)
        return seat, _info(offline, text, self._features)

    def renew_seat(self, seat: Seat, *, deadline: Deadline) -> Seat:
        """A heartbeat through the relay; *seat* with its signed new end and next nonce.

        Raises:
            SeatLostError: Keymint no longer holds the seat. Check out again.
            InvalidResponseError, LicenseUnreachableError: as :meth:`activate`.
        """
        from license_guard.backends.keymint.answers import SeatRenewal

        offline, _, body = self._signed_call(
            HEARTBEAT, seat.license_key, seat.host_id, seat.signed(), deadline
        )
        _session(offline, seat.session_id)
        renewal = SeatRenewal(expires_at=_seat_end(offline), next_nonce=_field(body, "nextNonce"))
        return seat.renewed(renewal)

    def checkin(self, seat: Seat, *, deadline: Deadline) -> bool:
        """Give *seat* back through the relay; False when Keymint held it no more. Not signed:
        believing it can only make this app give up its own seat.

        Raises:
            LicenseUnreachableError: the relay or Keymint could not be asked.
        """
        payload = self._payload(seat.license_key, seat.host_id, seat.signed())
        response = self._http.request(
            "POST", CHECKIN, json_body=payload, deadline=deadline, idempotent=False
        )
        if not 200 <= response.status < 300:
            error = _refusal(response)
            if isinstance(error, LicenseDeniedError):
                return False  # the seat lapsed, or was checked in already
            raise error
        return response.json_object().get("released") is not False

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- one license answer -------------------------------------------------------------------

    def _license_call(
        self,
        path: str,
        license_key: str,
        host_id: str,
        extra: Mapping[str, Any],
        deadline: Deadline,
    ) -> LicenseInfo:
        offline, text, _ = self._signed_call(path, license_key, host_id, extra, deadline)
        return _info(offline, text, self._features)

    def _signed_call(
        self,
        path: str,
        license_key: str,
        host_id: str,
        extra: Mapping[str, Any],
        deadline: Deadline,
    ) -> tuple[OfflineLicense, str, dict[str, Any]]:
        """Send one call whose answer holds a signed file; the verified file, its text and the
        answer's body. A seat call (one with a ``signature``) is never repeated: its nonce
        serves once."""
        payload = self._payload(license_key, host_id, extra)
        sent_at = self._clock.now()
        response = self._http.request(
            "POST", path, json_body=payload, deadline=deadline, idempotent="signature" not in extra
        )
        if not 200 <= response.status < 300:
            raise _refusal(response)
        body = response.json_object()
        text = body.get("license")
        if not isinstance(text, str):
            raise InvalidResponseError("The licensing relay's answer held no signed license.")
        return self._verify(text, license_key, host_id, payload["nonce"], sent_at), text, body

    def _verify(
        self, text: str, license_key: str, host_id: str, nonce: str, sent_at: datetime
    ) -> OfflineLicense:
        now = self._clock.now()
        try:
            offline = read_offline_license(
                text, keys=self._keys, product_id=self.product_id, machine_code=host_id, now=now
            )
        except (LeaseError, LicenseExpiredError) as exc:
            raise InvalidResponseError(
                f"The licensing relay's answer did not verify ({exc}); it was not believed."
            ) from exc
        if offline.license_key != license_key:
            raise InvalidResponseError(
                "The licensing relay's answer is for another license key; it was not believed."
            )
        claims = offline.claims or {}
        if "nonce" in claims:
            fresh = claims["nonce"] == nonce
        else:  # signed by Keymint itself: no nonce, so its issue time must be now
            issued = offline.issued_at
            fresh = issued is not None and sent_at - FRESHNESS <= issued <= now + FRESHNESS
        if not fresh:
            raise InvalidResponseError(
                "The licensing relay's answer was made for another request (a replay); it "
                "was not believed."
            )
        return offline

    def _payload(self, license_key: str, host_id: str, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "licenseKey": license_key,
            "hostId": host_id,
            "nonce": self._nonces(),
            **extra,
        }

    @property
    def _http(self) -> HttpClient:
        if self._client is None:
            from license_guard.http import HttpClient

            self._client = HttpClient(
                self.relay_url,
                settings=self._settings,
                transport=self._transport,
                clock=self._clock,
            )
        return self._client


def _refusal(response: Response) -> LicenseError:
    """The error a relay's refusal means: its ``reason`` row, else Keymint's error table."""
    try:
        body: dict[str, Any] | None = response.json_object()
    except InvalidResponseError:
        body = None
    error = keymint_error(parse_error(response.status, body))
    reason = body.get("reason") if body else None
    row = REASONS.get(reason) if isinstance(reason, str) else None
    if row is None or row[1] != response.status:  # a reason with the wrong status names nothing
        return error
    error_class = row[0]
    if error_class in (FloatingSeatsTakenError, SeatLostError):
        from license_guard.backends.keymint.seats import seat_lost, seats_taken

        seats = _count(body.get("maxSessions") if body else None)
        seat_error: LicenseError = (
            seat_lost(error.server_message)
            if error_class is SeatLostError
            else seats_taken(seats, error.server_message)
        )
        seat_error.server_code = error.server_code
        return seat_error
    if error_class is LicenseExpiredError:
        expired_at = _instant(body.get("expiredAt") if body else None)
        return LicenseExpiredError(
            "This license has expired. Renew it to keep using the app."
            if expired_at is None
            else f"This license expired on {expired_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expired_at,
            server_message=error.server_message,
        )
    if isinstance(error, error_class):
        return error
    from license_guard.backends.keymint.api import error_for

    return error_for(error_class, error.server_message)


def _instant(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _info(offline: OfflineLicense, text: str, features: frozenset[str] | None) -> LicenseInfo:
    """What a verified ``.lic`` says: the license's facts and the server's time come from its
    signed claims only (the ``Date`` header is not signed)."""
    claims = offline.claims or {}
    return LicenseInfo(
        server_time=offline.issued_at,
        expires_at=_instant(claims.get("licenseExpiresAt")),
        licensee_name=_text(claims.get("licenseeName")),
        licensee_email=_text(claims.get("licenseeEmail")),
        features=features,
        usage_limit=_count(claims.get("maxActivations")),
        activations=_count(claims.get("activations")),
        signed_data=text,
    )


def _session(offline: OfflineLicense, session_id: object) -> str:
    """The seat's session id: the one the signed file names, which the answer must repeat."""
    signed = (offline.claims or {}).get("sessionId")
    if not isinstance(signed, str) or not signed or signed != session_id:
        raise InvalidResponseError(
            "The licensing relay's seat answer is for another session; it was not believed."
        )
    return signed


def _seat_end(offline: OfflineLicense) -> datetime:
    if offline.expires_at is None:
        raise InvalidResponseError("The licensing relay's seat answer has no end; not believed.")
    return offline.expires_at


def _field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidResponseError(f"The licensing relay's seat answer has no {name}.")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
