"""Floating seats for :class:`~license_guard.backends.keymint.backend.KeymintBackend`: the
three calls (checkout, heartbeat, check-in) and the seat a floating app's process holds.

The rules of a seat and its signature are in :mod:`.seats`. Behind a relay the same three calls
go to the relay (:mod:`.relay_client`), which holds the token and forwards them; the app keeps
the session and signs its heartbeats as it would with Keymint. Keymint documents no floating
refusal; the statuses read here are the emulator's proposals (docs/backends.md, "Floating
seats").
"""

from __future__ import annotations

import _thread  # threading's Lock is this one; its module costs a start ~1 ms
import contextlib
from datetime import timedelta
from typing import TYPE_CHECKING

from license_guard.backends.base import LicenseInfo
from license_guard.backends.keymint.answers import (
    Activation,
    ErrorAnswer,
    KeyDetails,
    SeatCheckout,
    parse_checkout,
    parse_seat_renewal,
)
from license_guard.backends.keymint.api import (
    DEVICE_TAG_LENGTH,
    HOST_ID_LENGTH,
    KeymintApi,
    answer,
    check_length,
    check_license_key,
    error_answer,
    error_for,
    keymint_error,
    read_error,
)
from license_guard.backends.keymint.refusals import refusal
from license_guard.backends.keymint.seats import Seat, seat_lost, seats_taken
from license_guard.clock import Clock, Deadline
from license_guard.errors import (
    ConfigurationError,
    CustomerInactiveError,
    InvalidLicenseKeyError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    SeatLostError,
)

if TYPE_CHECKING:
    from license_guard.backends.keymint.relay_client import RelayClient
    from license_guard.http import HttpClient, Response
    from license_guard.lease import Lease
    from license_guard.status import SeatStatus

__all__ = ["SeatCalls", "seat_refusal"]


def _seat_gone(refused: ErrorAnswer) -> bool:
    """Whether a refused heartbeat or check-in means "no such seat any more": Keymint's own
    answer (not a proxy's) with any 4xx but 429. Keymint documents none of them; the emulator
    proposes 404 (unknown, lapsed or checked-in session), 401 (a spent nonce, a bad signature)
    and 403 (the key blocked or expired meanwhile), and a spent nonce may as well be a 400. Any
    one ends the seat, and its nonce is never sent again."""
    return 400 <= refused.status < 500 and refused.status != 429 and refused.keymint_shaped


def seat_refusal(response: Response) -> LicenseError:
    """What a refused heartbeat or check-in means: :class:`SeatLostError` when the seat is
    gone (:func:`_seat_gone`), else the error Keymint's answer names."""
    refused = error_answer(response)
    error = keymint_error(refused)
    if not _seat_gone(refused):
        return error
    lost = seat_lost(error.server_message)
    lost.server_code = error.server_code
    lost.__cause__ = error
    return lost


# How long closing the backend may spend giving a floating seat back.
_CHECKIN_SECONDS = 5.0


