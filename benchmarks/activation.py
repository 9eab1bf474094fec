"""Figure 4: an activation against the emulator over loopback, against the same requests sent with
bare httpx, so what is left is the guard's own work (checks, crypto, the lease written with
fsync under the lock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.lab import Lab
from benchmarks.report import Figure, Row
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved, ratio

__all__ = ["measure"]


def _timed(action: Callable[[], Any]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        action()
        return (time.perf_counter() - started) * 1e3

    return run


def measure(lab: Lab, mode: Mode) -> Figure:
    """Interleave bare requests, activations, and the lease's save and load on their own."""
    guard = lab.guard()
    seed = lab.seed
    client = httpx.Client(
        base_url=lab.server.url, headers={"Authorization": f"Bearer {seed.access_token}"}
    )
    try:
        key_body = {"productId": seed.product_id, "licenseKey": seed.license_key}
        activate_body = {**key_body, "hostId": guard.host_id}

        def post(path: str, body: dict[str, str]) -> None:
            response = client.post(path, json=body)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")

        def bare_pair() -> None:
            post("/activate-key", activate_body)
            post("/get-key", key_body)

        def load() -> Any:
            return guard.store.load()

        lease = load()
        samples = {
            name: Sample.of(values)
            for name, values in interleaved(
                mode.activation_rounds,
                {
                    "one": _timed(lambda: post("/activate-key", activate_body)),
                    "pair": _timed(bare_pair),
                    "guard": _timed(lambda: guard.activate(seed.license_key)),
                    "save": _timed(lambda: guard.store.save(lease)),
                    "load": _timed(load),
                },
                warmup=2,
            ).items()
        }
    finally:
        client.close()
        guard.close()
    return Figure(
        number=4,
        title="Activation round trip over loopback",
        rows=(
            Row("bare httpx POST /activate-key", samples["one"], "ms"),
            Row("bare httpx activate-key + get-key", samples["pair"], "ms"),
            Row(
                "guard.activate()",
                samples["guard"],
                "ms",
                ratio(samples["guard"], samples["pair"]),
                "bare pair",
            ),
            Row(
                "  guard's own work (vs the same two requests)",
                difference(samples["guard"], samples["pair"]),
                "ms",
            ),
            Row(
                "  added above one bare POST",
                difference(samples["guard"], samples["one"]),
                "ms",
            ),
            Row("lease save alone (seal, lock, write, 2 fsyncs)", samples["save"], "ms"),
            Row("lease load alone (read, open the seal, parse)", samples["load"], "ms"),
        ),
        notes=(
            "guard.activate() sends activate-key then get-key (expiry, licensee, seats), so the "
            "bare pair is the like-for-like baseline",
            "one keep-alive connection each; the emulator answers from an in-memory database",
        ),
    )
