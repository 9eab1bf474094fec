"""Figure 2: a fresh interpreter that imports license_guard and checks a cached lease, against a
bare interpreter and against one that imports only cryptography's AEAD module (the floor: the
library cannot open a sealed lease without it). Beside the plain start, in the same rounds: a
start whose lease holds a signed Keymint license (``.lic``, activated from the file), which
verifies its Ed25519 signature on every start.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks.lab import APP_ID, FEATURE, PROBES, Lab, ProcessRun
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved, ratio

__all__ = ["measure"]

TARGET_MS = 40.0
FLOOR = "import cryptography.hazmat.primitives.ciphers.aead"
NETWORK_MODULES = ("httpx", "httpcore", "ssl", "psutil")
LIC_TTL = 30 * 86400  # seconds the lab's .lic vouches for
LIC_APP_ID = f"{APP_ID}.lic"  # another app of the lab's product: its own default lease folder


def measure(lab: Lab, mode: Mode) -> Figure:
    """Interleave the four kinds of process; two warm-up rounds fill the bytecode cache."""
    lic = _lic_lease(lab)
    runs = interleaved(
        mode.process_rounds,
        {
            "bare": lambda: lab.run("-c", "pass"),
            "floor": lambda: lab.run("-c", FLOOR),
            "start": lambda: lab.probe("start"),
            "lic": lambda: lab.probe("start_lic", *lic),
        },
        warmup=2,
    )
    wall = {name: Sample.of([run.wall_ms for run in found]) for name, found in runs.items()}
    cpu = {name: Sample.of([run.cpu_ms for run in found]) for name, found in runs.items()}
    inside = [_inside(run) for run in runs["start"]]
    imported = sorted({name for report in inside for name in report["imported"]})
    added = difference(wall["start"], wall["bare"])
    network = [name for name in imported if name in NETWORK_MODULES]
    rows = [
        Row("python -c pass", wall["bare"], "ms"),
        Row("floor: import the AEAD module", wall["floor"], "ms", _x(wall, "floor"), "bare"),
        Row(
            "import license_guard + ensure_activated()",
            wall["start"],
            "ms",
            _x(wall, "start"),
            "bare",
        ),
        Row("  added above bare", added, "ms"),
        Row("  added above the floor", difference(wall["start"], wall["floor"]), "ms"),
        Row("  added above bare, CPU time", difference(cpu["start"], cpu["bare"]), "ms"),
        Row("  inside: import license_guard", Sample.of([r["import_ms"] for r in inside]), "ms"),
        Row("  inside: ensure_activated()", Sample.of([r["check_ms"] for r in inside]), "ms"),
    ]
    if mode.count_instructions:
        rows += _instruction_rows(lab, inside[-1]["modules"])
    lic_inside = [_inside(run) for run in runs["lic"]]
    lic_imported = sorted({name for report in lic_inside for name in report["imported"]})
    lic_added = difference(wall["lic"], wall["bare"])
    lic_network = [name for name in lic_imported if name in NETWORK_MODULES]
    rows += _lic_rows(lab, mode=mode, wall=wall, inside=lic_inside, lic=lic, rows=rows)
    return Figure(
        number=2,
        title="Cold start with a cached lease",
        rows=tuple(rows),
        targets=(
            Target("at most 40 ms above bare Python", added.median <= TARGET_MS, _by(added)),
            Target(
                "httpx and psutil not imported on a cached-lease start",
                not network,
                "imported: " + (", ".join(network) or "none of " + ", ".join(NETWORK_MODULES)),
            ),
            Target(
                "a start with a signed .lic at most 40 ms above bare Python",
                lic_added.median <= TARGET_MS,
                _by(lic_added),
            ),
            Target(
                "httpx and psutil not imported on a start with a signed .lic",
                not lic_network,
                "imported: " + (", ".join(lic_network) or "none of " + ", ".join(NETWORK_MODULES)),
            ),
        ),
        notes=(
            "wall time of the whole process, started and awaited by the harness; paired per round",
            "the lease folder is the platform default (platformdirs); "
            "watched modules this start imported: " + (", ".join(imported) or "none"),
            "the .lic start: a lease activated from a Keymint .lic the emulator signed (Ed25519), "
            "verified on every start, in its app's default folder; watched modules it imported: "
            + (", ".join(lic_imported) or "none"),
        ),
        data={
            "modules": inside[-1]["modules"],
            "watched_imported": imported,
            "lic_modules": lic_inside[-1]["modules"],
            "lic_watched_imported": lic_imported,
        },
    )


def _instruction_rows(lab: Lab, modules: list[str]) -> list[Row]:
    """Instructions executed (millions), one count each: they do not vary from run to run.

    The start is climbed to in steps: the floor, then every other module the start imports
    except license_guard's own, then those too, then the start itself (the work).
    """
    start = str(PROBES / "start.py")
    others = [name for name in modules if name.split(".")[0] not in ("license_guard", "__main__")]
    counts = {
        "bare": lab.instructions("-c", "pass"),
        "floor": lab.instructions("-c", FLOOR),
        "others": lab.instructions("-c", _import_all([FLOOR.split()[1], *others])),
        "modules": lab.instructions("-c", _import_all([FLOOR.split()[1], *modules])),
        "start": lab.instructions(start),
        "given": lab.instructions(start, str(lab.data_dir)),
    }
    if None in counts.values():
        return []
    m = {name: Sample.of([(count or 0) / 1e6]) for name, count in counts.items()}
    return [
        Row("instructions: python -c pass", m["bare"], "M"),
        Row("instructions: floor", m["floor"], "M", ratio(m["floor"], m["bare"]), "bare"),
        Row("instructions: the start", m["start"], "M", ratio(m["start"], m["bare"]), "bare"),
        Row("  step: the floor", difference(m["floor"], m["bare"]), "M"),
        Row(
            "  step: other modules (stdlib, platformdirs)", difference(m["others"], m["floor"]), "M"
        ),
        Row("  step: license_guard's own modules", difference(m["modules"], m["others"]), "M"),
        Row(
            "  step: the work (host ID, lease, decision)", difference(m["start"], m["modules"]), "M"
        ),
        Row("instructions: the start, data_dir given", m["given"], "M"),
    ]


def _lic_lease(lab: Lab) -> tuple[str, ...]:
    """A lease activated from a ``.lic`` the emulator signed for this device, for an app of its
    own (so in a folder of its own, the platform default as for the plain start); returns the
    probe's arguments: the app id, the public key the app ships (and the folder, where the
    default is not known)."""
    from license_guard import KeymintBackend, LicenseGuard
    from license_guard.admin import KeymintAdmin

    # Where platformdirs puts this app's data under the lab's XDG_DATA_HOME (as Lab.data_dir).
    folder = lab.data_home / LIC_APP_ID
    public_key = lab.emulator.public_key_pem
    guard = LicenseGuard(
        app_id=LIC_APP_ID,
        backend=KeymintBackend(
            product_id=lab.seed.product_id,
            access_token=lab.seed.access_token,
            base_url=lab.server.url,
            features=frozenset({FEATURE}),
            public_keys=[public_key],
            allow_offline_activation=True,
        ),
        data_dir=folder,
    )
    with KeymintAdmin(
        access_token=lab.emulator.admin_token(),
        base_url=lab.server.url,
        product_id=lab.seed.product_id,
        api_generation=2,
    ) as admin:
        signed = admin.sign_offline_license(lab.seed.license_key, guard.host_id, ttl=LIC_TTL)
    try:
        guard.activate(lab.seed.license_key, signed_file=signed)
    finally:
        guard.close()
    if sys.platform.startswith("linux"):
        return LIC_APP_ID, public_key
    return LIC_APP_ID, public_key, str(folder)


def _lic_rows(
    lab: Lab,
    *,
    mode: Mode,
    wall: dict[str, Sample],
    inside: list[dict[str, Any]],
    lic: tuple[str, ...],
    rows: list[Row],
) -> list[Row]:
    """The start with a ``.lic`` lease, beside the plain start of the same rounds; with
    instruction counts, its count and its ratio to the plain start's."""
    added = [
        Row("start with a signed .lic in the lease", wall["lic"], "ms", _x(wall, "lic"), "bare"),
        Row("  .lic start: added above bare", difference(wall["lic"], wall["bare"]), "ms"),
        Row(
            "  .lic start: added above the plain start",
            difference(wall["lic"], wall["start"]),
            "ms",
        ),
        Row(
            "  .lic start inside: ensure_activated()",
            Sample.of([report["check_ms"] for report in inside]),
            "ms",
        ),
    ]
    if not mode.count_instructions:
        return added
    count = lab.instructions(str(PROBES / "start_lic.py"), *lic)
    plain = next((row.sample for row in rows if row.label == "instructions: the start"), None)
    if count is None or plain is None:
        return added
    m = Sample.of([count / 1e6])
    added += [
        Row("instructions: the start with a .lic", m, "M", ratio(m, plain), "the start"),
        Row("  .lic start: instructions above the plain start", difference(m, plain), "M"),
    ]
    return added


def _import_all(names: list[str]) -> str:
    """A program that imports each of *names* (those that exist under that name)."""
    return (
        f"for name in {names!r}:\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except ImportError:\n"
        "        pass\n"
    )


def _x(wall: dict[str, Sample], name: str) -> Sample:
    return ratio(wall[name], wall["bare"])


def _by(added: Sample) -> str:
    over = added.median - TARGET_MS
    if over <= 0:
        return f"{number(added.median)} ms above bare"
    return f"{number(added.median)} ms above bare, {number(over)} ms over"


def _inside(run: ProcessRun) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(run.stdout)
    return report
