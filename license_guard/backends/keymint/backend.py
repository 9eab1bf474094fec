"""The Keymint backend: activate-key, get-key and deactivate-key for the guard, both generations.

Several refusals share one status and code (403/2 means expired, blocked, full or customer
inactive), so after a 403 the backend reads the key with get-key and names the reason from the
facts (expiry date, customer state, seats) instead of parsing the message. Keymint has no
per-license features: the features a Keymint license grants are those the vendor configures on
the backend. The contract itself (paths, fields, errors) is data in
:mod:`license_guard.backends.keymint.api`; every answer is read by
:mod:`license_guard.backends.keymint.answers`.

Where the real service is known to answer otherwise than the seed documents, the backend reads
it the same way: an "existing activation" conflict (409) for this host is "already active
here"; a key that answers like an unknown key after its last known expiry date is an expired
key; a signed offline license (``.lic``) is verified by :mod:`.offline` and kept in the lease
exactly as issued.
"""

from __future__ import annotations

import _thread  # threading's Lock is this one; its module costs a start ~1 ms
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from license_guard._record import replace
from license_guard._redact import redact
from license_guard.backends.base import Backend, LicenseInfo, server_identity
from license_guard.backends.keymint.answers import (
    Activation,
    KeyDetails,
    parse_activation,
    parse_deactivation,
    parse_key_details,
)
from license_guard.backends.keymint.api import (
    DEFAULT_BASE_URL,
    DEFAULT_GENERATION,
    DEVICE_TAG_LENGTH,
    HOST_ID_LENGTH,
    PRODUCT_ID_LENGTH,
    ApiCall,
    KeymintApi,
    answer,
    api_for,
    check_length,
    check_license_key,
    error_for,
    read_error,
)
from license_guard.backends.keymint.floating import SeatCalls
from license_guard.backends.keymint.refusals import refusal
from license_guard.clock import Clock, Deadline, SystemClock
from license_guard.errors import (
    ConfigurationError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LeaseError,
    LeaseMismatchError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    OfflineLicenseError,
)

if TYPE_CHECKING:
    import httpx

    from license_guard.backends.keymint.offline import OfflineLicense, TrustedKeys
    from license_guard.backends.keymint.relay_client import RelayClient
    from license_guard.backends.keymint.seats import Seat
    from license_guard.http import HttpClient, HttpSettings, Response
    from license_guard.lease import Lease

__all__ = ["DEFAULT_BASE_URL", "KeymintBackend"]


