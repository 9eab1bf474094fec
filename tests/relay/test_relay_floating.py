"""Floating seats through the relay: apps with no token, the relay forwarding checkout, heartbeat
and check-in to Keymint (generation 2), every seat answer signed by the relay.

App processes (``python -c APP``) play computers; the relay is ``license-guard relay serve``; the
emulator serves Keymint on a socket on the system clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from license_guard.admin import FloatingSeats, KeymintAdmin
from license_guard.backends.keymint.backend import KeymintBackend
from license_guard.backends.keymint.relay_client import new_nonce
from license_guard.backends.keymint.seats import session_signature
from license_guard.backends.keymint.signing import public_key_pem
from license_guard.clock import Deadline, SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.errors import InvalidResponseError, SeatLostError
from license_guard.guard import LicenseGuard
from license_guard.relay.keys import SigningKey
from tests.relay.conftest import APP_ID, RelayProcess, StartRelay

ROOT = Path(__file__).resolve().parents[2]
SEATS = 2

# An app: activate, run with the background refresher until its stdin closes, then close the
# guard (which checks the seat in). Its only settings: the relay's URL and public key file.
APP = """
import json, pathlib, sys
from license_guard import KeymintBackend, LicenseError, LicenseGuard
relay, public_key, product, folder, machine = sys.argv[1:6]
key = sys.stdin.readline().strip()
APP_ID = "com.example.relayed"
guard = LicenseGuard(
    app_id=APP_ID,
    backend=KeymintBackend(
        product_id=product,
        relay_url=relay,
        public_keys=[pathlib.Path(public_key).read_text()],
        floating=True,
    ),
    data_dir=folder,
    device_id=machine,
)
try:
    status = guard.activate(key)
except LicenseError as error:
    print(json.dumps({"refused": type(error).__name__, "message": str(error)}), flush=True)
    sys.exit(3)
