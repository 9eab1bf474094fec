"""The rules of the emulated Keygen API, apart from HTTP: licenses, machines, heartbeats, files.

:class:`KeygenService` holds the account's state in memory under one lock and decides every
answer. It returns JSON:API documents (plain dicts) and raises :class:`KeygenApiError` for the
refusals the API would answer; the WSGI layer (:mod:`license_guard.emulator.keygen.app`) signs
and sends them, and the Python API of the emulator calls the same methods.

Validation is :mod:`~license_guard.emulator.keygen.validation`'s, check-out documents
:mod:`~license_guard.emulator.keygen.checkout`'s.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from license_guard.clock import Clock
from license_guard.emulator.keygen import documents as docs
from license_guard.emulator.keygen.checkout import (
    LICENSE_INCLUDES,
    MACHINE_INCLUDES,
    Checkout,
    check_options,
    file_resource,
)
from license_guard.emulator.keygen.errors import KeygenApiError
from license_guard.emulator.keygen.records import (
    ExpirationStrategy,
    HeartbeatStatus,
    LicenseRecord,
    MachineRecord,
    MachineUniqueness,
    PolicyRecord,
    ProductRecord,
)
from license_guard.emulator.keygen.signer import AccountKey
from license_guard.emulator.keygen.validation import DETAILS, validation_code

__all__ = ["KeygenService"]


class KeygenService:
    """One Keygen account: products, policies, licenses and machines, and what the API does.

    Times come from *clock*, so a test moves a ManualClock instead of waiting.
    """

    def __init__(self, clock: Clock, key: AccountKey) -> None:
        self.clock = clock
        self.key = key
        self.account_id = key.account_id
        self._lock = threading.RLock()
        self._products: dict[str, ProductRecord] = {}
        self._policies: dict[str, PolicyRecord] = {}
        self._licenses: dict[str, LicenseRecord] = {}
        self._machines: dict[str, MachineRecord] = {}

    @contextmanager
    def _locked(self) -> Iterator[datetime]:
        with self._lock:
            yield self.clock.now()

    # -- the vendor's side (no HTTP endpoints in the emulator) ----------------------------------

    def create_product(self, name: str) -> ProductRecord:
        """A new product."""
        with self._locked() as now:
            product = ProductRecord(id=str(uuid.uuid4()), name=name, created=now)
            self._products[product.id] = product
            return product

    def create_policy(self, product_id: str, **rules: Any) -> PolicyRecord:
        """A new policy of *product_id* with *rules* (the fields of PolicyRecord).

        Raises ValueError for an unknown product.
        """
        with self._locked() as now:
            if product_id not in self._products:
                raise ValueError(f"no product {product_id!r}")
            policy = PolicyRecord(id=str(uuid.uuid4()), product_id=product_id, created=now, **rules)
            self._policies[policy.id] = policy
            return policy

    def create_license(
        self, policy_id: str, *, name: str | None, expiry: datetime | None, key: str | None
    ) -> LicenseRecord:
        """A new license of *policy_id*. Its key is *key*, else a signed key when the policy's
        scheme is ED25519_SIGN, else a random ``XXXXXX-…-V3`` key.

        Raises ValueError for an unknown policy or a key already in use.
        """
        with self._locked() as now:
            policy = self._policies.get(policy_id)
            if policy is None:
                raise ValueError(f"no policy {policy_id!r}")
            license_id = str(uuid.uuid4())
            if key is None:
                key = self._new_key(policy, license_id, now, expiry)
            if self._find_license(key) is not None:
                raise ValueError("that license key is already in use")
            record = LicenseRecord(
                id=license_id,
                key=key,
                policy_id=policy_id,
                name=name,
                expiry=expiry,
                suspended=False,
                created=now,
            )
            self._licenses[record.id] = record
            return record

    def update_license(self, key: str, **changes: Any) -> LicenseRecord:
        """Change a license (``suspended``, ``expiry``). Raises ValueError for an unknown key."""
        with self._lock:
            record = self.license(key)
            record = replace(record, **changes)
            self._licenses[record.id] = record
            return record

    def license(self, key: str) -> LicenseRecord:
        """The license with this key. Raises ValueError when there is none."""
        with self._lock:
            record = self._find_license(key)
            if record is None:
                raise ValueError("no license has that key")
            return record

    def machines(self, license_id: str) -> list[MachineRecord]:
        """The machines of a license, oldest first."""
        with self._lock:
            found = (m for m in self._machines.values() if m.license_id == license_id)
            return sorted(found, key=lambda machine: machine.created)

    def delete_machines(self, license_id: str, fingerprint: str | None) -> int:
        """Remove the machine with *fingerprint* (every machine when None); returns how many."""
        with self._lock:
            doomed = [
                m.id
                for m in self.machines(license_id)
                if fingerprint is None or m.fingerprint == fingerprint
            ]
            for machine_id in doomed:
                del self._machines[machine_id]
            return len(doomed)

    def heartbeat_status(self, record: LicenseRecord, machine_id: str) -> HeartbeatStatus:
        """The heartbeat status now of the license's machine *machine_id* (id or fingerprint).
        Raises KeygenApiError 404 when the license has no such machine."""
        with self._locked() as now:
            machine = self._own_machine(record, machine_id)
            return machine.heartbeat_status(self._policies[record.policy_id], now)

    # -- the API ------------------------------------------------------------------------------

    def validate_key(self, key: str, scope: Mapping[str, Any], nonce: int | None) -> dict[str, Any]:
        """``POST licenses/actions/validate-key``: always a 200 document, ``data`` null when no
        license has *key*."""
        with self._locked() as now:
            record = self._find_license(key)
            policy = None if record is None else self._policies[record.policy_id]
            machines = [] if record is None else self.machines(record.id)
            code, valid = validation_code(record, policy, machines, scope, now)
            meta: dict[str, Any] = {
                "ts": docs.timestamp(now),
                "valid": valid,
                "detail": DETAILS[code],
                "code": code,
            }
            if nonce is not None:
                meta["nonce"] = nonce
            if scope:
                meta["scope"] = dict(scope)
            data = None if record is None else self._license_json(record, now)
            return {"data": data, "meta": meta}

    def authenticate(self, key: str | None) -> LicenseRecord:
        """The license of an ``Authorization: License <key>`` header.

        Raises KeygenApiError: 401 TOKEN_MISSING / LICENSE_INVALID, 403 LICENSE_SUSPENDED /
        LICENSE_EXPIRED (the latter only when the policy revokes access on expiry).
        """
        if not key:
            raise KeygenApiError(401, "TOKEN_MISSING", "An authentication token is required")
        with self._locked() as now:
            record = self._find_license(key)
            if record is None:
                raise KeygenApiError(401, "LICENSE_INVALID", "License key is invalid")
            if record.suspended:
                raise KeygenApiError(403, "LICENSE_SUSPENDED", "License is suspended")
            policy = self._policies[record.policy_id]
            if policy.expiration_strategy is ExpirationStrategy.REVOKE_ACCESS and record.expired(
                now
            ):
                raise KeygenApiError(403, "LICENSE_EXPIRED", "License is expired")
            return record

    def create_machine(
        self, bearer: LicenseRecord, license_id: object, attributes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``POST machines`` by a license bearer: the new machine, or a 4xx refusal."""
        fingerprint = attributes.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint.strip():
            raise _invalid("FINGERPRINT_BLANK", "can't be blank", "/data/attributes/fingerprint")
        with self._locked() as now:
            if not isinstance(license_id, str) or license_id not in self._licenses:
                raise _invalid("LICENSE_BLANK", "must exist", "/data/relationships/license")
            if license_id != bearer.id:
                raise KeygenApiError(
                    403, None, "You do not have permission to complete the request"
                )
            policy = self._policies[bearer.policy_id]
            if bearer.expired(now) and policy.expiration_strategy is not (
                ExpirationStrategy.ALLOW_ACCESS
            ):
                raise _invalid("LICENSE_EXPIRED", "is expired", "/data/relationships/license")
            self._cull_dead(bearer, policy, now)
            taken = self._fingerprint_taken(fingerprint, bearer, policy)
            if taken is not None:
                raise _invalid("FINGERPRINT_TAKEN", taken, "/data/attributes/fingerprint")
            machines = self.machines(bearer.id)
            if policy.max_machines is not None and len(machines) >= policy.max_machines:
                raise _invalid(
                    "MACHINE_LIMIT_EXCEEDED",
                    "machine count has exceeded maximum allowed for license "
                    f"({policy.max_machines})",
                    "/data",
                )
            machine = MachineRecord(
                id=str(uuid.uuid4()),
                license_id=bearer.id,
                fingerprint=fingerprint,
                name=_optional_text(attributes.get("name")),
                hostname=_optional_text(attributes.get("hostname")),
                platform=_optional_text(attributes.get("platform")),
                created=now,
            )
            self._machines[machine.id] = machine
            return docs.machine_resource(machine, policy, account=self.account_id, now=now)

    def _fingerprint_taken(
        self, fingerprint: str, bearer: LicenseRecord, policy: PolicyRecord
    ) -> str | None:
        """The FINGERPRINT_TAKEN detail when *fingerprint* is taken within the policy's
        uniqueness scope (keygen-api's Machine validation), else None. Holds the lock."""

        def holder_policy(machine: MachineRecord) -> PolicyRecord:
            return self._policies[self._licenses[machine.license_id].policy_id]

        strategy = policy.machine_uniqueness
        same = [m for m in self._machines.values() if m.fingerprint == fingerprint]
        if strategy is MachineUniqueness.UNIQUE_PER_ACCOUNT:
            scope = "account" if same else None
        elif strategy is MachineUniqueness.UNIQUE_PER_PRODUCT:
            held = any(holder_policy(m).product_id == policy.product_id for m in same)
            scope = "product" if held else None
        elif strategy is MachineUniqueness.UNIQUE_PER_POLICY:
            scope = "policy" if any(holder_policy(m).id == policy.id for m in same) else None
        else:
            return (
                "has already been taken" if any(m.license_id == bearer.id for m in same) else None
            )
        return None if scope is None else f"has already been taken for this {scope}"

    def delete_machine(self, bearer: LicenseRecord, machine_id: str) -> None:
        """``DELETE machines/{id}`` (id or fingerprint). Raises 404 NOT_FOUND."""
        with self._lock:
            del self._machines[self._own_machine(bearer, machine_id).id]

    def ping(self, bearer: LicenseRecord, machine_id: str) -> dict[str, Any]:
        """``POST machines/{id}/actions/ping``: records a heartbeat. Raises 404, or 422
        MACHINE_HEARTBEAT_DEAD for a dead machine (dead machines are not revived)."""
        with self._locked() as now:
            machine = self._own_machine(bearer, machine_id)
            policy = self._policies[bearer.policy_id]
            if machine.heartbeat_status(policy, now) is HeartbeatStatus.DEAD:
                raise KeygenApiError(
                    422, "MACHINE_HEARTBEAT_DEAD", "is dead", title="Unprocessable entity"
                )
            machine = replace(machine, last_heartbeat=now)
            self._machines[machine.id] = machine
            return docs.machine_resource(machine, policy, account=self.account_id, now=now)

    def check_out_machine(
        self, bearer: LicenseRecord, machine_id: str, options: Checkout
    ) -> dict[str, Any]:
        """``POST machines/{id}/actions/check-out``: a ``machine-files`` resource."""
        check_options(options, MACHINE_INCLUDES)
        with self._locked() as now:
            machine = self._own_machine(bearer, machine_id)
            machine = replace(machine, last_check_out=now)
            self._machines[machine.id] = machine
            policy = self._policies[bearer.policy_id]
            data = docs.machine_resource(machine, policy, account=self.account_id, now=now)
            included = self._included(bearer, now, options.include, prefix="license.")
            if "license" in options.include:
                included.insert(0, self._license_json(bearer, now))
            secret = bearer.key + machine.fingerprint
            return file_resource(self.key, "machine", data, included, now, options, secret)

    def check_out_license(
        self, bearer: LicenseRecord, license_id: str, options: Checkout
    ) -> dict[str, Any]:
        """``POST licenses/{id}/actions/check-out`` (id or key): a ``license-files`` resource."""
        check_options(options, LICENSE_INCLUDES)
        with self._locked() as now:
            if license_id not in (bearer.id, bearer.key):
                raise KeygenApiError(
                    404, "NOT_FOUND", f"The requested license '{license_id}' was not found"
                )
            data = self._license_json(bearer, now)
            included = self._included(bearer, now, options.include, prefix="")
            return file_resource(self.key, "license", data, included, now, options, bearer.key)

    # -- internals ------------------------------------------------------------------------------

    def _find_license(self, key: str) -> LicenseRecord | None:
        return next((r for r in self._licenses.values() if r.key == key), None)

    def _new_key(
        self, policy: PolicyRecord, license_id: str, now: datetime, expiry: datetime | None
    ) -> str:
        if policy.scheme == "ED25519_SIGN":
            return self.key.signed_key(
                {
                    "account": {"id": self.account_id},
                    "product": {"id": policy.product_id},
                    "policy": {"id": policy.id, "duration": None},
                    "user": None,
                    "license": {
                        "id": license_id,
                        "created": docs.timestamp(now),
                        "expiry": docs.timestamp(expiry),
                    },
                }
            )
        groups = [secrets.token_hex(3).upper() for _ in range(5)]
        return "-".join([*groups, "V3"])

    def _cull_dead(self, record: LicenseRecord, policy: PolicyRecord, now: datetime) -> None:
        # Keygen's default cull strategy (DEACTIVATE_DEAD) removes dead machines, freeing their
        # seats; the emulator does it when a new machine asks for one.
        for machine in self.machines(record.id):
            if machine.heartbeat_status(policy, now) is HeartbeatStatus.DEAD:
                del self._machines[machine.id]

    def _own_machine(self, bearer: LicenseRecord, machine_id: str) -> MachineRecord:
        for machine in self.machines(bearer.id):
            if machine_id in (machine.id, machine.fingerprint):
                return machine
        raise KeygenApiError(
            404, "NOT_FOUND", f"The requested machine '{machine_id}' was not found"
        )

    def _license_json(self, record: LicenseRecord, now: datetime) -> dict[str, Any]:
        policy = self._policies[record.policy_id]
        count = len(self.machines(record.id))
        return docs.license_resource(
            record, policy, account=self.account_id, machines=count, now=now
        )

    def _included(
        self, record: LicenseRecord, now: datetime, include: tuple[str, ...], *, prefix: str
    ) -> list[dict[str, Any]]:
        policy = self._policies[record.policy_id]
        product = self._products[policy.product_id]
        included: list[dict[str, Any]] = []
        if f"{prefix}entitlements" in include:
            included += [
                docs.entitlement_resource(code, product, account=self.account_id)
                for code in policy.entitlements
            ]
        if f"{prefix}policy" in include:
            included.append(docs.policy_resource(policy, account=self.account_id))
        if f"{prefix}product" in include:
            included.append(docs.product_resource(product, account=self.account_id))
        return included


def _invalid(code: str, detail: str, pointer: str) -> KeygenApiError:
    return KeygenApiError(422, code, detail, source={"pointer": pointer})


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
