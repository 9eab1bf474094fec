"""Apps as real processes (the ``license-guard`` command) through the relay, and key rotation."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from license_guard.emulator import Emulator, Seed
from license_guard.errors import InvalidResponseError, LeaseError
from license_guard.guard import LicenseGuard
from license_guard.relay.keys import SigningKey, write_key
from license_guard.status import LicenseState
from tests.relay.conftest import APP_ID, StartRelay

Guards = Callable[..., LicenseGuard]


def _command(
    argv: list[str], *, relay_url: str, public_key: Path, seed: Seed, data_dir: Path, device: str
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LICENSE_GUARD_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "license_guard",
            *argv,
            "--app-id",
            APP_ID,
            "--product-id",
            seed.product_id,
            "--relay-url",
            relay_url,
            "--public-key",
            str(public_key),
            "--data-dir",
            str(data_dir),
            "--device-id",  # each process plays another computer
            device,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_activates_checks_and_releases_through_the_relay(
    start_relay: StartRelay, emulator: Emulator, seed: Seed, tmp_path: Path
) -> None:
    relay = start_relay()
    run = lambda *argv: _command(  # noqa: E731
        list(argv),
        relay_url=relay.url,
        public_key=relay.public_key_file,
        seed=seed,
        data_dir=tmp_path / "app",
        device="studio-pc",
    )
    activated = run("activate", seed.license_key)
    assert activated.returncode == 0, activated.stderr
    assert run("status").returncode == 0
    assert run("status", "--online").returncode == 0
    released = run("release")
    assert released.returncode == 0, released.stderr
    assert "Seat released." in released.stdout
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 0
    assert run("status").returncode == 3


def test_eight_apps_at_once_share_one_seat(
    start_relay: StartRelay, emulator: Emulator, seed: Seed, tmp_path: Path
) -> None:
    relay = start_relay()

    def activate(index: int) -> subprocess.CompletedProcess[str]:
        return _command(
            ["activate", seed.license_key],
            relay_url=relay.url,
            public_key=relay.public_key_file,
            seed=seed,
            data_dir=tmp_path / f"app-{index}",
            device=f"pc-{index}",
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(activate, range(8)))
    codes = sorted(result.returncode for result in results)
    assert codes == [0] + [4] * 7, [result.stderr for result in results]
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 1


def test_key_rotation_old_and_new_during_the_overlap_old_refused_after(
    start_relay: StartRelay, relayed_guards: Guards, seed: Seed, tmp_path: Path
) -> None:
    old_file, new_file = tmp_path / "old.pem", tmp_path / "new.pem"
    old_public = write_key(SigningKey.generate(), old_file).read_text()
    new_public = write_key(SigningKey.generate(), new_file).read_text()

    # Before: apps embed the old key; the relay signs with it.
    old_relay = start_relay(key_file=old_file)
    legacy_app = relayed_guards(old_relay.url, [old_public], device_id="legacy")
    legacy_app.activate(seed.license_key)
    old_relay.stop()

    # Overlap: a release embeds both; the relay switches to the new key.
    new_relay = start_relay(key_file=new_file)
    both = relayed_guards(new_relay.url, [old_public, new_public], device_id="legacy")
    assert both.status().state is LicenseState.ACTIVE  # the old-signed lease still loads
    assert both.revalidate().state is LicenseState.ACTIVE  # and new answers are believed
    both.close()

    # After: a release embeds only the new key. An answer signed with the old key (a relay
    # left on it, or someone holding the retired key) is refused.
    still_old = start_relay(key_file=old_file)
    only_new = relayed_guards(still_old.url, [new_public], device_id="legacy")
    with pytest.raises(InvalidResponseError):
        only_new.revalidate()
    current = relayed_guards(new_relay.url, [new_public], device_id="legacy")
    assert current.revalidate().state is LicenseState.ACTIVE


def test_a_lease_signed_with_a_retired_key_is_not_trusted(
    start_relay: StartRelay, relayed_guards: Guards, seed: Seed, tmp_path: Path
) -> None:
    old_file = tmp_path / "old.pem"
    old_public = write_key(SigningKey.generate(), old_file).read_text()
    new_public = SigningKey.generate().public_pem
    relay = start_relay(key_file=old_file)
    relayed_guards(relay.url, [old_public], device_id="pc").activate(seed.license_key)
    after = relayed_guards(relay.url, [new_public], device_id="pc")
    with pytest.raises(LeaseError):
        after.ensure_activated()


def test_a_relay_url_needs_public_keys_and_no_token(seed: Seed) -> None:
    from license_guard.backends.keymint.backend import KeymintBackend
    from license_guard.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="public key"):
        KeymintBackend(product_id=seed.product_id, relay_url="https://relay.example.com")
    with pytest.raises(ConfigurationError, match="not both"):
        KeymintBackend(
            product_id=seed.product_id,
            relay_url="https://relay.example.com",
            access_token="at_x",
            public_keys=[SigningKey.generate().public_pem],
        )
