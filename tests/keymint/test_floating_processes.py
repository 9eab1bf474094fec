"""Floating seats with real app processes against the emulator over a socket: N seats, N apps
run, the next one is refused; an app that exits gives its seat back at once; a killed app's seat
comes back when its lease ends (on the emulator's clock)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from license_guard.admin import FloatingSeats, KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
SEATS = 2

# An app: activate (or start with its lease), run with the background refresher until its
# stdin closes, then close the guard (which gives the seat back).
APP = """
import json, sys
from license_guard import KeymintBackend, LicenseError, LicenseGuard
url, product, folder, machine, action = sys.argv[1:6]
token, key = sys.stdin.readline().strip(), sys.stdin.readline().strip()
guard = LicenseGuard(
    app_id="com.example.floating",
    backend=KeymintBackend(
        product_id=product, access_token=token, base_url=url, api_generation=2, floating=True
    ),
    data_dir=folder,
    device_id=machine,
)
try:
    status = guard.activate(key) if action == "activate" else guard.ensure_activated()
except LicenseError as error:
    print(json.dumps({"refused": type(error).__name__, "message": str(error)}), flush=True)
    sys.exit(3)
guard.start_background_refresh()
print(json.dumps({"running": status.state.value}), flush=True)
sys.stdin.read()
guard.close()
print(json.dumps({"closed": True}), flush=True)
"""


class Fleet:
    """App processes, each on its own computer (device ID and lease folder)."""

    def __init__(self, server: EmulatorServer, product: str, token: str, key: str, root: Path):
        self.server, self.product, self.token, self.key, self.root = (
            server,
            product,
            token,
            key,
            root,
        )
        self.apps: list[subprocess.Popen[str]] = []

    def start(self, machine: str, action: str = "activate") -> tuple[subprocess.Popen[str], Any]:
        app = subprocess.Popen(
            [
                sys.executable,
                "-c",
                APP,
                self.server.url,
                self.product,
                str(self.root / machine),
                machine,
                action,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.apps.append(app)
        assert app.stdin is not None
        assert app.stdout is not None
        app.stdin.write(f"{self.token}\n{self.key}\n")
        app.stdin.flush()
        line = app.stdout.readline()
        assert line, app.stderr.read() if app.stderr else ""
        return app, json.loads(line)

    @staticmethod
    def stop(app: subprocess.Popen[str]) -> Any:
        out, _ = app.communicate("", timeout=30)
        return json.loads(out.strip().splitlines()[-1])

    def close(self) -> None:
        for app in self.apps:
            if app.poll() is None:
                app.kill()
            app.communicate(timeout=30)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def fleet(tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Fleet, Emulator]]:
    with Emulator(clock=clock) as emulator, EmulatorServer(emulator) as server:
        seed = emulator.seed()
        with KeymintAdmin(
            access_token=emulator.admin_token(),
            base_url=server.url,
            product_id=seed.product_id,
            api_generation=2,
        ) as admin:
            key = admin.create_key(floating=FloatingSeats(max_sessions=SEATS))
        apps = Fleet(server, seed.product_id, seed.access_token, key, tmp_path)
        try:
            yield apps, emulator
        finally:
            apps.close()


def test_n_seats_n_apps_and_the_next_is_refused(fleet: tuple[Fleet, Emulator]) -> None:
    apps, _ = fleet
    first, said = apps.start("pc-1")
    assert said == {"running": "active"}
    second, said = apps.start("pc-2")
    assert said == {"running": "active"}
    refused = apps.start("pc-3")[1]
    assert refused["refused"] == "FloatingSeatsTakenError"
    assert f"All {SEATS} seats" in refused["message"]
    assert apps.stop(first) == {"closed": True}  # exits: checks its seat in
    assert apps.start("pc-3")[1] == {"running": "active"}
    # pc-1 starts again from its lease: it must check a seat out, and none is free.
    again = apps.start("pc-1", action="start")[1]
    assert again["refused"] == "FloatingSeatsTakenError", again
    # Once a seat is free, the same start runs: the refusal was for that moment only.
    assert apps.stop(second) == {"closed": True}
    assert apps.start("pc-1", action="start")[1] == {"running": "active"}


def test_a_killed_apps_seat_comes_back_after_its_lease(fleet: tuple[Fleet, Emulator]) -> None:
    apps, emulator = fleet
    killed, _ = apps.start("pc-1")
    apps.start("pc-2")
    killed.kill()  # no check-in: its seat stays taken ...
    killed.wait(timeout=30)
    assert apps.start("pc-3")[1]["refused"] == "FloatingSeatsTakenError"
    assert isinstance(emulator.clock, ManualClock)
    emulator.clock.advance(timedelta(seconds=301))  # ... until its lease (300 s) ends
    assert apps.start("pc-3")[1] == {"running": "active"}
