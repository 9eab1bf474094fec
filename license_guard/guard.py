"""LicenseGuard: the object an app holds. Activation, the startup check, gating, release.

State lives here and nowhere else: the host identity, the lease held in memory, the gate's
current admission, and the time anchor of the last server answer in this session.
"""

from __future__ import annotations

import _thread  # the locks themselves: threading's module costs a start ~1 ms
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from license_guard._log import get_logger
from license_guard._record import replace
from license_guard.backends.base import Backend
from license_guard.clock import Clock, Deadline, SystemClock, shift
from license_guard.errors import (
    ConfigurationError,
    FeatureNotLicensedError,
    InvalidLicenseKeyError,
    LeaseError,
    LeaseMismatchError,
    LicenseDeniedError,
    LicenseError,
    LicenseUnreachableError,
    NotActivatedError,
)
from license_guard.gate import DENY_ALL, Admission, Admissions, Gate, OnDenied
from license_guard.lease import Lease, Revocation, lease_key
from license_guard.policy import Policy, Verdict, judge
from license_guard.session_time import SessionTime
from license_guard.status import LicenseStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from license_guard.hostid import HostIdentity, IdentitySource
    from license_guard.refresh import BackgroundRefresher, OnResult
    from license_guard.store import LeaseStore

__all__ = ["LicenseGuard"]

log = get_logger("license_guard")

# The gate re-decides at least this often, so a suspended laptop or a changed clock is noticed.
ADMISSION_SECONDS = 60.0