guard.start_background_refresh()
print(json.dumps({"running": status.state.value}), flush=True)
sys.stdin.read()
guard.close()
print(json.dumps({"closed": True}), flush=True)
"""


def soon() -> Deadline:
    return Deadline(10, clock=SystemClock())


@pytest.fixture
def floating_key(keymint: EmulatorServer, emulator: Emulator, seed: Seed) -> str:
    with KeymintAdmin(
        access_token=emulator.admin_token(),
        base_url=keymint.url,
        product_id=seed.product_id,
        api_generation=2,
    ) as admin:
        return admin.create_key(floating=FloatingSeats(max_sessions=SEATS))


@pytest.fixture
def relay(start_relay: StartRelay) -> RelayProcess:
    return start_relay("--api-generation", "2")


class Apps:
    """App processes through one relay, each on its own computer."""

    def __init__(self, relay: RelayProcess, product: str, key: str, root: Path) -> None:
        self.relay, self.product, self.key, self.root = relay, product, key, root
        self.running: list[subprocess.Popen[str]] = []

    def start(self, machine: str) -> tuple[subprocess.Popen[str], Any]:
        app = subprocess.Popen(
            [
                sys.executable,
                "-c",
                APP,
                self.relay.url,
                str(self.relay.public_key_file),
                self.product,
                str(self.root / machine),
                machine,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.running.append(app)
        assert app.stdin is not None
        assert app.stdout is not None
        app.stdin.write(self.key + "\n")
        app.stdin.flush()
        line = app.stdout.readline()
        assert line, app.stderr.read() if app.stderr else ""
        return app, json.loads(line)

    @staticmethod
    def stop(app: subprocess.Popen[str]) -> Any:
        out, err = app.communicate("", timeout=30)
        assert app.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def close(self) -> None:
        for app in self.running:
            if app.poll() is None:
                app.kill()
            app.communicate(timeout=30)


@pytest.fixture
def apps(relay: RelayProcess, seed: Seed, floating_key: str, tmp_path: Path) -> Iterator[Apps]:
    made = Apps(relay, seed.product_id, floating_key, tmp_path)
    yield made
    made.close()


def test_n_seats_n_apps_through_one_relay_and_the_next_is_refused(
    apps: Apps, emulator: Emulator, seed: Seed, floating_key: str
) -> None:
    def hosts() -> set[str]:
        return {s.host_id for s in emulator.floating_sessions(seed.product_id, floating_key)}

    first, said = apps.start("pc-1")
    assert said == {"running": "active"}
    second, said = apps.start("pc-2")
    assert said == {"running": "active"}
    assert len(hosts()) == SEATS

    refused = apps.start("pc-3")[1]
    assert refused["refused"] == "FloatingSeatsTakenError"
    assert f"All {SEATS} seats of this license are in use" in refused["message"]

    assert apps.stop(first) == {"closed": True}  # closing checks its seat in through the relay
    assert len(hosts()) == SEATS - 1
    assert apps.start("pc-3")[1] == {"running": "active"}
    assert len(hosts()) == SEATS
    assert apps.stop(second) == {"closed": True}
    paths = [record.path for record in emulator.request_log]
    assert paths.count("/key/checkin") == 2
    assert paths.count("/key/checkout") >= 4


def test_a_heartbeat_through_the_relay_renews_the_seat_with_a_signed_answer(
    relay: RelayProcess, seed: Seed, floating_key: str, emulator: Emulator, tmp_path: Path
) -> None:
    backend = KeymintBackend(
        product_id=seed.product_id,
        relay_url=relay.url,
        public_keys=[relay.public_pem],
        floating=True,
    )
    guard = LicenseGuard(
        app_id=APP_ID, backend=backend, data_dir=tmp_path / "app", device_id="pc-1"
    )
    try:
        status = guard.activate(floating_key)
        assert status.state.value == "active"
        seat = backend.checkout(floating_key, host_id=status.host_id, deadline=soon())
        renewed = backend.renew_seat(seat, deadline=soon())
        assert renewed.session_id == seat.session_id
        assert renewed.nonce != seat.nonce
        assert renewed.expires_at >= seat.expires_at
        (session,) = emulator.floating_sessions(seed.product_id, floating_key)
        assert session.nonce == renewed.nonce
        # The spent nonce again: Keymint refuses it, and the relay says the seat is lost.
        with pytest.raises(SeatLostError):
            backend.renew_seat(seat, deadline=soon())
        assert backend.checkin(renewed, deadline=soon()) is True
        assert emulator.floating_sessions(seed.product_id, floating_key) == []
        assert backend.checkin(renewed, deadline=soon()) is False  # gone already
    finally:
        guard.close()


def test_the_relays_seat_endpoints_over_http(
    relay: RelayProcess, seed: Seed, floating_key: str, emulator: Emulator
) -> None:
    base = {"productId": seed.product_id, "licenseKey": floating_key}
    with httpx.Client(base_url=relay.url, timeout=10) as http:
        taken = http.post("/v1/checkout", json={**base, "hostId": "pc-1", "nonce": new_nonce()})
        assert taken.status_code == 200, taken.text
        seat = taken.json()
        assert seat["maxSessions"] == SEATS
        assert set(seat) >= {"license", "sessionId", "sessionSecret", "nextNonce", "expiresAt"}
        assert seed.access_token not in taken.text

        def signed(nonce: str, secret: str) -> dict[str, str]:
            return {
                **base,
                "hostId": "pc-1",
                "nonce": new_nonce(),
                "sessionId": seat["sessionId"],
                "timestamp": nonce,
                "signature": session_signature(seat["sessionId"], nonce, secret),
            }

        forged = http.post("/v1/heartbeat", json=signed(seat["nextNonce"], "not-the-secret"))
        assert (forged.status_code, forged.json()["reason"]) == (404, "seat_lost")
        beat = http.post("/v1/heartbeat", json=signed(seat["nextNonce"], seat["sessionSecret"]))
        assert beat.status_code == 200, beat.text
        nonce = beat.json()["nextNonce"]

        full = [
            http.post("/v1/checkout", json={**base, "hostId": host, "nonce": new_nonce()})
            for host in ("pc-2", "pc-3")
        ]
        assert full[0].status_code == 200
        assert full[1].status_code == 403
        assert (full[1].json()["reason"], full[1].json()["maxSessions"]) == ("seats_taken", SEATS)

        back = http.post("/v1/checkin", json=signed(nonce, seat["sessionSecret"]))
        assert (back.status_code, back.json()) == (200, {"released": True})
        again = http.post("/v1/checkin", json=signed(nonce, seat["sessionSecret"]))
        assert (again.status_code, again.json()) == (200, {"released": False})
    hosts = {s.host_id for s in emulator.floating_sessions(seed.product_id, floating_key)}
    assert hosts == {"pc-2"}


def test_a_seat_answer_signed_by_another_key_is_not_believed(
    relay: RelayProcess, seed: Seed, floating_key: str, tmp_path: Path
) -> None:
    backend = KeymintBackend(
        product_id=seed.product_id,
        relay_url=relay.url,
        public_keys=[public_key_pem(SigningKey.generate().public_key)],
        floating=True,
    )
    guard = LicenseGuard(
        app_id=APP_ID, backend=backend, data_dir=tmp_path / "app", device_id="pc-1"
    )
    try:
        with pytest.raises(InvalidResponseError, match="did not verify"):
            guard.activate(floating_key)
    finally:
        guard.close()
