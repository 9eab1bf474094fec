"""The Keygen backend: validate-key, machine activation, heartbeats, machine-file check-out.

Activation: validate-key scoped to this host's fingerprint and the product; when the code says
the fingerprint has no machine, ``POST machines`` with license-key authentication
(FINGERPRINT_TAKEN: another process of this device was first, already active; or, under a
uniqueness wider than the license, another license holds this computer); then the
machine file is checked out (``encrypt=true``, license, entitlements and policy included) and,
for a policy that requires heartbeats, the first heartbeat is sent. A check is validate-key then
a fresh machine file. Deactivation is ``DELETE machines/{fingerprint}``.

The lease holds the machine file exactly as issued; :meth:`KeygenBackend.check_lease` verifies
it on every load and puts its signed facts (expiry, entitlements, the file's own window) in
place of the sealed copies, so a lease whose seal was forged still cannot add a feature or
outlive the file. Every answer's signature is checked (:mod:`.client`).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from license_guard._log import get_logger
from license_guard._record import replace as replace_record  # the lease and answers are Records
from license_guard._redact import redact
from license_guard.backends.base import Backend, LicenseInfo, server_identity
from license_guard.backends.keygen.client import KeygenClient
from license_guard.backends.keygen.codes import (
    VALIDATION_CODES,
    Step,
    keygen_error,
)
from license_guard.backends.keygen.proof import (
    MACHINE_FILE_INCLUDES,
    SignedFacts,
    open_proof,
    signed_facts,
)
from license_guard.backends.keygen.validation import KeyValidation, refusal, validate_key
from license_guard.clock import Clock, SystemClock
from license_guard.errors import (
    ConfigurationError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LeaseError,
    LeaseMismatchError,
    LicenseDeniedError,
    LicenseExpiredError,
)
from license_guard.keygen import MAX_CLOCK_DRIFT, PublicKey, VerifiedFile, verify_signed_key

if TYPE_CHECKING:
    import httpx

    from license_guard.http import Deadline, HttpSettings
    from license_guard.lease import Lease

__all__ = ["DEFAULT_BASE_URL", "HEARTBEAT_DRIFT", "KeygenBackend"]

log = get_logger("license_guard.keygen")

DEFAULT_BASE_URL = "https://api.keygen.sh"
# FINGERPRINT_TAKEN's detail under per-account, per-product or per-policy uniqueness.
_TAKEN_SCOPES = {
    "has already been taken for this account": "across all of the vendor's products",
    "has already been taken for this product": "for this product",
    "has already been taken for this policy": "for this kind of license",
}
#: Heartbeats are sent this long before the server's deadline (keygen-go's ``Monitor``).
HEARTBEAT_DRIFT = timedelta(seconds=30)


class KeygenBackend(Backend):
    """Keygen (https://keygen.sh), API 1.7, with server-signed offline leases.

    The app holds only the account's public key: nothing shipped in it can sign. Every answer
    is verified against that key before it is read; the lease holds a machine file the server
    signed for this device.

    Args:
        account: the Keygen account id (or slug).
        public_key: the account's Ed25519 verify key, 64 hex characters (dashboard, Settings).
        product: the product id; validations are scoped to it.
        base_url: the API root (``https://api.keygen.sh``, or the emulator's URL).
        key_scheme: ``"ED25519_SIGN"`` when the product's policy signs license keys: a key is
            then verified offline before anything is sent.
        machine_file_ttl: how long a machine file vouches for offline use (Keygen's minimum
            is one hour); None asks for a file that never expires.
        max_clock_drift: how old a signed answer's ``Date`` may be, and how far a file's
            ``issued`` may lie ahead of this device's clock.
        allow_offline_activation: accept activation from a signed file the vendor sends to a
            computer that cannot reach the server (``guard.activate(key, signed_file=...)``).
            Off by default: such a lease is never checked online, so an app that does not
            offer it must not honour a lease that claims it (the claim is sealed on the
            client, and only the server's signature is beyond a reverse-engineer's reach).
        http: timeouts, retries and TLS trust. transport: an httpx transport (tests).
        clock: the time source for deadlines and the ``Date`` check.

    Raises:
        ConfigurationError: a missing account or product, a public key that is not 64 hex
            characters, an unsupported key scheme, or a TTL under an hour.
    """

    name = "keygen"

    def __init__(
        self,
        *,
        account: str,
        public_key: str | PublicKey,
        product: str,
        base_url: str = DEFAULT_BASE_URL,
        key_scheme: str | None = None,
        machine_file_ttl: timedelta | None = timedelta(days=30),
        max_clock_drift: timedelta = MAX_CLOCK_DRIFT,
        allow_offline_activation: bool = False,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        for what, value in (("account", account), ("product", product)):
            if not isinstance(value, str) or not value.strip() or "/" in value:
                raise ConfigurationError(f"KeygenBackend needs the Keygen {what} id.")
        if key_scheme not in (None, "ED25519_SIGN"):
            raise ConfigurationError("KeygenBackend verifies ED25519_SIGN license keys only.")
        if machine_file_ttl is not None and machine_file_ttl < timedelta(hours=1):
            raise ConfigurationError("machine_file_ttl must be at least one hour (Keygen's rule).")
        self.account = account
        self.product_id = product
        self.public_key = PublicKey.coerce(public_key)
        self.key_scheme = key_scheme
        self.machine_file_ttl = machine_file_ttl
        self.max_clock_drift = max_clock_drift
        self.allow_offline_activation = allow_offline_activation
        self._clock = clock or SystemClock()
        self._api = KeygenClient(
            base_url=base_url,
            account=account,
            public_key=self.public_key,
            clock=self._clock,
            tolerance=max_clock_drift,
            settings=http,
            transport=transport,
        )

    def __repr__(self) -> str:
        return (
            f"KeygenBackend(account={self.account!r}, product={self.product_id!r}, "
            f"base_url={self._api.base_url!r})"
        )

    # -- the Backend interface ----------------------------------------------------------------

    def activate(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """validate-key; create the machine if the fingerprint has none (or replace a dead
        one); check out the machine file; first heartbeat if required. See Backend.activate."""
        self._check_key(license_key)
        validation = validate_key(
            self._api, license_key, host_id=host_id, product=self.product_id, deadline=deadline
        )
        step = validation.rule.step
        if step is Step.REFUSE:
            raise refusal(validation)
        if step is Step.REPLACE_DEAD:
            self._delete_machine(license_key, host_id, deadline)
        if step in (Step.ACTIVATE, Step.REPLACE_DEAD):
            self._create_machine(license_key, validation, host_id, device_tag, deadline)
        return self._renew(license_key, host_id, validation, deadline)

    def validate(self, license_key: str, *, host_id: str, deadline: Deadline) -> LicenseInfo:
        """validate-key for this fingerprint, then a fresh machine file. A fingerprint without a
        (living) machine is a DeviceDeactivatedError: no new seat. See Backend.validate."""
        validation = validate_key(
            self._api, license_key, host_id=host_id, product=self.product_id, deadline=deadline
        )
        if validation.rule.step not in (Step.ACCEPT, Step.PING):
            raise refusal(validation)
        return self._renew(license_key, host_id, validation, deadline)

    def deactivate(self, license_key: str, *, host_id: str, deadline: Deadline) -> bool:
        """``DELETE machines/{fingerprint}``. False when there was no machine, or when the
        server refuses the license itself (suspended: its seat stays until the vendor frees
        it). See Backend.deactivate."""
        try:
            return self._delete_machine(license_key, host_id, deadline)
        except LicenseDeniedError as denial:
            log.warning("the server would not free this device's seat: %s", denial)
            return False

    def heartbeat(self, lease: Lease, *, deadline: Deadline) -> timedelta | None:
        """``POST machines/{id}/actions/ping`` when the lease's machine file says the policy
        requires heartbeats; returns the wait until the next one. See Backend.heartbeat."""
        facts = self._facts(lease)
        if facts.heartbeat is None or facts.machine_id is None:
            return None
        self._ping(lease.license_key, facts.machine_id, deadline)
        return max(facts.heartbeat - HEARTBEAT_DRIFT, facts.heartbeat / 2)

    @property
    def server(self) -> str:
        """``"keygen <normalised base URL> account=<account>"``. See Backend.server."""
        return server_identity(self.name, self._api.base_url, account=self.account)

    def check_lease(self, lease: Lease, *, now: datetime) -> Lease:
        """Verify the lease's signed file and take expiry, features and the offline window from
        it; its ``issued`` joins the highest time seen (a clock behind it is a rollback) and
        bounds the last check. See Backend.check_lease.

        Raises:
            LeaseError: no signed file, or one that is not genuine or not for this license key,
                device or product.
            LeaseMismatchError: a lease activated from a file when this backend does not allow
                offline activation (a genuine lease: it is reported, not moved aside).
        """
        if lease.air_gapped and not self.allow_offline_activation:
            raise LeaseMismatchError(
                "This license was activated from a file, which these settings do not accept "
                "(offline activation is off)."
            )
        facts = self._facts(lease)
        return replace_record(
            lease,
            expires_at=facts.expires_at,
            features=facts.features,
            offline_until=facts.offline_until,
            verified_at=min(lease.verified_at, facts.issued),
            highest_seen=max(lease.highest_seen, facts.issued),
        )

    def activate_offline(
        self, signed_file: str, *, license_key: str, host_id: str, now: datetime
    ) -> LicenseInfo:
        """Activate from a machine file (for this fingerprint) or a license file the vendor
        sent, without the network. See Backend.activate_offline.

        Raises:
            ConfigurationError: this backend does not allow offline activation.
            InvalidLicenseKeyError: the key is not genuine (ED25519_SIGN keys).
            LeaseError: the file is not genuine, not for this key, device or product, or has
                expired (ClockRollbackError: it was issued after this device's clock).
            LicenseExpiredError: the license in the file has expired.
        """
        if not self.allow_offline_activation:
            raise ConfigurationError(
                "This app does not accept activation from a license file "
                "(KeygenBackend(allow_offline_activation=True) enables it)."
            )
        self._check_key(license_key)
        verified = self._open(signed_file, license_key, host_id, machine_only=False)
        verified.require_current(now, tolerance=self.max_clock_drift)
        facts = signed_facts(verified)
        if facts.expires_at is not None and now >= facts.expires_at:
            raise LicenseExpiredError(
                f"This license expired on {facts.expires_at:%Y-%m-%d}. Renew it to keep using "
                "the app.",
                expired_at=facts.expires_at,
            )
        return self._info(facts, server_time=None, signed=signed_file)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()

    # -- the flows ------------------------------------------------------------------------------

    def _create_machine(
        self,
        license_key: str,
        validation: KeyValidation,
        host_id: str,
        device_tag: str | None,
        deadline: Deadline,
    ) -> None:
        attributes: dict[str, Any] = {
            "fingerprint": host_id,
            "platform": f"{sys.platform}/{platform.machine() or 'unknown'}",
        }
        if device_tag:
            attributes["name"] = device_tag[:255]
        body = {
            "data": {
                "type": "machines",
                "attributes": attributes,
                "relationships": {
                    "license": {"data": {"type": "licenses", "id": validation.license_id}}
                },
            }
        }
        answer = self._api.call(
            "POST", "/machines", body=body, license_key=license_key, deadline=deadline
        )
        if answer.status == 201:
            return
        codes = [error.get("code") for error in answer.errors]
        if answer.status == 422 and codes == ["FINGERPRINT_TAKEN"]:
            self._fingerprint_taken(license_key, host_id, answer.errors[0], deadline)
            return
        error = keygen_error(answer.status, answer.errors)
        if isinstance(error, LicenseExpiredError):  # say when, from the validation
            expired = replace_record(validation, rule=VALIDATION_CODES["EXPIRED"])
            error = refusal(expired)
        raise error

    def _fingerprint_taken(
        self, license_key: str, host_id: str, error: Mapping[str, Any], deadline: Deadline
    ) -> None:
        """Return when this license holds the machine (another process of this device
        activated it a moment ago); raise when another license holds this computer.

        Per license (Keygen's default), the detail is "has already been taken": this license
        has the machine. Under per-account, per-product or per-policy uniqueness it is "has
        already been taken for this <scope>", and the holder may be another license: a second
        validation for this fingerprint tells which.

        Raises:
            LicenseDeniedError: another license (of the same scope) holds this computer.
        """
        detail = error.get("detail")
        if detail == "has already been taken":
            return
        again = validate_key(
            self._api, license_key, host_id=host_id, product=self.product_id, deadline=deadline
        )
        if again.rule.step in (Step.ACCEPT, Step.PING):
            return
        scope = _TAKEN_SCOPES.get(detail) if isinstance(detail, str) else None
        rule = f" (the vendor allows one activation per computer {scope})" if scope else ""
        raise LicenseDeniedError(
            f"This computer is already activated with another license key{rule}. Release it "
            "with that key first, or ask the vendor to free it."
        )

    def _delete_machine(self, license_key: str, host_id: str, deadline: Deadline) -> bool:
        answer = self._api.call(
            "DELETE", f"/machines/{host_id}", license_key=license_key, deadline=deadline
        )
        if answer.status == 204:
            return True
        if answer.status == 404:
            return False
        raise keygen_error(answer.status, answer.errors)

    def _ping(self, license_key: str, machine: str, deadline: Deadline) -> None:
        answer = self._api.call(
            "POST", f"/machines/{machine}/actions/ping", license_key=license_key, deadline=deadline
        )
        if answer.status != 200:
            raise keygen_error(answer.status, answer.errors)

    def _renew(
        self, license_key: str, host_id: str, validation: KeyValidation, deadline: Deadline
    ) -> LicenseInfo:
        """Check out a fresh machine file; send the first heartbeat if it is still due."""
        query = f"encrypt=true&include={','.join(MACHINE_FILE_INCLUDES)}"
        body = None
        if self.machine_file_ttl is not None:
            query += f"&ttl={int(self.machine_file_ttl.total_seconds())}"
        else:
            # Keygen reads a missing ttl as its default (one month); only an explicit null, in
            # the body's meta (a query cannot carry one), asks for a file that never expires.
            body = {"meta": {"ttl": None}}
        answer = self._api.call(
            "POST",
            f"/machines/{host_id}/actions/check-out?{query}",
            license_key=license_key,
            body=body,
            deadline=deadline,
        )
        if answer.status != 200:
            raise keygen_error(answer.status, answer.errors)
        certificate = answer.resource()["attributes"].get("certificate")
        if not isinstance(certificate, str):
            raise InvalidResponseError("The licensing server's check-out held no machine file.")
        try:
            facts = signed_facts(self._open(certificate, license_key, host_id, machine_only=True))
        except LeaseError as exc:
            raise InvalidResponseError(
                f"The licensing server's machine file did not verify: {exc}"
            ) from exc
        if facts.heartbeat is not None and not facts.heartbeat_started and facts.machine_id:
            self._ping(license_key, facts.machine_id, deadline)
        return self._info(facts, server_time=validation.date, signed=certificate)

    # -- helpers --------------------------------------------------------------------------------

    def _check_key(self, license_key: str) -> None:
        if not isinstance(license_key, str) or not license_key or len(license_key) > 4096:
            raise InvalidLicenseKeyError("This license key is not valid. Check it and try again.")
        if self.key_scheme is None:
            return
        try:
            verify_signed_key(license_key, public_key=self.public_key, scheme=self.key_scheme)
        except LeaseError as exc:
            raise InvalidLicenseKeyError(
                f"License key {redact(license_key)} is not genuine: it was not signed by the "
                "vendor. Check it and try again."
            ) from exc

    def _open(
        self, text: str, license_key: str, host_id: str, *, machine_only: bool
    ) -> VerifiedFile:
        return open_proof(
            text,
            public_key=self.public_key,
            license_key=license_key,
            fingerprint=host_id,
            product_id=self.product_id,
            machine_only=machine_only,
        )

    def _facts(self, lease: Lease) -> SignedFacts:
        if lease.signed_data is None:
            raise LeaseError("The license file holds no signed Keygen file to vouch for it.")
        verified = self._open(
            lease.signed_data, lease.license_key, lease.host_id, machine_only=not lease.air_gapped
        )
        return signed_facts(verified)

    def _info(
        self, facts: SignedFacts, *, server_time: datetime | None, signed: str
    ) -> LicenseInfo:
        return LicenseInfo(
            server_time=server_time,
            expires_at=facts.expires_at,
            licensee_name=facts.licensee_name,
            features=facts.features,
            usage_limit=facts.max_machines,
            signed_data=signed,
        )
