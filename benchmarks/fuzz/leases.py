"""Lease mutations: a real lease's bytes changed, then opened by a fresh guard, offline.

Each chunk activates three devices for real (this one, another device of the same product, this
device on another product), keeps their sealed leases in memory as donors for splicing, and then
writes mutated copies of this device's lease over its file. A fresh guard, whose server cannot be
reached (no network, or the emulator resetting every connection), runs one of
``ensure_activated()``, ``status()`` or a gated call on it. A mutated lease that leaves the app
licensed with facts other than the original's is an acceptance; an exception outside the
LicenseError tree is a foreign one.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fuzz.mutations import mutate_lease
from benchmarks.fuzz.tally import Tally
from benchmarks.fuzz.world import FEATURE, World, scratch
from license_guard import LicenseError, LicenseGuard, LicenseStatus

__all__ = ["lease_chunk"]

OPERATIONS = ("ensure_activated", "status", "require")


def _no_network(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 101] Network is unreachable", request=request)


def _facts(status: LicenseStatus) -> dict[str, Any]:
    facts = status.to_json()
    for moving in ("checked_at", "grace_left_seconds"):
        facts.pop(moving, None)
    return facts


def _lease_file(folder: Path) -> Path:
    (found,) = folder.glob("*.lease")
    return found


def _run(guard: LicenseGuard, operation: str) -> LicenseStatus | None:
    """The operation's verdict: the status when the app may run, None when it may not."""
    if operation == "ensure_activated":
        return guard.ensure_activated()
    if operation == "status":
        status = guard.status()
        return status if status.is_licensed else None
    with guard.require(FEATURE):
        return guard.status()  # admitted: what the guard now believes


def _leases(world: World, root: Path, here: Path) -> tuple[Path, bytes, tuple[bytes, bytes]]:
    """Activate this device, another device, and this device on the second product, for real;
    returns this device's lease file, its bytes, and the other two leases' bytes."""
    world.activate(here, "device-a").close()
    world.activate(root / "other-device", "device-b").close()
    world.activate(root / "other-product", "device-a", second=True).close()
    path = _lease_file(here)
    donors = (
        _lease_file(root / "other-device").read_bytes(),
        _lease_file(root / "other-product").read_bytes(),
    )
    return path, path.read_bytes(), donors


def _clear_leftovers(folder: Path, keep: set[str]) -> None:
    """Remove the leases the guard moved aside: thousands would pile up otherwise."""
    for leftover in folder.iterdir():
        if leftover.name not in keep:
            leftover.unlink()


def lease_chunk(kind: str, first: int, count: int, seed: int) -> Tally:
    """Run *count* lease mutations of *kind* ("keymint" or "keygen"), numbered from *first*, of
    the campaign seeded with *seed* (draws that reproduce the original are skipped, not
    counted)."""
    tally = Tally(f"{kind} leases")
    started = time.perf_counter()
    root = scratch()
    world = World.create(kind)
    unreachable = httpx.MockTransport(_no_network)
    try:
        here = root / "here"
        path, original, donors = _leases(world, root, here)
        backends = (world.backend(unreachable), world.backend(world.clean))
        reference = _facts(world.guard(here, "device-a", backends[0]).status())
        world.emulator.faults.reset()  # the emulator resets every connection from now on
        keep = {path.name, path.with_suffix(".lock").name}
        index = first - 1
        while tally.tries < count:  # count real mutations: a draw equal to the original is none
            index += 1
            rng = random.Random(f"{seed}/{kind}/lease/{index}")
            mutated, how = mutate_lease(rng, original, rng.choice(donors))
            if mutated == original:
                tally.skipped += 1
                continue
            tally.tries += 1
            operation = OPERATIONS[index % len(OPERATIONS)]
            path.write_bytes(mutated)
            guard = world.guard(here, "device-a", backends[index % 2])
            described = f"{kind} lease try {index} ({how}), {operation}()"
            try:
                status = _run(guard, operation)
            except LicenseError as refused:
                tally.outcome(type(refused).__name__)
                status = None
            except Exception as exc:
                tally.foreign_exception(exc, described)
                status = None
            if status is None:
                if operation == "status":
                    tally.outcome("refused")
            elif _facts(status) == reference:
                tally.licensed_unchanged += 1
                tally.outcome("licensed, original facts")
            else:
                tally.accept(f"{described}: {_facts(status)}")
            _clear_leftovers(here, keep)
    finally:
        world.emulator.faults.clear()
        world.close()
        shutil.rmtree(root, ignore_errors=True)
    tally.seconds = time.perf_counter() - started
    return tally
