"""The :class:`KeygenEmulator`: the Keygen subset license_guard uses, held in one object."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from license_guard.clock import Clock, SystemClock, utc
from license_guard.emulator.faults import Faults
from license_guard.emulator.keygen import documents
from license_guard.emulator.keygen.app import KeygenApp
from license_guard.emulator.keygen.checkout import DEFAULT_TTL, Checkout
from license_guard.emulator.keygen.records import (
    DEFAULT_HEARTBEAT_DURATION,
    ExpirationStrategy,
    HeartbeatStatus,
    KeygenSeed,
    LicenseRecord,
    MachineRecord,
    MachineUniqueness,
    PolicyRecord,
)
from license_guard.emulator.keygen.service import KeygenService
from license_guard.emulator.keygen.signer import AccountKey
from license_guard.emulator.requestlog import RequestLog
from license_guard.emulator.serving import ServedEmulator

__all__ = ["KeygenEmulator"]


class KeygenEmulator(ServedEmulator):
    """A Keygen-compatible licensing server (API 1.7, the licensing subset) for tests and demos.

    It holds one account, with a fresh Ed25519 key (:attr:`public_key`), in memory. It answers
    validate-key, machine activation and deactivation, heartbeats and license/machine file
    check-outs, signing every answer and file as Keygen does. Serve it in process with
    :meth:`transport`, or over a socket with :class:`~license_guard.emulator.EmulatorServer`.
    *clock* (default: the system clock) decides expiry, heartbeats, timestamps and ``Date``.
    The vendor's side (products, policies, licenses) is this Python API; wrong arguments raise
    :class:`ValueError`, and methods that mirror an endpoint raise
    :class:`~license_guard.emulator.keygen.KeygenApiError` as that endpoint would answer.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = SystemClock() if clock is None else clock
        self._key = AccountKey(str(uuid.uuid4()))
        self._service = KeygenService(self.clock, self._key)
        self._log = RequestLog()
        self._seed: KeygenSeed | None = None
        #: Switch faults on and off here, as for the Keymint emulator.
        self.faults = Faults(self.clock)
        #: The WSGI application serving the API.
        self.wsgi_app = KeygenApp(
            service=self._service, faults=self.faults, clock=self.clock, log=self._log
        )

    @property
    def account_id(self) -> str:
        """The account's id, the ``{account}`` of every URL."""
        return self._key.account_id

    @property
    def public_key(self) -> str:
        """The account's Ed25519 verify key, 64 hex characters: give it to the backend."""
        return self._key.public_key

    # -- the vendor's side --------------------------------------------------------------------

    def seed(
        self,
        *,
        max_machines: int | None = 5,
        entitlements: Iterable[str] = ("export-4k",),
        require_heartbeat: bool = False,
        expiry: datetime | None = None,
    ) -> KeygenSeed:
        """A product, a policy with *entitlements* and *max_machines*, and a license of it
        that expires in one month unless *expiry* is given."""
        product_id = self.create_product("Demo App")
        policy_id = self.create_policy(
            product_id,
            max_machines=max_machines,
            entitlements=entitlements,
            require_heartbeat=require_heartbeat,
        )
        expires = expiry or documents.expiry_after(self.clock.now(), DEFAULT_TTL)
        record = self.create_license(policy_id, name="Demo Customer", expiry=expires)
        self._seed = KeygenSeed(
            account_id=self.account_id,
            public_key=self.public_key,
            product_id=product_id,
            policy_id=policy_id,
            license_id=record.id,
            license_key=record.key,
        )
        return self._seed

    def stored_seed(self) -> KeygenSeed | None:
        """The latest :meth:`seed`, or None if there was none."""
        return self._seed

    def create_product(self, name: str) -> str:
        """Create a product; returns its id (a UUID)."""
        return self._service.create_product(name).id

    def create_policy(
        self,
        product_id: str,
        *,
        name: str = "Standard",
        max_machines: int | None = 1,
        entitlements: Iterable[str] = (),
        require_heartbeat: bool = False,
        heartbeat_duration: timedelta = DEFAULT_HEARTBEAT_DURATION,
        expiration_strategy: ExpirationStrategy | str = ExpirationStrategy.RESTRICT_ACCESS,
        scheme: str | None = None,
        machine_uniqueness: MachineUniqueness | str = MachineUniqueness.UNIQUE_PER_LICENSE,
    ) -> str:
        """Create a policy; returns its id.

        *max_machines* None is unlimited; more than one makes the policy floating.
        *scheme* ``"ED25519_SIGN"`` gives its licenses signed keys. *machine_uniqueness* is
        where a fingerprint must be unique (Keygen's default: per license). Raises ValueError
        for an unknown product, a limit below 1, a heartbeat shorter than a minute or an
        unknown strategy or scheme.
        """
        if max_machines is not None and max_machines < 1:
            raise ValueError("max_machines must be at least 1 (or None)")
        if heartbeat_duration < timedelta(minutes=1):
            raise ValueError("heartbeat_duration must be at least one minute")
        if scheme not in (None, "ED25519_SIGN"):
            raise ValueError("the emulator signs keys with ED25519_SIGN only")
        policy: PolicyRecord = self._service.create_policy(
            product_id,
            name=name,
            max_machines=max_machines,
            entitlements=tuple(entitlements),
            require_heartbeat=require_heartbeat,
            heartbeat_duration=heartbeat_duration,
            expiration_strategy=ExpirationStrategy(expiration_strategy),
            scheme=scheme,
            machine_uniqueness=MachineUniqueness(machine_uniqueness),
        )
        return policy.id

    def create_license(
        self,
        policy_id: str,
        *,
        name: str | None = None,
        expiry: datetime | None = None,
        key: str | None = None,
    ) -> LicenseRecord:
        """Create a license (never expiring unless *expiry* is given; a naive value is UTC).

        Its key is *key* when given, else generated. Raises ValueError for an unknown policy
        or a key in use.
        """
        return self._service.create_license(
            policy_id, name=name, expiry=None if expiry is None else utc(expiry), key=key
        )

    def license(self, license_key: str) -> LicenseRecord:
        """The license with this key. Raises ValueError when there is none."""
        return self._service.license(license_key)

    def suspend_license(self, license_key: str, suspended: bool = True) -> None:
        """Suspend (or with ``False`` reinstate) a license: validation answers SUSPENDED and
        license-key requests are refused."""
        self._service.update_license(license_key, suspended=suspended)

    def set_license_expiry(self, license_key: str, expiry: datetime | None) -> None:
        """Move a license's expiry (into the past to expire it; None: never)."""
        self._service.update_license(license_key, expiry=None if expiry is None else utc(expiry))

    def machines(self, license_key: str) -> list[MachineRecord]:
        """The machines activated on a license, oldest first."""
        return self._service.machines(self.license(license_key).id)

    def heartbeat_status(self, license_key: str, fingerprint: str) -> HeartbeatStatus:
        """The machine's heartbeat status now (NOT_STARTED, ALIVE or DEAD)."""
        return self._service.heartbeat_status(self.license(license_key), fingerprint)

    def activate_machine(self, license_key: str, fingerprint: str) -> MachineRecord:
        """Activate *fingerprint* as ``POST machines`` would (the vendor doing it for an
        air-gapped customer). Raises KeygenApiError as the endpoint would."""
        record = self._service.authenticate(license_key)
        created = self._service.create_machine(record, record.id, {"fingerprint": fingerprint})
        return next(m for m in self.machines(license_key) if m.id == created["id"])

    def deactivate_machine(self, license_key: str, fingerprint: str | None = None) -> int:
        """Remove the machine with *fingerprint* (every machine when None), as support freeing a
        seat would; returns how many were removed."""
        return self._service.delete_machines(self.license(license_key).id, fingerprint)

    def license_file(
        self,
        license_key: str,
        *,
        ttl: int | None = DEFAULT_TTL,
        include: Iterable[str] = ("entitlements", "policy"),
        encrypt: bool = True,
    ) -> str:
        """A license file for *license_key*, as ``licenses/{id}/actions/check-out`` makes it."""
        record = self.license(license_key)
        options = Checkout(encrypt=encrypt, include=tuple(include), ttl=ttl)
        document = self._service.check_out_license(record, record.id, options)
        certificate: str = document["data"]["attributes"]["certificate"]
        return certificate

    def machine_file(
        self,
        license_key: str,
        fingerprint: str,
        *,
        ttl: int | None = DEFAULT_TTL,
        include: Iterable[str] = ("license", "license.entitlements", "license.policy"),
        encrypt: bool = True,
    ) -> str:
        """A machine file for the activated *fingerprint* of *license_key*, as
        ``machines/{id}/actions/check-out`` makes it."""
        record = self.license(license_key)
        options = Checkout(encrypt=encrypt, include=tuple(include), ttl=ttl)
        document = self._service.check_out_machine(record, fingerprint, options)
        certificate: str = document["data"]["attributes"]["certificate"]
        return certificate

    # -- serving and observing ------------------------------------------------------------------

    def close(self) -> None:
        """Clear every fault, ending hung requests."""
        self.faults.clear()

    def __repr__(self) -> str:
        return f"KeygenEmulator(account={self.account_id}, clock={self.clock!r})"
