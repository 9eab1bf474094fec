"""The interface every licensing backend implements, and the values it returns.

A backend turns three questions into server calls and server answers into the library's errors:
activate this device, is this device's license still good, free this device's seat. It never
touches the lease file; the guard does.

Each call raises one of the three branches an app acts on: ``LicenseDeniedError`` (the server
said no), ``LicenseUnreachableError`` (it could not be asked), ``ConfigurationError`` (the vendor's
setup is wrong).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from license_guard._record import Record, field
from license_guard.errors import ConfigurationError

if TYPE_CHECKING:
    from license_guard.clock import Deadline
    from license_guard.lease import Lease
    from license_guard.status import SeatStatus

__all__ = ["Backend", "LicenseInfo", "server_identity"]


def server_identity(kind: str, base_url: str, *, account: str | None = None) -> str:
    """``"<kind> <url>"`` (plus ``" account=<account>"``), the URL normalised: scheme and host
    in lower case, a default port and a trailing slash dropped. So ``https://API.example.com:443/``
    and ``https://api.example.com`` are one server, and ``http://`` and ``https://`` are two."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and (scheme, port) not in (("https", 443), ("http", 80)):
        host = f"{host}:{port}"
    url = f"{scheme}://{host}{parts.path.rstrip('/')}"
    return f"{kind} {url}" if account is None else f"{kind} {url} account={account}"


class LicenseInfo(Record):
    """What the server confirmed about one license on one device.

    Attributes:
        server_time: the server's clock at the answer (its ``Date`` header), trusted time.
        expires_at: when the license itself expires; ``None`` for never.
        features: what the license unlocks, for ``@guard.require("feature")``; ``None`` when
            this backend was not told (the guard then keeps the features the lease has).
        signed_data: server-signed proof to keep in the lease exactly as issued, if any.
    """

    server_time: datetime | None
    expires_at: datetime | None
    licensee_name: str | None = None
    licensee_email: str | None = None
    features: frozenset[str] | None = frozenset()
    usage_limit: int | None = None
    activations: int | None = None
    signed_data: str | None = field(default=None, repr=False)

    def lease(
        self,
        *,
        previous: Lease | None,
        license_key: str,
        product_id: str,
        host_id: str,
        backend: str,
        now: datetime,
        clock_offset: timedelta,
        device_tag: str | None = None,
        air_gapped: bool = False,
        server: str | None = None,
    ) -> Lease:
        """The lease this answer makes: one rule for an activation and for every later check.

        What the answer says wins. What it leaves out is kept from *previous* when that lease is
        for the same key (a re-activation, or a check), and left empty otherwise: the licensee's
        name and e-mail, the features (from a backend that is not told them), the signed proof,
        the device tag and the time of the first activation. The server's answer lifts any
        earlier revocation.
        """
        from license_guard.lease import Lease

        kept = previous if previous is not None and previous.license_key == license_key else None
        features = self.features
        if features is None:
            features = kept.features if kept is not None else frozenset()
        return Lease(
            license_key=license_key,
            product_id=product_id,
            host_id=host_id,
            backend=backend,
            activated_at=kept.activated_at if kept is not None else now,
            verified_at=now,
            highest_seen=now,
            clock_offset=clock_offset,
            expires_at=self.expires_at,
            licensee_name=self.licensee_name or (kept.licensee_name if kept else None),
            licensee_email=self.licensee_email or (kept.licensee_email if kept else None),
            device_tag=device_tag or (kept.device_tag if kept else None),
            features=features,
            signed_data=self.signed_data or (kept.signed_data if kept else None),
            air_gapped=air_gapped,
            server=server,
        )


class Backend(ABC):
    """A licensing server, as the guard sees it.

    ``name`` is stored in the lease; ``product_id`` binds the lease's seal to the product.
    """

    name: str
    product_id: str

    @property
    def server(self) -> str:
        """Which licensing server vouches for this backend's leases, e.g.
        ``"keymint https://api.keymint.dev"``. It is sealed into every lease, and a lease from
        another server is refused (a lease minted by a server the app does not use, such as a
        local emulator, must not unlock it). The default is the backend's name alone; a backend
        with a configurable server includes its normalised URL (:func:`server_identity`)."""
        return self.name

    @abstractmethod
    def activate(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """Register this device on the license (idempotent for a device already registered).

        Raises:
            LicenseDeniedError: the key is unknown, expired, blocked, full, or its customer is
                inactive (the subclass says which).
            LicenseUnreachableError: the server could not be asked.
            ConfigurationError: bad access token or product id.
        """

    @abstractmethod
    def validate(self, license_key: str, *, host_id: str, deadline: Deadline) -> LicenseInfo:
        """Confirm that the license is still good *and* still registered to this device.

        Never takes a new seat: a device the server no longer lists is a
        ``DeviceDeactivatedError``, not a re-activation.

        Raises:
            LicenseDeniedError, LicenseUnreachableError, ConfigurationError: as for activate.
        """

    @abstractmethod
    def deactivate(self, license_key: str, *, host_id: str, deadline: Deadline) -> bool:
        """Free this device's seat. Returns ``False`` when the server had no seat to free.

        Raises:
            LicenseUnreachableError: the server could not be asked; the seat is still taken.
            ConfigurationError: bad access token or product id.
        """

    def check_lease(self, lease: Lease, *, now: datetime) -> Lease:
        """Verify what this backend vouches for in *lease*, each time a lease is loaded.

        A backend whose server signs an offline proof (``lease.signed_data``) checks the
        signature here and returns the lease with the signed facts (expiry, features) in place of
        the sealed copies. The default trusts the seal alone.

        Raises:
            LeaseError: the signed proof is not genuine, or not for this device or key.
        """
        return lease

    def activate_offline(
        self, signed_file: str, *, license_key: str, host_id: str, now: datetime
    ) -> LicenseInfo:
        """Activate from a server-signed file the vendor sent, for a device that cannot reach
        the server (air-gapped). *now* is this device's clock.

        Raises:
            ConfigurationError: this backend has no signed files (the default).
            LeaseError: the file is not genuine, not for this key or device, or has expired.
            LicenseDeniedError: the key or the license in the file is refused.
        """
        raise ConfigurationError(
            f"The {self.name} backend cannot activate from a file: activate online with the key."
        )

    def heartbeat(self, lease: Lease, *, deadline: Deadline) -> timedelta | None:
        """Tell the server this device is running, when its license requires that.

        Returns the wait until the next heartbeat, or ``None`` when none is needed (the
        default: no heartbeats).

        Raises:
            LicenseDeniedError: the server considers this device gone.
            LicenseUnreachableError, ConfigurationError: as for validate.
        """
        return None

    def seat_status(self, lease: Lease) -> SeatStatus | None:
        """The floating seat this process holds for *lease*, for the status; ``None`` when it
        holds none (the default: a backend without floating seats). Never uses the network."""
        return None

    def close(self) -> None:  # noqa: B027  most backends hold nothing to close
        """Release network resources."""
