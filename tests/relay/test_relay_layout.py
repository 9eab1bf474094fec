"""The relay stays out of the app: the client wheel never imports it or its ASGI stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_architecture import import_graph


def test_the_relay_does_not_import_the_emulator() -> None:
    graph = import_graph()
    relay = [name for name in graph if name.startswith("license_guard.relay")]
    assert relay
    for name in relay:
        assert not {t for t in graph[name] if t.startswith("license_guard.emulator")}, name


def test_nothing_outside_the_relay_and_its_command_imports_the_relay() -> None:
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith(("license_guard.relay", "license_guard.cli.relay")):
            continue
        assert not {t for t in targets if t.startswith("license_guard.relay")}, name


def test_an_app_with_a_relay_backend_loads_no_asgi_stack(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "import license_guard\n"
        "from license_guard import crypto\n"
        "pem = crypto.ed25519_pem(crypto.new_ed25519_key()[1])\n"
        "from license_guard import KeymintBackend, LicenseGuard\n"
        "backend = KeymintBackend(product_id='prod_' + 'a' * 20,"
        " relay_url='https://relay.example.com', public_keys=[pem])\n"
        "guard = LicenseGuard(app_id='com.example.lean', backend=backend,"
        f" data_dir={str(tmp_path)!r})\n"
        "print(guard.status().state.value)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    state, modules = result.stdout.splitlines()
    assert state == "not_activated"
    loaded = set(json.loads(modules))
    assert not {m for m in loaded if m.split(".")[0] in ("starlette", "uvicorn", "anyio", "httpx")}
