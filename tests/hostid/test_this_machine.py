"""This real machine: py-machineid compatibility, root versus an ordinary user, speed, laziness."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import machineid
import pytest

from license_guard.hostid import (
    LinuxMachineIdSource,
    default_sources,
    resolve_host_identity,
    salted_host_id,
)

from .support import NOBODY, drop_privileges_command, run_python

APP = "com.example.app"
needs_machine_id = pytest.mark.skipif(
    not sys.platform.startswith("linux") or LinuxMachineIdSource().read() is None,
    reason="needs Linux with /etc/machine-id or /var/lib/dbus/machine-id",
)

PROBE = """\
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from license_guard.hostid import default_sources, resolve_host_identity
imported = time.perf_counter()
identity = resolve_host_identity(sys.argv[1], default_sources(install_id_path=Path(sys.argv[2])))
done = time.perf_counter()
watched = ("psutil", "machineid", "subprocess", "uuid", "tempfile")
print(json.dumps({
    "host_id": identity.host_id,
    "source": identity.source,
    "import_ms": (imported - started) * 1000,
    "compute_ms": (done - imported) * 1000,
    "imported": [name for name in watched if name in sys.modules],
}))
"""


def probe(*, as_user: int | None = None) -> dict[str, object]:
    result: dict[str, object] = json.loads(
        run_python(PROBE, APP, "/nonexistent/install-id", as_user=as_user)
    )
    return result


@needs_machine_id
def test_linux_source_returns_exactly_py_machineid_s_id() -> None:
    assert LinuxMachineIdSource().read() == machineid.id()


@needs_machine_id
def test_host_id_equals_py_machineid_hashed_id() -> None:
    sources = default_sources(install_id_path=Path("/nonexistent/install-id"), environ={})
    for app_id in (APP, "com.example.other", "ünïcode-app"):
        identity = resolve_host_identity(app_id, sources)
        assert identity.source == "machine-id"
        assert identity.host_id == machineid.hashed_id(app_id)
        assert len(identity.host_id) == 64
    assert machineid.hashed_id(APP) != machineid.hashed_id("com.example.other")
    assert salted_host_id(machineid.id(), APP) == machineid.hashed_id(APP)


@needs_machine_id
@pytest.mark.skipif(
    drop_privileges_command() is None,
    reason="dropping privileges needs root and setpriv (util-linux)",
)
def test_root_and_an_ordinary_user_get_the_same_host_id() -> None:
    as_root = probe()
    as_nobody = probe(as_user=NOBODY)
    assert os.geteuid() == 0
    assert as_root["source"] == as_nobody["source"] == "machine-id"
    assert as_root["host_id"] == as_nobody["host_id"] == machineid.hashed_id(APP)


@needs_machine_id
@pytest.mark.slow
def test_with_a_machine_id_nothing_slow_or_subprocess_related_is_imported_or_run() -> None:
    runs = [probe() for _ in range(3)]
    for run in runs:
        assert run["imported"] == [], run
    # From just after the import to the HostIdentity, in a fresh process; the best of three so a
    # busy CI machine does not fail it. Typically about 1 ms.
    assert min(float(str(run["compute_ms"])) for run in runs) < 10
