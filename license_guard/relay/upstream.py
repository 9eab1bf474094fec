"""The relay's calls to Keymint, made with the guard's own Keymint code, and the signed answers.

Activation, validation and deactivation go through :class:`~license_guard.KeymintBackend`
(the same refusal reading as an app calling Keymint directly); floating seats through the
contract of :mod:`license_guard.backends.keymint.api` and the parsers of ``answers``; Keymint's
own signing through :class:`~license_guard.admin.KeymintAdmin`. Each call runs against a
deadline, with at most one retry: the app retries too, and a relay must not multiply load on
a struggling Keymint.

Every license answer carries an offline license (``.lic``) for the requesting computer:
Keymint's own from ``/key/sign`` when the relay holds an admin token and the vendor's plan signs,
else one the relay signs itself with the same format, the request's nonce and the license's
facts as extra claims (see :mod:`license_guard.backends.keymint.relay_api`).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from license_guard._log import get_logger
from license_guard._redact import redact
from license_guard.backends.keymint.answers import iso_time, parse_seat_renewal
from license_guard.backends.keymint.api import answer, api_for
from license_guard.backends.keymint.backend import KeymintBackend
from license_guard.backends.keymint.floating import seat_refusal
from license_guard.backends.keymint.relay_api import (
    ACTIVATE,
    CHECKIN,
    CHECKOUT,
    DEACTIVATE,
    HEARTBEAT,
    VALIDATE,
)
from license_guard.backends.keymint.signing import sign_offline_license
from license_guard.clock import Clock, Deadline, SystemClock
from license_guard.errors import (
    ConfigurationError,
    LicenseDeniedError,
    LicenseError,
    SeatLostError,
)
from license_guard.http import HttpClient, HttpSettings

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from license_guard.admin.client import KeymintAdmin
    from license_guard.backends.base import LicenseInfo
    from license_guard.http import Response
    from license_guard.relay.keys import SigningKey
    from license_guard.relay.requests import RelayRequest
    from license_guard.relay.settings import RelaySettings

__all__ = ["Upstream"]

log = get_logger("license_guard.relay")


class Upstream:
    """Keymint, as the relay's requests need it. Thread-safe: one per process, shared by every
    worker thread.

    Args:
        settings: the relay's settings.
        signing_key: the relay's own key.
        transport: an httpx transport to Keymint (tests).
        clock: the time source of deadlines and license times.
    """

    def __init__(
        self,
        settings: RelaySettings,
        signing_key: SigningKey,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._key = signing_key
        self._clock = clock or SystemClock()
        timeout = settings.upstream_timeout
        http = HttpSettings(
            connect_timeout=min(3.0, timeout),
            read_timeout=timeout,
            max_attempts=2,
            backoff_base=0.1,
            backoff_cap=1.0,
            user_agent="license-guard-relay",
        )
        self.api = api_for(settings.api_generation)
        self._backends = {
            product_id: KeymintBackend(
                product_id=product_id,
                access_token=settings.token,
                base_url=settings.keymint_url,
                api_generation=settings.api_generation,
                http=http,
                transport=transport,
                clock=self._clock,
            )
            for product_id in settings.product_ids
        }
        self._seats = HttpClient(
            settings.keymint_url,
            authorization=f"Bearer {settings.token}",
            settings=http,
            transport=transport,
            clock=self._clock,
        )
        self._admin: KeymintAdmin | None = None
        self._keymint_signs = settings.admin_token is not None
        self._sign_lock = threading.Lock()
        if settings.admin_token is not None:
            from license_guard.admin.client import KeymintAdmin

            self._admin = KeymintAdmin(
                access_token=settings.admin_token,
                base_url=settings.keymint_url,
                timeout=timeout,
                api_generation=settings.api_generation,
                http=http,
                transport=transport,
                clock=self._clock,
            )
        self._calls: Mapping[str, Callable[[RelayRequest, Deadline], dict[str, Any]]] = {
            ACTIVATE: self.activate,
            VALIDATE: self.validate,
            DEACTIVATE: self.deactivate,
            CHECKOUT: self.checkout,
            HEARTBEAT: self.heartbeat,
            CHECKIN: self.checkin,
        }

    def __repr__(self) -> str:
        return f"Upstream({self._settings.keymint_url!r}, products={len(self._backends)})"

    def call(self, request: RelayRequest) -> dict[str, Any]:
        """Forward *request* within the upstream deadline; the answer's JSON body.

        Raises:
            LicenseError: what Keymint's answer means (a refusal, or unreachable).
        """
        deadline = Deadline(self._settings.upstream_timeout, clock=self._clock)
        return self._calls[request.path](request, deadline)

    # -- node-locked seats ----------------------------------------------------------------------

    def activate(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        info = self._backend(request).activate(
            request.license_key,
            host_id=request.host_id,
            device_tag=request.device_tag,
            deadline=deadline,
        )
        log.info("activated key %s on host %s", redact(request.license_key), request.host_id)
        return {"license": self._license(request, info, deadline)}

    def validate(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        info = self._backend(request).validate(
            request.license_key, host_id=request.host_id, deadline=deadline
        )
        return {"license": self._license(request, info, deadline)}

    def deactivate(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        freed = self._backend(request).deactivate(
            request.license_key, host_id=request.host_id, deadline=deadline
        )
        log.info("deactivated key %s on host %s", redact(request.license_key), request.host_id)
        return {"devicesRemoved": 1 if freed else 0}

    # -- floating seats (generation 2) ------------------------------------------------------------

    def checkout(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        # The backend's checkout names a refusal as for an app calling Keymint itself: every
        # seat taken (with the count, from get-key), expired, blocked, not floating.
        seat = self._backend(request).checkout_answer(
            request.license_key,
            host_id=request.host_id,
            device_tag=request.device_tag,
            deadline=deadline,
        )
        text = self._sign(
            request,
            expires_at=seat.expires_at,
            claims={
                "sessionId": seat.session_id,
                "licenseExpiresAt": _unix(seat.license_expires_at),
                "licenseeName": seat.licensee_name,
                "licenseeEmail": seat.licensee_email,
                "maxSessions": seat.max_sessions,
            },
        )
        return {
            "license": text,
            "sessionId": seat.session_id,
            "sessionSecret": seat.session_secret,
            "nextNonce": seat.next_nonce,
            "expiresAt": iso_time(seat.expires_at),
            "heartbeatInterval": seat.heartbeat_interval,
            "maxSessions": seat.max_sessions,
        }

    def heartbeat(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        path = self.api.require(self.api.heartbeat, "A floating seat")
        response = self._seat_call(path, request, deadline)
        if not 200 <= response.status < 300:
            raise seat_refusal(response)
        renewal = parse_seat_renewal(answer(response))
        text = self._sign(
            request, expires_at=renewal.expires_at, claims={"sessionId": request.session_id}
        )
        return {
            "license": text,
            "expiresAt": iso_time(renewal.expires_at),
            "nextNonce": renewal.next_nonce,
        }

    def checkin(self, request: RelayRequest, deadline: Deadline) -> dict[str, Any]:
        path = self.api.require(self.api.checkin, "A floating seat")
        response = self._seat_call(path, request, deadline)
        if not 200 <= response.status < 300:
            error = seat_refusal(response)
            if isinstance(error, SeatLostError):
                return {"released": False}  # lapsed or checked in already: free either way
            raise error
        answer(response)
        return {"released": True}

    def close(self) -> None:
        """Close every connection pool."""
        for backend in self._backends.values():
            backend.close()
        self._seats.close()
        if self._admin is not None:
            self._admin.close()

    # -- the signed answer --------------------------------------------------------------------

    def _license(self, request: RelayRequest, info: LicenseInfo, deadline: Deadline) -> str:
        """The ``.lic`` for this answer: Keymint's when it signs, else the relay's."""
        now = self._clock.now()
        expires_at = now + self._settings.license_ttl
        if info.expires_at is not None:
            expires_at = min(expires_at, info.expires_at)
        if self._keymint_signs and self._admin is not None:
            text = self._keymint_license(request, int((expires_at - now).total_seconds()))
            if text is not None:
                return text
        return self._sign(
            request,
            expires_at=expires_at,
            claims={
                "licenseExpiresAt": _unix(info.expires_at),
                "licenseeName": info.licensee_name,
                "licenseeEmail": info.licensee_email,
                "maxActivations": info.usage_limit,
                "activations": info.activations,
            },
        )

    def _keymint_license(self, request: RelayRequest, ttl: int) -> str | None:
        """Keymint's own ``.lic`` (``/key/sign``), or None when Keymint will not sign for this
        deployment (generation 1, a plan without signing, a token without admin scope): the
        relay then signs itself, from now on."""
        assert self._admin is not None
        try:
            return self._admin.sign_offline_license(
                request.license_key,
                request.host_id,
                product_id=request.product_id,
                ttl=max(ttl, 1),
            )
        except LicenseDeniedError:
            raise
        except ConfigurationError as exc:
            with self._sign_lock:
                if self._keymint_signs:
                    log.warning("Keymint does not sign for this relay (%s); signing itself", exc)
                self._keymint_signs = False
            return None
        except LicenseError as exc:
            log.warning("Keymint could not sign (%s); signing this answer itself", exc)
            return None

    def _sign(
        self, request: RelayRequest, *, expires_at: datetime, claims: Mapping[str, object]
    ) -> str:
        return sign_offline_license(
            self._key.private_bytes,
            product_id=request.product_id,
            machine_code=request.host_id,
            license_key=request.license_key,
            expires_at=expires_at,
            issued_at=self._clock.now(),
            kid=self._key.kid,
            extra_claims={"nonce": request.nonce, **claims},
        )

    # -- helpers --------------------------------------------------------------------------------

    def _backend(self, request: RelayRequest) -> KeymintBackend:
        return self._backends[request.product_id]

    def _key_payload(self, request: RelayRequest) -> dict[str, str]:
        return {
            self.api.product_id: request.product_id,
            self.api.license_key: request.license_key,
        }

    def _seat_call(self, path: str, request: RelayRequest, deadline: Deadline) -> Response:
        payload = {
            **self._key_payload(request),
            "sessionId": request.session_id,
            "timestamp": request.timestamp,
            "signature": request.signature,
        }
        # Never repeated after a failure that may have reached Keymint: its nonce is spent.
        return self._seats.request(
            "POST", path, json_body=payload, deadline=deadline, idempotent=False
        )


def _unix(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())