class LicenseGuard:
    """Licensing for one app on this device.

    Args:
        app_id: a stable, unique id of the app (``"com.example.photoeditor"``). It names the
            storage folder and salts the host ID; changing it is a new installation.
        backend: the licensing server (:class:`~license_guard.KeymintBackend`, ...).
        grace_period: how long the app keeps working when the server cannot be reached,
            counted from the last successful check.
        revalidate_every: how often the license is re-checked online.
        data_dir: where the lease lives; ``platformdirs.user_data_dir(app_id)`` by default.
            The same setting as the command line's ``--data-dir`` and ``LICENSE_GUARD_DATA_DIR``.
        storage_dir: deprecated name of *data_dir* (a DeprecationWarning; give one, not both).
        device_id: a stable identifier to use instead of the hardware's (containers, cloned VM
            images); salted and hashed like any other. The app decides whether to take it from
            deployers, e.g. ``device_id=os.environ.get("LICENSE_GUARD_DEVICE_ID")``: whoever can
            set it can also make a copied lease open on another computer.
        identity_sources: the host-ID sources to try, in order (tests and special platforms).
        clock: the time source (tests inject a :class:`~license_guard.clock.ManualClock`).
        online_timeout: seconds the startup check may spend online before falling back to grace.
        activation_timeout: seconds an activation or release may take in total.
        clock_tolerance: how far the clock may go back before it counts as rolled back.
        seen_time_step: how far time must advance before a gated call records it in the lease
            during a session (a write at most this often).
        stalled_start_limit: how many starts in a row may find the clock not past the highest
            time already seen (a clock held still) before an online check is required; grace
            does not apply then.

    Raises:
        ConfigurationError: an argument is invalid.
    """

    def __init__(
        self,
        *,
        app_id: str,
        backend: Backend,
        grace_period: timedelta = timedelta(days=7),
        revalidate_every: timedelta = timedelta(hours=24),
        data_dir: str | Path | None = None,
        device_id: str | None = None,
        identity_sources: Sequence[IdentitySource] | None = None,
        clock: Clock | None = None,
        online_timeout: float = 5.0,
        activation_timeout: float = 30.0,
        clock_tolerance: timedelta = timedelta(minutes=5),
        seen_time_step: timedelta = timedelta(hours=1),
        stalled_start_limit: int = 10,
        storage_dir: str | Path | None = None,
    ) -> None:
        if storage_dir is not None:
            if data_dir is not None:
                raise ConfigurationError("Give data_dir only (storage_dir is its old name).")
            _renamed("storage_dir", "data_dir")
            data_dir = storage_dir
        if not isinstance(app_id, str) or not app_id.strip() or len(app_id) > 200:
            raise ConfigurationError("app_id must be a non-empty string (at most 200 characters).")
        if not isinstance(backend, Backend):
            raise ConfigurationError("backend must be a license_guard Backend instance.")
        for name, seconds in (
            ("online_timeout", online_timeout),
            ("activation_timeout", activation_timeout),
        ):
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds.")
        if not isinstance(seen_time_step, timedelta) or seen_time_step <= timedelta(0):
            raise ConfigurationError("seen_time_step must be a positive timedelta.")
        if device_id is not None and not isinstance(device_id, str):
            raise ConfigurationError("device_id must be a string.")
        self.app_id = app_id
        self.backend = backend
        self.policy = Policy(
            grace_period=grace_period,
            revalidate_every=revalidate_every,
            clock_tolerance=clock_tolerance,
            stalled_start_limit=stalled_start_limit,
        )
        self.online_timeout = online_timeout
        self.activation_timeout = activation_timeout
        self.seen_time_step = seen_time_step
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._device_id = device_id
        self._identity_sources = identity_sources
        self._clock = clock or SystemClock()
        # _ops: one network operation at a time (activate, check, release), held across I/O.
        # _state: the in-memory lease and admission, held briefly and never while waiting on the
        # network or the lease lock, so status() and gated calls never wait for a slow server.
        self._ops = _thread.RLock()
        self._state = _thread.RLock()
        self._identity: HostIdentity | None = None
        self._store: LeaseStore | None = None
        self._lease: Lease | None = None
        self._loaded = False
        self._time = SessionTime(self._clock)
        #: What every gate of this guard reads (see :class:`~license_guard.gate.Admissions`).
        self.admissions = Admissions(monotonic=self._clock.monotonic, decide=self._admit)
        self._refresher: BackgroundRefresher | None = None

    def __repr__(self) -> str:
        return f"LicenseGuard(app_id={self.app_id!r}, backend={self.backend!r})"

    # -- identity and storage ---------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The folder holding the lease (and the install ID, where one is needed)."""
        if self._data_dir is None:
            from license_guard.store import default_data_dir

            self._data_dir = default_data_dir(self.app_id)
        return self._data_dir

    @property
    def storage_dir(self) -> Path:
        """Deprecated name of :attr:`data_dir`."""
        _renamed("storage_dir", "data_dir")
        return self.data_dir

    @property
    def identity(self) -> HostIdentity:
        """This device's identity (computed once).

        Raises:
            HostIdError: no stable identity could be found or created.
        """
        identity = self._identity
        if identity is not None:  # computed once, never changed: no lock needed to read it
            return identity
        with self._state:
            if self._identity is None:
                from license_guard.hostid import default_sources, resolve_host_identity

                sources = self._identity_sources
                if sources is None:
                    sources = default_sources(
                        install_id_path=self.data_dir / "install-id", override=self._device_id
                    )
                self._identity = resolve_host_identity(self.app_id, sources)
            return self._identity

    @property
    def host_id(self) -> str:
        """This device's salted, hashed ID: 64 hex characters, different for every app."""
        return self.identity.host_id

    @property
    def store(self) -> LeaseStore:
        """The lease file of this app, product and device."""
        with self._state:
            if self._store is None:
                from license_guard.store import LeaseStore, lease_file_stem

                product_id = self.backend.product_id
                key = lease_key(self.identity.raw_id, app_id=self.app_id, product_id=product_id)
                self._store = LeaseStore(
                    self.data_dir,
                    key=key,
                    host_id=self.host_id,
                    product_id=product_id,
                    verify=self._check_lease,
                    stem=lease_file_stem(product_id),
                    now=self._clock.now,
                )
            return self._store

    # -- the public verbs ---------------------------------------------------------------------

    def activate(
        self, license_key: str, *, device_tag: str | None = None, signed_file: str | None = None
    ) -> LicenseStatus:
        """Activate this device with *license_key* and store the lease.

        Activating a device that is already registered takes no new seat, so this is safe to
        repeat. Activating with a different key replaces the lease and frees the old key's seat
        when the server can be reached.

        *signed_file* is the text of a server-signed file the vendor sent (a Keygen machine file
        for this host ID, or a license file) for a computer that cannot reach the server: it is
        verified offline, and the lease it makes lasts as long as the file, with no online check.

        Raises:
            LicenseDeniedError: the server refused (invalid key, expired, blocked, full, ...).
            LicenseUnreachableError: the server could not be asked; nothing was changed.
            ConfigurationError: bad access token, product id or arguments (or a signed file
                with a backend that has none).
            LeaseError: the signed file is not genuine, not for this key or device, or expired.
            StorageError: the lease could not be written (the seat is taken; activating again
                once the problem is fixed does not take another), or another process held the
                lease's lock for all of ``activation_timeout`` (nothing was changed).
        """
        if not isinstance(license_key, str):
            raise ConfigurationError("license_key must be a string.")
        license_key = license_key.strip()
        if not license_key.isascii() or not license_key.isprintable():
            # Keys are printable ASCII; anything else is a typo or a paste gone wrong, and must
            # be refused before it reaches code that might quote it.
            raise InvalidLicenseKeyError(
                "This license key contains characters a license key never has. Check it and "
                "type or paste it again."
            )
        if device_tag is not None and not isinstance(device_tag, str):
            raise ConfigurationError("device_tag must be a string.")
        deadline = Deadline(self.activation_timeout, clock=self._clock)
        # The wait for the lease's lock comes out of the same deadline as the server's answer.
        with self._ops, self.store.lock.within(deadline.remaining()):
            previous = self._read_lease_quietly()
            if signed_file is None:
                try:
                    info = self.backend.activate(
                        license_key, host_id=self.host_id, device_tag=device_tag, deadline=deadline
                    )
                except InvalidLicenseKeyError as exc:
                    raise _with_case_hint(exc, license_key) from exc
            else:
                info = self.backend.activate_offline(
                    signed_file,
                    license_key=license_key,
                    host_id=self.host_id,
                    now=self._time.now()[0],
                )
            now, offset = self._time.record(info.server_time)
            lease = info.lease(
                previous=previous,
                license_key=license_key,
                product_id=self.backend.product_id,
                host_id=self.host_id,
                backend=self.backend.name,
                now=now,
                clock_offset=offset,
                device_tag=device_tag,
                air_gapped=signed_file is not None,
                server=self.backend.server,
            )
            lease = self.store.save(lease)
            log.info("activated %s on this device (key %s)", self.app_id, lease.key_hint)
            if previous is not None and previous.license_key != license_key:
                self._free_seat_quietly(previous, deadline)
            return self._publish(lease)

    def ensure_activated(self) -> LicenseStatus:
        """The startup check. Returns the status when the app may run, else raises.

        With a fresh lease this reads one file and makes no network call. When a check is due
        (or the lease is expired, revoked, or the clock looks turned back) it asks the server
        within ``online_timeout`` seconds: if the server cannot be reached the app continues in
        grace; if the server says no, the lease is revoked at once. (If another process of the
        app is activating at that moment, the check first waits for it to finish.)

        Raises:
            NotActivatedError: this device has no lease.
            LeaseError: the lease cannot be trusted (it was moved aside: activate again),
                the grace period is over (GracePeriodExpiredError), or the clock was turned
                back (ClockRollbackError).
            LicenseDeniedError: the license is expired, blocked, or no longer on this device.
            StorageError: the lease could not be read or written.
        """
        with self._ops:
            lease = self._load_lease()
            if lease is None:
                raise self._not_activated()
            lease = self._count_start(lease)
            verdict = self._judge(lease)
            # A lease from before the server was recorded is confirmed by this app's server.
            if verdict.check_due or (lease.server is None and not lease.air_gapped):
                lease, verdict = self._check_online(lease, verdict)
            if verdict.error is not None:
                self._publish(lease)
                raise verdict.error
            lease = self._remember(lease, verdict, wait=True)
            return self._publish(lease)

    def revalidate(self) -> LicenseStatus:
        """Ask the server now, whether or not a check is due (the background refresher's job).

        Raises:
            NotActivatedError, LeaseError, LicenseDeniedError: as for ensure_activated.
            LicenseUnreachableError: the server could not be asked (the lease is unchanged).
        """
        with self._ops:
            lease = self._load_lease()
            if lease is None:
                raise self._not_activated()
            lease = self._validate_online(lease)
            verdict = self._judge(lease)
            self._publish(lease)
            if verdict.error is not None:
                raise verdict.error
            return self.status()

    def status(self) -> LicenseStatus:
        """Where the license stands now, from the lease on disk. Never uses the network, never
        raises for license problems, and never moves, deletes or rewrites the lease: a lease
        that cannot be used (damaged, made on another computer, or not fitting these settings)
        is reported as ``LicenseState.UNTRUSTED`` and left where it is.

        Raises:
            HostIdError: this device has no usable identity.
            StorageError: the lease exists but cannot be read.
        """
        with self._state:
            try:
                lease = self._load_lease(set_aside=False)
            except LeaseError as problem:
                return LicenseStatus.untrusted(
                    self.host_id,
                    self._time.now()[0],
                    detail=f"{problem} The license file was left where it is ({self.store.path}).",
                )
            return self._publish(lease)

    def require(self, feature: str | None = None, *, on_denied: OnDenied | None = None) -> Gate:
        """Gate premium code: ``@guard.require()``, ``@guard.require("export-4k")`` or
        ``with guard.require("export-4k"):``.

        A refused call raises the reason (NotActivatedError, LicenseDeniedError, LeaseError,
        FeatureNotLicensedError, ...) or, with ``on_denied``, hands it to that callback.
        """
        if feature is not None and (not isinstance(feature, str) or not feature):
            raise ConfigurationError("A feature name must be a non-empty string.")
        return Gate(self.admissions, feature, on_denied)

    def release(self) -> bool:
        """Free this device's seat and forget the lease (for uninstallers).

        Returns ``True`` when a seat was freed, ``False`` when there was nothing to free (no
        lease here, or the server no longer listed this device) or nothing the server can be
        told (a computer activated from a file: the lease is removed here, and the vendor frees
        its host ID on their side).

        Raises:
            LicenseUnreachableError: the server could not be asked; the lease is kept so that
                releasing can be tried again (or the vendor frees the seat from their side).
            LeaseError: the lease could not be trusted (it was moved aside) or does not fit these
                settings (LeaseMismatchError: left in place); the seat was not freed, and the
                message names the host ID the vendor must free.
            ConfigurationError: bad access token or product id.
            StorageError: the lease could not be removed, or another process held the lease's
                lock for all of ``activation_timeout`` (nothing was changed).
        """
        deadline = Deadline(self.activation_timeout, clock=self._clock)
        with self._ops, self.store.lock.within(deadline.remaining()):
            try:
                lease = self._load_lease()
            except LeaseError as problem:
                raise LeaseError(
                    f"{problem} The seat it held was not freed (without the lease's key it "
                    f"cannot be freed from here): ask the vendor to free host ID {self.host_id}.",
                    quarantined_to=problem.quarantined_to,
                ) from problem
            if lease is None:
                return False
            if lease.air_gapped:
                self.store.delete()
                self._publish(None)
                log.info(
                    "removed the file-activated lease of %s; the server was not told", self.app_id
                )
                return False
            freed = self.backend.deactivate(
                lease.license_key, host_id=lease.host_id, deadline=deadline
            )
            self.store.delete()
            self._publish(None)
            log.info("released %s on this device (seat freed: %s)", self.app_id, freed)
            return freed

    def heartbeat(self) -> timedelta | None:
        """Tell the server this device is running, when its license requires heartbeats (the
        background refresher calls this). Returns the wait until the next one, or ``None`` when
        none is needed (no lease, a revoked or air-gapped lease, or no heartbeat policy).

        A refused heartbeat is checked with a validation: it revokes the lease when the server
        still refuses, and the heartbeat is tried once more when it does not.

        Raises:
            LicenseDeniedError: the server considers this device gone; the lease is revoked.
            LicenseUnreachableError: the server could not be asked.
            LeaseError, StorageError: as for status.
        """
        with self._ops:
            lease = self._load_lease(reload=not self._loaded)
            if lease is None or lease.revocation is not None or lease.air_gapped:
                return None
            deadline = Deadline(self.online_timeout, clock=self._clock)
            try:
                wait = self.backend.heartbeat(lease, deadline=deadline)
            except LicenseDeniedError:
                lease = self._validate_online(lease, timeout=self.online_timeout)
                wait = self.backend.heartbeat(lease, deadline=deadline)
            if wait is not None:  # what it renewed (a floating seat's end) counts at once
                self._publish(self.backend.check_lease(lease, now=self._time.now()[0]))
            return wait

    def start_background_refresh(self, *, on_result: OnResult | None = None) -> BackgroundRefresher:
        """Re-check the license online every ``revalidate_every`` (with jitter) in a daemon
        thread, for apps that stay open for days. ``on_result`` receives each check's status or
        error (from that thread). Idempotent; stop with :meth:`stop_background_refresh`.
        """
        from license_guard.refresh import BackgroundRefresher

        with self._state:
            if self._refresher is None or not self._refresher.running:
                self._refresher = BackgroundRefresher(self, on_result=on_result)
                self._refresher.start()
            return self._refresher

    def stop_background_refresh(self, timeout: float | None = 5.0) -> None:
        """Stop the background refresher, if running, waiting up to *timeout* seconds."""
        refresher = self._refresher
        if refresher is not None:
            refresher.stop(timeout=timeout)

    def close(self) -> None:
        """Stop the refresher and close network connections."""
        self.stop_background_refresh()
        self.backend.close()

    # -- the gate's slow path -----------------------------------------------------------------

    def _admit(self, feature: str | None) -> LicenseError | None:
        """Re-decide offline for the gate; returns the refusal or ``None``."""
        with self._state:
            try:
                lease = self._load_lease(reload=not self._loaded)
            except LicenseError as problem:
                return problem
            if lease is None:
                return self._not_activated()
            verdict = self._judge(lease)
            if verdict.error is None:
                # A long session moves the highest time seen too, or a clock set back before
                # every start would never be noticed. Never waits: skipped if the lock is busy.
                lease = self._remember(lease, verdict, wait=False)
            self._publish(lease, verdict=verdict)
            if verdict.error is not None:
                return verdict.error
            if feature is not None and feature not in lease.features:
                return FeatureNotLicensedError(
                    f"This license does not include the feature {feature!r}.", feature=feature
                )
            return None

    # -- internals ----------------------------------------------------------------------------

    def _check_lease(self, lease: Lease) -> Lease:
        """The store's check of every lease loaded or saved: from this app's server, then what
        the backend vouches for.

        Raises:
            LeaseMismatchError: the lease came from another licensing server.
            LeaseError: the backend refuses it (see Backend.check_lease).
        """
        expected = self.backend.server
        if lease.server is not None and lease.server != expected:
            raise LeaseMismatchError(
                f"This license was issued through another licensing server ({lease.server}), "
                f"not the one this app uses ({expected})."
            )
        return self.backend.check_lease(lease, now=self._time.now()[0])

    def _judge(self, lease: Lease) -> Verdict:
        now, trusted = self._time.now()
        if not trusted:
            # Offline: correct this clock by how far it was off at the last server answer, so
            # a clock that is merely slow is not taken for one turned back.
            now = shift(now, lease.clock_offset)
        return judge(lease, now, self.policy, trusted=trusted)

    def _load_lease(self, *, reload: bool = True, set_aside: bool = True) -> Lease | None:
        with self._state:
            if reload or not self._loaded:
                self._lease = None
                self._loaded = False
                self._lease = self.store.load(set_aside=set_aside)
                self._loaded = True
            return self._lease

    def _read_lease_quietly(self) -> Lease | None:
        try:
            return self._load_lease()
        except LeaseError as problem:
            log.warning("%s", problem)
            return None

    def _check_online(self, lease: Lease, verdict: Verdict) -> tuple[Lease, Verdict]:
        """Ask the server because *verdict* says so; on "unreachable" keep the offline verdict."""
        try:
            lease = self._validate_online(lease, timeout=self.online_timeout)
        except LicenseUnreachableError as exc:
            log.warning("license check skipped, server unreachable: %s", exc)
            return lease, verdict
        except ConfigurationError as exc:
            # The vendor's setup broke (token revoked, product renamed): not the user's doing,
            # so it is treated like an unreachable server, and shouts in the log.
            log.error("license check failed, configuration problem: %s", exc)
            return lease, verdict
        except LicenseDeniedError:
            lease = self._lease or lease
        return lease, self._judge(lease)

    def _validate_online(self, lease: Lease, *, timeout: float | None = None) -> Lease:
        """Validate with the server and store the outcome. A denial revokes the lease.

        Runs under the lease's cross-process lock, on the lease as it is on disk then: another
        process may have released, re-activated or checked it since *lease* was read, and its
        outcome must not be overwritten with this one's.
        """
        with self.store.lock:
            current = self._load_lease()
            if current is None:
                raise self._not_activated()
            if not _same_activation(current, lease) or current.verified_at > lease.verified_at:
                return current  # changed meanwhile: that newer lease stands as it is
            return self._validate_held(current, timeout=timeout)

    def _validate_held(self, lease: Lease, *, timeout: float | None) -> Lease:
        if lease.air_gapped:
            return lease  # activated from a signed file: there is no server to ask
        deadline = Deadline(timeout or self.activation_timeout, clock=self._clock)
        try:
            info = self.backend.validate(
                lease.license_key, host_id=lease.host_id, deadline=deadline
            )
        except LicenseDeniedError as denial:
            now, _ = self._time.now()
            revoked = replace(
                lease,
                revocation=Revocation(reason=type(denial).__name__, message=str(denial), at=now),
            )
            self._save_and_hold(revoked)
            self._publish(revoked)  # closes the gate now, not when its admission runs out
            log.warning("license refused by the server: %s", denial)
            raise
        now, offset = self._time.record(info.server_time)
        renewed = info.lease(
            previous=lease,
            license_key=lease.license_key,
            product_id=lease.product_id,
            host_id=lease.host_id,
            backend=lease.backend,
            now=now,
            clock_offset=offset,
            air_gapped=lease.air_gapped,
            server=self.backend.server,
        )
        return self._save_and_hold(renewed)

    def _count_start(self, lease: Lease) -> Lease:
        """Record this start in the lease: the time it saw, when the clock is past the highest
        time seen; else one more start in a row with the clock held still (sealed, so it
        survives restarts; a successful check clears it). A clock turned back is left to
        :func:`judge`, and a session that reached the server has trusted time: nothing to do."""
        now, trusted = self._time.now()
        if trusted or lease.revocation is not None:
            return lease
        now = shift(now, lease.clock_offset)
        if now < lease.highest_seen - self.policy.clock_tolerance:
            return lease
        with self.store.lock:
            current = self._load_lease()  # as it is on disk now: another process may have written
            if current is None or not _same_activation(current, lease):
                return lease
            if now > current.highest_seen:
                counted = replace(current, highest_seen=now, stalled_starts=0)
            else:
                counted = replace(current, stalled_starts=current.stalled_starts + 1)
            return self._save_and_hold(counted)

    def _remember(self, lease: Lease, verdict: Verdict, *, wait: bool) -> Lease:
        """Record the time now in the lease when it is a ``seen_time_step`` past the highest
        time seen (a write at most that often). With ``wait=False`` it is skipped when another
        thread or process holds the lease's lock, rather than waiting for it."""
        if verdict.now - lease.highest_seen < self.seen_time_step:
            return lease
        if wait:
            with self.store.lock:
                return self._remember_held(lease, verdict)
        with self.store.lock.attempt() as locked:
            return self._remember_held(lease, verdict) if locked else lease

    def _remember_held(self, lease: Lease, verdict: Verdict) -> Lease:
        current = self._load_lease()  # as it is on disk now: another process may have written
        if current is None or not _same_activation(current, lease):
            return lease
        seen = current.seen(verdict.now)
        if seen is not current:
            self._save_and_hold(seen)
        return seen

    def _save_and_hold(self, lease: Lease) -> Lease:
        """Hold *lease* at once (a revocation closes the gate even if the disk then fails), save
        it, and hold it as saved (verified as every load verifies it)."""
        with self._state:
            self._lease, self._loaded = lease, True
        saved = self.store.save(lease)
        with self._state:
            self._lease = saved
        return saved

    def _free_seat_quietly(self, previous: Lease, deadline: Deadline) -> None:
        try:
            self.backend.deactivate(
                previous.license_key, host_id=previous.host_id, deadline=deadline
            )
        except LicenseError as exc:
            log.warning("could not free the previous key's seat (%s): %s", previous.key_hint, exc)

    def _publish(self, lease: Lease | None, *, verdict: Verdict | None = None) -> LicenseStatus:
        """Hold *lease* in memory, set the gate's admission from it, and return the status."""
        with self._state:
            return self._publish_locked(lease, verdict)

    def _publish_locked(self, lease: Lease | None, verdict: Verdict | None) -> LicenseStatus:
        self._lease, self._loaded = lease, True
        if lease is None:
            self.admissions.current = DENY_ALL
            return self._not_activated_status()
        if verdict is None:
            verdict = self._judge(lease)
        if verdict.error is None:
            horizon = ADMISSION_SECONDS
            if verdict.changes_at is not None:
                horizon = min(horizon, (verdict.changes_at - verdict.now).total_seconds())
            self.admissions.current = Admission(
                until=self.admissions.monotonic() + horizon, features=lease.features
            )
        else:
            self.admissions.current = DENY_ALL
        status = verdict.status_of(lease)
        seat = self.backend.seat_status(lease)
        return status if seat is None else replace(status, seat=seat)

    def _not_activated_status(self, detail: str | None = None) -> LicenseStatus:
        return LicenseStatus.not_activated(self.host_id, self._time.now()[0], detail=detail)

    def _not_activated(self) -> NotActivatedError:
        return NotActivatedError(
            "This computer is not activated for this app. Enter a license key to activate it."
        )


def _same_activation(a: Lease, b: Lease) -> bool:
    """Whether two leases come from one activation (the same key, activated at the same time)."""
    return a.license_key == b.license_key and a.activated_at == b.activated_at


def _renamed(old: str, new: str) -> None:
    import warnings

    warnings.warn(
        f"LicenseGuard's {old} is now called {new}, as on the command line (--data-dir) and in "
        f"the config file; {old} will be removed in 1.0.",
        DeprecationWarning,
        stacklevel=3,
    )


def _with_case_hint(error: InvalidLicenseKeyError, license_key: str) -> InvalidLicenseKeyError:
    """*error*, saying that letter case matters when the refused key has lower-case letters
    (the server compares keys exactly, so the upper-case key may well be the right one)."""
    if license_key == license_key.upper() or error.lower_case:
        return error
    from license_guard.messages import KEY_CASE_HINT

    return InvalidLicenseKeyError(
        f"{error} {KEY_CASE_HINT}", lower_case=True, server_message=error.server_message
    )
