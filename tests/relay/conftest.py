"""The relay as a real process on a real socket, in front of a Keymint emulator on a socket.

The emulator runs in the test process on the system clock (the relay, in its own process,
signs with the system clock too); the relay is ``license-guard relay serve``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from license_guard.backends.keymint.backend import KeymintBackend
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.guard import LicenseGuard
from license_guard.relay.keys import SigningKey, public_key_path, write_key

APP_ID = "com.example.relayed"


@dataclass
class RelayProcess:
    """A running ``license-guard relay serve``."""

    process: subprocess.Popen[str]
    url: str
    public_key_file: Path
    kid: str

    @property
    def public_pem(self) -> str:
        return self.public_key_file.read_text(encoding="ascii")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send *sig*, wait, and return (exit code, stdout rest, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out, err


StartRelay = Callable[..., RelayProcess]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emulator = Emulator(clock=SystemClock())
    yield emulator
    emulator.close()


@pytest.fixture
def seed(emulator: Emulator) -> Seed:
    return emulator.seed(uses_per_key=1)


@pytest.fixture
def keymint(emulator: Emulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as server:
        yield server


@pytest.fixture
def signing_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "relay-key.pem"
    write_key(SigningKey.generate(), path)
    return path


@pytest.fixture
def start_relay(
    keymint: EmulatorServer, seed: Seed, signing_key_file: Path
) -> Iterator[StartRelay]:
    """Start relays: ``start_relay(*extra_args, key_file=..., env=...)``; each stopped after."""
    started: list[RelayProcess] = []

    def start(
        *extra: str,
        key_file: Path | None = signing_key_file,
        env: dict[str, str] | None = None,
        keymint_url: str | None = None,
        product_id: str | None = None,
    ) -> RelayProcess:
        environ = {**os.environ, "LICENSE_GUARD_RELAY_TOKEN": seed.access_token, **(env or {})}
        argv = [
            sys.executable,
            "-m",
            "license_guard",
            "relay",
            "serve",
            "--port",
            "0",
            "--keymint-url",
            keymint_url or keymint.url,
            "--product-id",
            product_id or seed.product_id,
            "--upstream-timeout",
            "3",
            *(["--signing-key", str(key_file)] if key_file else []),
            *extra,
        ]
        process = subprocess.Popen(
            argv,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = {}
        while len(lines) < 3:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                _, err = process.communicate(timeout=10)
                pytest.fail(f"the relay did not start: {err}")
            label, _, value = line.partition(" at " if " at " in line else ": ")
            lines[label.strip() if " at " not in line else "url"] = value.strip()
        relay = RelayProcess(
            process=process,
            url=lines["url"],
            public_key_file=Path(lines["public key"]),
            kid=lines["key id"],
        )
        started.append(relay)
        return relay

    yield start
    for relay in started:
        if relay.process.poll() is None:
            relay.process.kill()
            relay.process.communicate(timeout=10)


@pytest.fixture
def relayed_guards(seed: Seed, tmp_path: Path) -> Iterator[Callable[..., LicenseGuard]]:
    """``relayed_guards(relay_url, public_keys, device_id=...)``: an app's guard with no token."""
    made: list[LicenseGuard] = []

    def make(
        relay_url: str, public_keys: list[str], *, device_id: str = "pc-1", **options: object
    ) -> LicenseGuard:
        backend = KeymintBackend(
            product_id=seed.product_id, relay_url=relay_url, public_keys=public_keys
        )
        guard = LicenseGuard(
            app_id=APP_ID,
            backend=backend,
            data_dir=tmp_path / device_id,
            device_id=device_id,
            **options,  # type: ignore[arg-type]
        )
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


__all__ = ["APP_ID", "RelayProcess", "StartRelay", "public_key_path"]