class KeymintBackend(SeatCalls, Backend):
    """Keymint (https://keymint.dev), API generation 1 or 2 (docs/backends.md, "Generation 1
    or 2").

    Give it either an ``access_token`` (the app calls Keymint itself) or a ``relay_url`` (the
    app calls the vendor's relay, :mod:`license_guard.relay`, and holds no token at all: see
    docs/relay.md). A token ships inside the app, and Keymint's own docs warn that client code
    can be read: if you use one, scope it to this one product. The token is never logged, shown
    or stored.

    Args:
        product_id: the Keymint product id.
        access_token: a Keymint access token, preferably product-scoped.
        relay_url: the vendor relay's URL, instead of a token. Needs ``public_keys``: every
            answer is a signed offline license that must verify against them (the relay's key,
            and Keymint's if the relay has Keymint sign), or it is not believed.
        base_url: the API root; the emulator's URL in tests and demos.
        api_generation: which generation of Keymint's API to speak: 1 (``/activate-key``...,
            the seed documents) or 2 (``/key/activate``..., Keymint's current SDK).
        features: the features every license of this product unlocks (Keymint licenses carry
            none of their own). ``None`` (the default) leaves a lease's features as they are:
            a tool such as the CLI can then check a lease an app wrote without emptying them.
        public_keys: the organisation's Ed25519 public keys (SPKI PEM, from Keymint's
            Developer > Public Keys), to verify signed offline licenses (``.lic``).
        allow_offline_activation: accept activation from a ``.lic`` the vendor sends to a
            computer that cannot reach the server (``guard.activate(key, signed_file=...)``).
            Off by default, as for Keygen: such a lease is never checked online.
        floating: the product's keys are floating (generation 2): this process holds a seat
            while it runs. Activation and every start check one out, the guard's background
            refresher keeps it with heartbeats, ``guard.close()`` and ``release()`` give it
            back; without the server the app runs until the seat's lease ends, then stops.
            With a ``relay_url`` the relay forwards the three seat calls and signs each
            answer; the app keeps the session (docs/relay.md, "Floating seats").
        http: timeouts, retries and TLS trust (``license_guard.http.HttpSettings``).
        transport: an httpx transport, to talk to an in-process server in tests.
        clock: the time source for retries and deadlines.

    Raises:
        ConfigurationError: a bad product id, token, generation, feature list or public key,
            offline activation without a public key, both or neither of a token and a relay,
            or a relay without public keys.
    """

    name = "keymint"

    def __init__(
        self,
        *,
        product_id: str,
        access_token: str | None = None,
        relay_url: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        api_generation: Literal[1, 2] = DEFAULT_GENERATION,
        features: Iterable[str] | None = None,
        public_keys: Sequence[str] = (),
        allow_offline_activation: bool = False,
        floating: bool = False,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        check_length("product_id", product_id, PRODUCT_ID_LENGTH, ConfigurationError)
        if relay_url is not None and access_token is not None:
            raise ConfigurationError(
                "KeymintBackend takes an access_token or a relay_url, not both: an app that "
                "uses a relay ships no token."
            )
        if relay_url is None and (not isinstance(access_token, str) or not access_token.strip()):
            raise ConfigurationError("KeymintBackend needs an access_token or a relay_url.")
        self.product_id = product_id
        self.base_url = base_url
        self.api: KeymintApi = api_for(api_generation)
        if isinstance(features, str):  # frozenset("export-4k") would be its letters
            raise ConfigurationError("features must be a collection of names, not one string.")
        self.features = None if features is None else frozenset(features)
        if isinstance(public_keys, str):
            raise ConfigurationError("public_keys must be a list of PEM texts, not one text.")
        self._public_keys = tuple(public_keys)
        self._trusted: TrustedKeys | None = None
        if allow_offline_activation and not self._public_keys:
            raise ConfigurationError(
                "Offline activation needs the public keys that verify Keymint's offline "
                "licenses: KeymintBackend(public_keys=[...])."
            )
        self.allow_offline_activation = allow_offline_activation
        if floating and relay_url is None:  # behind a relay, the relay speaks generation 2
            self.api.require(self.api.checkout, "A floating license")
        self.floating = floating
        self._seat: Seat | None = None
        self._seat_lock = _thread.allocate_lock()
        self.relay_url = relay_url
        self._relay: RelayClient | None = None
        if relay_url is not None:
            self._relay = self._relay_client(relay_url, http, transport, clock)
        self._access_token = access_token or ""
        self._settings = http
        self._transport = transport
        self._clock = clock or SystemClock()
        self._client: HttpClient | None = None
        self._client_lock = _thread.allocate_lock()
        # The last expiry date known for each key (a lease's, or get-key's): generation 2 may
        # answer an expired key like an unknown one, and this tells the two apart.
        self._known_expiry: dict[str, datetime] = {}

    def __repr__(self) -> str:
        if self.relay_url is not None:
            return f"KeymintBackend(product_id={self.product_id!r}, relay_url={self.relay_url!r})"
        return (
            f"KeymintBackend(product_id={self.product_id!r}, base_url={self.base_url!r}, "
            f"api_generation={self.api.generation}, access_token={redact(self._access_token)!r})"
        )

    def _relay_client(
        self,
        relay_url: str,
        http: HttpSettings | None,
        transport: httpx.BaseTransport | None,
        clock: Clock | None,
    ) -> RelayClient:
        from license_guard.backends.keymint.offline import TrustedKeys
        from license_guard.backends.keymint.relay_client import RelayClient

        if not self._public_keys:
            raise ConfigurationError(
                "A relay's answers are believed only when they verify: "
                "KeymintBackend(relay_url=..., public_keys=[...]) needs the relay's public key."
            )
        self._trusted = TrustedKeys(self._public_keys)
        return RelayClient(
            relay_url=relay_url,
            product_id=self.product_id,
            keys=self._trusted,
            features=self.features,
            http=http,
            transport=transport,
            clock=clock or SystemClock(),
        )

    # -- the Backend interface ----------------------------------------------------------------

    def activate(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """activate-key (a floating key: a seat's checkout), then get-key for expiry, licensee
        and seats; or the relay's activate. See Backend.activate."""
        check_license_key(license_key)
        check_length("host_id", host_id, HOST_ID_LENGTH, ConfigurationError)
        if self.floating:
            return self._hold_seat(license_key, host_id, device_tag, deadline)
        if self._relay is not None:
            return self._relay.activate(
                license_key, host_id=host_id, device_tag=device_tag, deadline=deadline
            )
        activation = self._activate(license_key, host_id, device_tag, deadline)
        details = self.get_key(license_key, deadline=deadline)
        if not details.license.lists(host_id):
            raise InvalidResponseError(
                "The licensing server accepted the activation but does not list this computer."
            )
        return self._info(details, activation, host_id)

    def validate(self, license_key: str, *, host_id: str, deadline: Deadline) -> LicenseInfo:
        """get-key, checked against this device; then activate-key, which takes no new seat
        for a listed device but is the only call that refuses a blocked key.
        With a relay, the relay's validate. See Backend.validate.
        """
        check_license_key(license_key)
        if self.floating:
            return self._hold_seat(license_key, host_id, None, deadline)
        if self._relay is not None:
            return self._relay.validate(license_key, host_id=host_id, deadline=deadline)
        details = self.get_key(license_key, deadline=deadline)
        reason = refusal(details, details.server_time, host_id, activated=True)
        if reason is not None:
            raise reason
        activation = self._activate(license_key, host_id, None, deadline)
        return self._info(details, activation, host_id)

    def deactivate(self, license_key: str, *, host_id: str, deadline: Deadline) -> bool:
        """deactivate-key for this host (a floating key: the seat's check-in; with a relay, the
        relay's deactivate). See Backend.deactivate."""
        check_license_key(license_key)
        if self.floating:
            seat = self._take_seat(license_key, host_id)
            return seat is not None and self.checkin(seat, deadline=deadline)
        if self._relay is not None:
            return self._relay.deactivate(license_key, host_id=host_id, deadline=deadline)
        payload = {**self._key_payload(license_key), self.api.host_id: host_id}
        response = self._http.request(
            "POST", self.api.deactivate_key, json_body=payload, deadline=deadline
        )
        try:
            deactivation = parse_deactivation(answer(response))
        except LicenseDeniedError:
            # Nothing to free: "Device not found", "License not activated", or a key gone.
            return False
        return deactivation.devices_removed != 0

    @property
    def server(self) -> str:
        """``"keymint <normalised base URL>"``, or ``"keymint relay"`` for an app behind a
        relay: there every lease holds a file signed for this device and verified with the
        app's public keys on every load, whatever the relay's address (which may change).
        See Backend.server."""
        if self._relay is not None:
            return f"{self.name} relay"
        return server_identity(self.name, self.base_url)

    def check_lease(self, lease: Lease, *, now: datetime) -> Lease:
        """Give the lease this app's features, verify its signed offline license, if it holds
        one, and take its facts: its expiry bounds offline use (``offline_until``) and, for a
        lease activated from the file, is the license's expiry. A lease that claims activation
        from a file without a verified file is refused. See Backend.check_lease.

        Raises:
            LeaseError: a lease that claims activation from a file without one, or a relayed
                lease without its signed file (both sealed by hand); a file that is not genuine,
                or not for this product, device or key.
            LeaseMismatchError: a lease activated from a file when this backend does not allow
                it (reported, left in place).
        """
        if self.features is not None and lease.features != self.features:
            # Keymint licenses carry no entitlements: what one grants is the app's own
            # declaration (``features=``), whoever wrote the lease (the app, or the command line
            # with other settings). With ``features=None`` the lease's stay as they are.
            lease = replace(lease, features=self.features)
        if lease.expires_at is not None:
            self._known_expiry[lease.license_key] = lease.expires_at
        if self.floating and not lease.air_gapped:
            # Offline, a floating lease lasts as long as the seat this process holds; a process
            # that holds none yet must ask the server (check one out) before it runs.
            seat = self._seat
            held = seat is not None and (seat.license_key, seat.host_id) == (
                lease.license_key,
                lease.host_id,
            )
            until = seat.expires_at if seat is not None and held else min(now, lease.verified_at)
            lease = replace(lease, offline_until=until)
        if lease.air_gapped and lease.signed_data is None:
            # Only a verified signed file makes "activated from a file" mean anything: without
            # one the lease was sealed by hand, and it is not to be trusted.
            raise LeaseError(
                "This license claims to be activated from a license file but holds none, so it "
                "cannot be trusted; activate online with the license key."
            )
        if lease.air_gapped and not self.allow_offline_activation:
            raise LeaseMismatchError(
                "This license was activated from a file, which this app does not accept."
            )
        if lease.signed_data is None:
            if self._relay is not None:
                # Behind a relay every answer is a signed file: a lease without one was sealed
                # by someone who can seal (the device and app are no secret) but cannot sign.
                raise LeaseError(
                    "This license holds no file signed by the vendor's licensing relay, so it "
                    "cannot be trusted."
                )
            return lease
        offline = self._open(lease.signed_data, lease.license_key, lease.host_id, now=None)
        if self.floating and not lease.air_gapped:
            return lease  # a relayed seat's file: offline use is the seat's, set above
        if lease.air_gapped:
            return replace(lease, expires_at=offline.expires_at, offline_until=offline.expires_at)
        return replace(lease, offline_until=offline.expires_at)

    def activate_offline(
        self, signed_file: str, *, license_key: str, host_id: str, now: datetime
    ) -> LicenseInfo:
        """Activate from a signed offline license (``.lic``) the vendor sent, without the
        network: its expiry and machine code come from the signed file only.
        See Backend.activate_offline.

        Raises:
            ConfigurationError: this backend does not allow offline activation.
            InvalidLicenseKeyError: *license_key* cannot be a Keymint key.
            LeaseError: the file is not genuine, not for this product, device or key
                (:class:`~license_guard.errors.OfflineLicenseError` and its subclasses).
            LicenseExpiredError: the file has expired.
        """
        if not self.allow_offline_activation:
            raise ConfigurationError(
                "The keymint backend of this app cannot activate from a file: it does not "
                "accept offline licenses (KeymintBackend(allow_offline_activation=True, "
                "public_keys=[...]) enables it)."
            )
        check_license_key(license_key)
        offline = self._open(signed_file, license_key, host_id, now=now)
        return LicenseInfo(
            server_time=None,
            expires_at=offline.expires_at,
            features=self.features,
            signed_data=signed_file,
        )

    def get_key(self, license_key: str, *, deadline: Deadline) -> KeyDetails:
        """get-key: the license, its devices, its customer and the server's time.

        Raises:
            InvalidLicenseKeyError: the key is unknown to this product.
            InvalidResponseError: the answer does not have the documented shape.
            LicenseUnreachableError, ConfigurationError: as for any call; ConfigurationError
                with a relay, which never looks keys up.
        """
        if self._relay is not None:
            raise ConfigurationError("An app that uses a relay cannot look keys up.")
        response = self._send(self.api.key_lookup(self.product_id, license_key), deadline)
        if not 200 <= response.status < 300:
            error = read_error(response)
            if isinstance(error, InvalidLicenseKeyError):
                error = self._expired_or_unknown(error, license_key, response)
            raise error
        details = parse_key_details(answer(response), server_time=response.date)
        if details.license.expires_at is not None:
            self._known_expiry[license_key] = details.license.expires_at
        return details

    def close(self) -> None:
        """Give back a floating seat (within a few seconds, quietly), and close the HTTP
        connection pools."""
        self._give_seat_back()
        if self._relay is not None:
            self._relay.close()
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the flows ------------------------------------------------------------------------------

    def _activate(
        self, license_key: str, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> Activation:
        """activate-key for this host; a refusal is named from the key's state."""
        payload = {**self._key_payload(license_key), self.api.host_id: host_id}
        if device_tag:
            payload[self.api.device_tag] = device_tag[: DEVICE_TAG_LENGTH[1]]
        response = self._http.request(
            "POST", self.api.activate_key, json_body=payload, deadline=deadline
        )
        if 200 <= response.status < 300:
            return parse_activation(answer(response))
        if response.status == 409:
            # "Existing activation": this host holds its seat already. get-key confirms it.
            return Activation(message=None, licensee_name=None, licensee_email=None)
        error = read_error(response)
        if response.status == 403 and isinstance(error, LicenseDeniedError):
            # Only Keymint's own 403 is a refusal to explain; a proxy's is "could not ask".
            error = self._explainrefusal(error, license_key, host_id, deadline)
        elif isinstance(error, InvalidLicenseKeyError):
            error = self._explain_unknown(error, license_key, host_id, response, deadline)
        raise error

    def _explainrefusal(
        self, error: LicenseError, license_key: str, host_id: str, deadline: Deadline
    ) -> LicenseError:
        """Name the reason for a 403 from the key's state, read with get-key."""
        try:
            details = self.get_key(license_key, deadline=deadline)
        except LicenseError:
            return error
        # Without the server's Date, this clock decides whether the expiry has passed.
        reason = refusal(details, details.server_time or self._clock.now(), host_id)
        if reason is None:
            # Not expired, customer active, a seat free: blocked is the one refusal get-key
            # cannot show. Name it only when the server's own words agree; else keep them.
            said = (error.server_message or "").lower()
            blocked = not said or "block" in said
            reason = error_for(
                LicenseBlockedError if blocked else LicenseDeniedError, error.server_message
            )
        reason.server_message = error.server_message
        reason.server_code = error.server_code
        return reason

    def _explain_unknown(
        self,
        error: LicenseError,
        license_key: str,
        host_id: str,
        response: Response,
        deadline: Deadline,
    ) -> LicenseError:
        """An activation refused as "invalid key": expired, if get-key or the last known
        expiry date says so."""
        try:
            details = self.get_key(license_key, deadline=deadline)
        except LicenseDeniedError as known:
            return known  # get-key told (an expiry it knew of, or the key is unknown)
        except LicenseError:
            return self._expired_or_unknown(error, license_key, response)
        reason = refusal(details, details.server_time or self._clock.now(), host_id)
        if isinstance(reason, LicenseExpiredError):
            reason.server_message = error.server_message
            return reason
        return error

    def _expired_or_unknown(
        self, error: LicenseError, license_key: str, response: Response
    ) -> LicenseError:
        """An "invalid key" answer for a key whose last known expiry has passed is an expiry
        (Keymint's SDK: an expired key fails activation like an unknown one)."""
        expired_at = self._known_expiry.get(license_key)
        now = response.date or self._clock.now()
        if expired_at is None or now < expired_at:
            return error
        return LicenseExpiredError(
            f"This license expired on {expired_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expired_at,
            server_message=error.server_message,
        )

    def _open(
        self, text: str, license_key: str, host_id: str, *, now: datetime | None
    ) -> OfflineLicense:
        """Verify a ``.lic`` for this product, host and key; *now* None skips the expiry
        check (a lease's expiry is the policy's to judge)."""
        from license_guard.backends.keymint.offline import TrustedKeys, read_offline_license

        if not self._public_keys:
            raise LeaseError(
                "This license holds a signed Keymint license, but the app has no public key "
                "to verify it (KeymintBackend(public_keys=[...]))."
            )
        if self._trusted is None:
            self._trusted = TrustedKeys(self._public_keys)
        offline = read_offline_license(
            text, keys=self._trusted, product_id=self.product_id, machine_code=host_id, now=now
        )
        if offline.license_key != license_key:
            raise OfflineLicenseError(
                "This license file is for another license key.", reason="wrong_key"
            )
        return offline

    # -- helpers --------------------------------------------------------------------------------

    @property
    def _http(self) -> HttpClient:
        with self._client_lock:
            if self._client is None:
                from license_guard.http import HttpClient

                self._client = HttpClient(
                    self.base_url,
                    authorization=f"Bearer {self._access_token}",
                    settings=self._settings,
                    transport=self._transport,
                    clock=self._clock,
                )
            return self._client

    def _send(self, call: ApiCall, deadline: Deadline) -> Response:
        return self._http.request(
            call.method, call.path, json_body=call.body, headers=call.headers, deadline=deadline
        )

    def _key_payload(self, license_key: str) -> dict[str, str]:
        return {self.api.product_id: self.product_id, self.api.license_key: license_key}

    def _info(self, details: KeyDetails, activation: Activation, host_id: str) -> LicenseInfo:
        customer = details.customer
        license_ = details.license
        # A signed license the app cannot verify (no public keys) is not kept.
        signed = activation.signed_file if self._public_keys else None
        if signed is not None:
            try:
                self._open(signed, license_.key, host_id, now=None)
            except LeaseError as exc:
                raise InvalidResponseError(
                    f"The licensing server's offline license did not verify: {exc}"
                ) from exc
        return LicenseInfo(
            server_time=details.server_time,
            expires_at=license_.expires_at,
            licensee_name=(customer and customer.name) or activation.licensee_name,
            licensee_email=(customer and customer.email) or activation.licensee_email,
            features=self.features,
            usage_limit=license_.usage_limit,
            activations=license_.activations,
            signed_data=signed,
        )
