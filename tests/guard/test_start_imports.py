"""What a start with a fresh cached lease imports: only what reading the lease needs.

Each module kept off this path is time every app start saves (see docs/performance.md); these
tests keep it off. The lease is made in process; the start runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from license_guard import KeymintBackend, LicenseGuard
from license_guard.emulator import Emulator

APP_ID = "com.example.photoeditor"
# Port 9 (discard) has no listener here: a start that went online would fail and show it.
NOWHERE = "http://127.0.0.1:9"

START = f"""
import json, sys
from license_guard import KeymintBackend, LicenseGuard
product, folder = sys.argv[1:3]
guard = LicenseGuard(
    app_id={APP_ID!r},
    backend=KeymintBackend(product_id=product, access_token="never-sent", base_url={NOWHERE!r}),
    data_dir=folder,
)


@guard.require()
def export():
    return "exported"


@guard.require("export-4k")
async def upload():
    return "uploaded"


status = guard.ensure_activated()
assert export() == "exported"
print(json.dumps({{"state": status.state.value, "modules": sorted(sys.modules)}}))
"""

# The machine-ID source modules of this platform (Windows' falls back on other.py's reader).
_OWN = {"win32": {"windows", "other"}, "darwin": {"macos"}}.get(
    sys.platform, {"linux"} if sys.platform.startswith("linux") else {"other"}
)

# The network stack, process spawning, the standard library's second OpenSSL (hashlib, hmac),
# tempfile (needed only to write a lease), dataclasses and inspect (with ast, dis and tokenize:
# the values on this path are license_guard._record values, and decorating a plain function
# reads its code flags), threading (the guard's locks are _thread's own), the machine-ID sources
# of other platforms, and the parts of license_guard a start never uses.
NOT_ON_A_START = {
    "dataclasses",
    "inspect",
    "tokenize",
    "httpx",
    "httpcore",
    "ssl",
    "socket",
    "psutil",
    "machineid",
    "subprocess",
    "_hashlib",
    "hashlib",
    "hmac",
    "tempfile",
    "shutil",
    "logging",
    "threading",
    "configparser",
    "license_guard.http",
    "license_guard.refresh",
    "license_guard.emulator",
    "license_guard.keygen",
    *(f"license_guard.hostid.{name}" for name in {"linux", "windows", "macos", "other"} - _OWN),
}


def test_a_cached_lease_start_imports_only_what_reading_the_lease_needs(tmp_path: Path) -> None:
    with Emulator() as emulator, emulator.transport() as transport:
        seed = emulator.seed()
        guard = LicenseGuard(
            app_id=APP_ID,
            backend=KeymintBackend(
                product_id=seed.product_id,
                access_token=seed.access_token,
                base_url=NOWHERE,
                transport=transport,
            ),
            data_dir=tmp_path,
        )
        guard.activate(seed.license_key)
        guard.close()
    completed = subprocess.run(
        [sys.executable, "-c", START, seed.product_id, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["state"] == "active"
    assert set(result["modules"]) & NOT_ON_A_START == set()
    assert "license_guard.lease" in result["modules"]  # the start did read the lease


START_WITH_LIC = START.replace(
    f'access_token="never-sent", base_url={NOWHERE!r}),',
    f'access_token="never-sent", base_url={NOWHERE!r}, public_keys=[sys.argv[3]], '
    "allow_offline_activation=True),",
)


def test_a_start_with_a_signed_lic_imports_no_network_stack(tmp_path: Path) -> None:
    """A lease activated from a Keymint ``.lic`` verifies its signature on every start; that
    needs the signature code, not the network (nor hashlib, hmac, dataclasses...)."""
    from license_guard.admin import KeymintAdmin

    assert START_WITH_LIC != START
    with Emulator() as emulator, emulator.transport() as transport:
        seed = emulator.seed()
        public_key = emulator.public_key_pem
        guard = LicenseGuard(
            app_id=APP_ID,
            backend=KeymintBackend(
                product_id=seed.product_id,
                access_token=seed.access_token,
                base_url=NOWHERE,
                transport=transport,
                public_keys=[public_key],
                allow_offline_activation=True,
            ),
            data_dir=tmp_path,
        )
        with KeymintAdmin(
            access_token=emulator.admin_token(),
            base_url="http://127.0.0.1",
            product_id=seed.product_id,
            api_generation=2,
            transport=transport,
        ) as admin:
            signed = admin.sign_offline_license(seed.license_key, guard.host_id, ttl=86400)
        assert guard.activate(seed.license_key, signed_file=signed).air_gapped
        guard.close()
    completed = subprocess.run(
        [sys.executable, "-c", START_WITH_LIC, seed.product_id, str(tmp_path), public_key],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["state"] == "active"
    assert set(result["modules"]) & NOT_ON_A_START == set()
    assert "license_guard.backends.keymint.offline" in result["modules"]  # the file was verified