class SeatCalls:
    """The floating-seat half of the Keymint backend (a base class of it, not used alone)."""

    api: KeymintApi
    floating: bool
    _relay: RelayClient | None
    _clock: Clock
    _seat: Seat | None
    _seat_lock: _thread.LockType

    if TYPE_CHECKING:

        @property
        def _http(self) -> HttpClient: ...

        def _key_payload(self, license_key: str) -> dict[str, str]: ...

        def get_key(self, license_key: str, *, deadline: Deadline) -> KeyDetails: ...

        def _info(
            self, details: KeyDetails, activation: Activation, host_id: str
        ) -> LicenseInfo: ...

        def _explain_unknown(
            self,
            error: LicenseError,
            license_key: str,
            host_id: str,
            response: Response,
            deadline: Deadline,
        ) -> LicenseError: ...

    def checkout(
        self,
        license_key: str,
        *,
        host_id: str,
        device_tag: str | None = None,
        deadline: Deadline,
    ) -> Seat:
        """``/key/checkout``: take a floating seat for this host until its lease ends; keep
        it with :meth:`renew_seat` every ``seat.heartbeat_every``, give it back with
        :meth:`checkin`. A host that holds a seat already gets a fresh session in it.

        Raises:
            FloatingSeatsTakenError: every seat is in use on other computers (says how many).
            LicenseDeniedError: the key is not floating, or is unknown, expired, blocked, or
                its customer is inactive (the subclass says which).
            LicenseUnreachableError, ConfigurationError: as for activate; generation 1.
        """
        if self._relay is not None:
            seat, _ = self._relay.checkout(
                license_key, host_id=host_id, device_tag=device_tag, deadline=deadline
            )
            return seat
        return Seat.taken(
            license_key,
            host_id,
            self.checkout_answer(
                license_key, host_id=host_id, device_tag=device_tag, deadline=deadline
            ),
        )

    def checkout_answer(
        self,
        license_key: str,
        *,
        host_id: str,
        device_tag: str | None = None,
        deadline: Deadline,
    ) -> SeatCheckout:
        """``/key/checkout`` as Keymint answered it (what a relay forwards); a refusal named
        as :meth:`checkout` names it. Raises as :meth:`checkout`."""
        path = self.api.require(self.api.checkout, "A floating seat")
        check_license_key(license_key)
        check_length("host_id", host_id, HOST_ID_LENGTH, ConfigurationError)
        payload = {**self._key_payload(license_key), self.api.host_id: host_id}
        if device_tag:
            payload[self.api.device_tag] = device_tag[: DEVICE_TAG_LENGTH[1]]
        response = self._http.request("POST", path, json_body=payload, deadline=deadline)
        if 200 <= response.status < 300:
            return parse_checkout(answer(response))
        error = read_error(response)
        if response.status == 403 and isinstance(error, LicenseDeniedError):
            error = self._explain_checkout(error, license_key, deadline)
        elif isinstance(error, InvalidLicenseKeyError):
            error = self._explain_unknown(error, license_key, host_id, response, deadline)
        raise error

    def renew_seat(self, seat: Seat, *, deadline: Deadline) -> Seat:
        """``/key/heartbeat``: extend *seat*; returns it with its new end and next nonce.

        The nonce serves once: a heartbeat is repeated only when it surely never reached the
        server, and any refusal means the seat is gone.

        Raises:
            SeatLostError: the server no longer knows the session (lapsed, checked in, or
                refused the nonce or signature). Check out again.
            LicenseUnreachableError: the server could not be asked; the seat holds until
                ``seat.expires_at``.
        """
        if self._relay is not None:
            return self._relay.renew_seat(seat, deadline=deadline)
        path = self.api.require(self.api.heartbeat, "A floating seat")
        response = self._seat_call(path, seat, deadline)
        if 200 <= response.status < 300:
            return seat.renewed(parse_seat_renewal(answer(response)))
        raise seat_refusal(response)

    def checkin(self, seat: Seat, *, deadline: Deadline) -> bool:
        """``/key/checkin``: give *seat* back. Returns False when the server held it no more.

        Raises:
            LicenseUnreachableError: the server could not be asked; the seat stays taken
                until ``seat.expires_at``.
        """
        if self._relay is not None:
            return self._relay.checkin(seat, deadline=deadline)
        path = self.api.require(self.api.checkin, "A floating seat")
        response = self._seat_call(path, seat, deadline)
        if 200 <= response.status < 300:
            answer(response)
            return True
        error = seat_refusal(response)
        if isinstance(error, SeatLostError):
            return False  # lapsed, or checked in already: the seat is free either way
        raise error

    def heartbeat(self, lease: Lease, *, deadline: Deadline) -> timedelta | None:
        """A floating key's heartbeat: renew this process's seat (check one out when it holds
        none, or lost it). None for other keys. See Backend.heartbeat.

        Raises:
            FloatingSeatsTakenError: the seat was lost and every seat is now taken.
            LicenseUnreachableError: the server could not be asked; the seat holds until its
                lease ends (the lease's ``offline_until``), then the app stops.
        """
        if not self.floating or lease.air_gapped:
            return None
        seat = self._seat
        if seat is not None and (seat.license_key, seat.host_id) == (
            lease.license_key,
            lease.host_id,
        ):
            try:
                self._keep(seat, self.renew_seat(seat, deadline=deadline))
                return seat.heartbeat_every
            except SeatLostError:
                self._keep(seat, None)
        self._hold_seat(lease.license_key, lease.host_id, lease.device_tag, deadline)
        return self._seat.heartbeat_every if self._seat is not None else None

    def seat_status(self, lease: Lease) -> SeatStatus | None:
        """The seat this process holds for *lease*: its end, and the seats in use and in all
        as the checkout answered. None when it holds none (not floating, an air-gapped lease,
        another key or host, or no seat taken yet). See Backend.seat_status."""
        seat = self._seat
        if not self.floating or lease.air_gapped or seat is None:
            return None
        if (seat.license_key, seat.host_id) != (lease.license_key, lease.host_id):
            return None
        from license_guard.status import SeatStatus

        return SeatStatus(
            held_until=seat.expires_at, in_use=seat.current_sessions, total=seat.max_sessions
        )

    def _give_seat_back(self) -> None:
        """Check this process's seat in, within a few seconds, quietly."""
        seat = self._seat
        if seat is None:
            return
        self._keep(seat, None)
        # If it cannot be given back, the seat lapses on the server at its lease's end.
        with contextlib.suppress(LicenseError):
            self.checkin(seat, deadline=Deadline(_CHECKIN_SECONDS, clock=self._clock))

    def _hold_seat(
        self, license_key: str, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """Renew this process's seat, or check one out; then get-key for expiry and licensee.
        Behind a relay: check out (a host's new checkout replaces its session, so no seat is
        taken twice); the relay's signed answer holds the expiry and licensee."""
        if self._relay is not None:
            held = self._seat
            taken, info = self._relay.checkout(
                license_key, host_id=host_id, device_tag=device_tag, deadline=deadline
            )
            self._keep(held, taken)
            return info
        seat = self._seat
        renewed = None
        if seat is not None and (seat.license_key, seat.host_id) == (license_key, host_id):
            try:
                renewed = self.renew_seat(seat, deadline=deadline)
            except SeatLostError:
                renewed = None
        if renewed is None:
            renewed = self.checkout(
                license_key, host_id=host_id, device_tag=device_tag, deadline=deadline
            )
        self._keep(seat, renewed)
        details = self.get_key(license_key, deadline=deadline)
        activation = Activation(message=None, licensee_name=None, licensee_email=None)
        return self._info(details, activation, host_id)

    def _keep(self, old: Seat | None, new: Seat | None) -> None:
        """Hold *new* as this process's seat, unless another thread replaced *old* meanwhile."""
        with self._seat_lock:
            if self._seat is old or new is None:
                self._seat = new

    def _take_seat(self, license_key: str, host_id: str) -> Seat | None:
        with self._seat_lock:
            seat = self._seat
            if seat is None or (seat.license_key, seat.host_id) != (license_key, host_id):
                return None
            self._seat = None
            return seat

    def _seat_call(self, path: str, seat: Seat, deadline: Deadline) -> Response:
        payload = {**self._key_payload(seat.license_key), **seat.signed()}
        # Not repeated after a failure that may have reached the server: its nonce is spent.
        return self._http.request(
            "POST", path, json_body=payload, deadline=deadline, idempotent=False
        )

    def _explain_checkout(
        self, error: LicenseError, license_key: str, deadline: Deadline
    ) -> LicenseError:
        """Name the reason for a refused checkout: the key's state, else the server's words."""
        try:
            details = self.get_key(license_key, deadline=deadline)
        except LicenseError:
            details = None
        if details is not None:
            reason = refusal(details, details.server_time or self._clock.now(), "")
            if isinstance(reason, (LicenseExpiredError, CustomerInactiveError)):
                return reason
        said = (error.server_message or "").lower()
        if "session" in said or "seat" in said:
            seats = None if details is None else details.license.max_sessions
            taken = seats_taken(seats, error.server_message)
            taken.server_code = error.server_code
            return taken
        if "floating" in said:
            return LicenseDeniedError(
                "This license key is for one computer, not for shared (floating) use; contact "
                "the vendor.",
                server_message=error.server_message,
            )
        blocked = not said or "block" in said
        return error_for(
            LicenseBlockedError if blocked else LicenseDeniedError, error.server_message
        )
