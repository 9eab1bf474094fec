"""Figure 7: what one relay process serves, and how many a fleet of 1,000,000 installs needs.

Real processes on this machine: the Keymint emulator (``license-guard emulator serve``) with a
fixed latency injected into each of its answers, and 1, 2 or 4 relays
(``license-guard relay serve``, relay-signed licenses, rate limits off) in front of it. A load
generator in this process keeps C keep-alive connections busy with validations (a fresh nonce
each; every validation is two Keymint calls and one Ed25519 signature) and times each one.
Latency is reported as measured and with the injected upstream time (2 x the latency)
subtracted: that is the relay's own share, which the goal is about.

The fleet estimate takes the busiest minute of a jittered fleet (the refresher's schedule, as
figure 5, simulated at 100,000 installs: a smaller fleet is burstier, so this errs high),
scales it to 1,000,000 installs checking every 24 h, and divides by one process's throughput.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.fleet import MINUTES_PER_DAY, _jittered, peak_ratio, simulate
from benchmarks.lab import Lab
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample

__all__ = ["measure"]

LATENCY = 0.010  # seconds injected into each emulator answer
FLEET = 1_000_000
GOAL_RATE = 1000.0
GOAL_P99_MS = 50.0


@dataclass
class Upstream:
    url: str
    product_id: str
    token: str
    key: str
    process: subprocess.Popen[str]


@contextmanager
def _emulator() -> Iterator[Upstream]:
    env = {**os.environ, "LICENSE_GUARD_EMULATOR_ADMIN_TOKEN": "bench-admin-secret"}
    process = subprocess.Popen(
        [sys.executable, "-m", "license_guard", "emulator", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        fields: dict[str, str] = {}
        while "license key" not in fields:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise RuntimeError("the emulator did not start")
            match = re.match(r"\s+([a-z ]+):\s+(\S+)", line)
            if match:
                fields[match.group(1)] = match.group(2)
        from license_guard.emulator.control import send_fault_command

        send_fault_command(
            fields["url"], "bench-admin-secret", {"fault": "latency", "seconds": LATENCY}
        )
        yield Upstream(
            fields["url"],
            fields["product id"],
            fields["access token"],
            fields["license key"],
            process,
        )
    finally:
        process.terminate()
        process.communicate(timeout=20)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux: /proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _relays(upstream: Upstream, count: int, pids: list[int] | None = None) -> Iterator[list[str]]:
    env = {**os.environ, "LICENSE_GUARD_RELAY_TOKEN": upstream.token}
    processes = []
    urls = []
    try:
        for _ in range(count):
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "license_guard",
                    "relay",
                    "serve",
                    "--port",
                    "0",
                    "--keymint-url",
                    upstream.url,
                    "--product-id",
                    upstream.product_id,
                    "--rate-per-ip",
                    "0",
                    "--rate-per-key",
                    "0",
                    "--threads",
                    "128",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            processes.append(process)
            if pids is not None:
                pids.append(process.pid)
            line = process.stdout.readline() if process.stdout else ""
            urls.append(line.split(" at ")[1].strip())
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.communicate(timeout=30)


def _body(upstream: Upstream, index: int) -> bytes:
    nonce = f"bench{index:017d}"
    return json.dumps(
        {
            "productId": upstream.product_id,
            "licenseKey": upstream.key,
            "hostId": "bench-host",
            "nonce": nonce,
        }
    ).encode()


async def _client(
    url: str, path: str, upstream: Upstream, counter: Iterator[int], latencies: list[float]
) -> None:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for index in counter:
            body = _body(upstream, index)
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            answer = await reader.readexactly(length)
            if head.startswith(b"HTTP/1.1 200"):
                latencies.append(time.perf_counter() - started)
            elif not answer:
                raise RuntimeError(f"the relay answered {head[:40]!r}")
    finally:
        writer.close()


def _load(
    urls: list[str], upstream: Upstream, clients: int, requests: int
) -> tuple[float, list[float]]:
    """(successful validations per second, their latencies in seconds) of *requests* over
    *clients* connections; a refused validation (503 when the emulator is swamped) is counted
    as sent, not as served."""
    latencies: list[float] = []

    async def main() -> float:
        counter = iter(range(requests))
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _client(urls[i % len(urls)], "/v1/validate", upstream, counter, latencies)
                for i in range(clients)
            )
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    return len(latencies) / elapsed, latencies


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(lab: Lab, mode: Mode) -> Figure:
    """Figure 7 (skipped when the mode measures no relay requests: the quick mode)."""
    title = "Relay: validations per second and latency, per process"
    if mode.relay_requests == 0:
        return Figure(number=8, title=title, rows=(), notes=("skipped in this mode",))
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    rows: list[Row] = []
    data: dict[str, object] = {"injected_latency_s": LATENCY, "requests": mode.relay_requests}
    injected_ms = 2 * LATENCY * 1000
    with _emulator() as upstream:
        relay_pids: list[int] = []
        with _relays(upstream, 1, relay_pids) as urls:
            import httpx  # one activation, so that validations succeed

            activated = httpx.post(
                urls[0] + "/v1/activate", content=_body(upstream, 10**15), timeout=30
            )
            if activated.status_code != 200:
                raise RuntimeError(f"the benchmark's activation failed: {activated.text}")
            _load(urls, upstream, 50, min(2000, mode.relay_requests))  # warm-up
            for clients in (100, 1000):
                before = _cpu_seconds(relay_pids[0]), _cpu_seconds(upstream.process.pid)
                rate, latencies = _load(urls, upstream, clients, mode.relay_requests)
                relay_cpu = _cpu_seconds(relay_pids[0]) - before[0]
                emulator_cpu = _cpu_seconds(upstream.process.pid) - before[1]
                data[f"clients_{clients}_served"] = len(latencies)
                p50, p99 = _quantile(latencies, 0.5) * 1000, _quantile(latencies, 0.99) * 1000
                rows += [
                    Row(f"1 process, {clients} clients: validations/s", Sample.of([rate]), "/s"),
                    Row("  p50 latency (measured)", Sample.of([p50]), "ms"),
                    Row("  p99 latency (measured)", Sample.of([p99]), "ms"),
                    Row(
                        f"  p99 minus injected {injected_ms:g} ms",
                        Sample.of([p99 - injected_ms]),
                        "ms",
                    ),
                ]
                # Where the time goes: CPU per served validation in the relay and in the emulator
                # (each process is mostly single-threaded Python, so 1,000 / ms is its ceiling).
                served = max(1, len(latencies))
                relay_ms, emulator_ms = relay_cpu * 1000 / served, emulator_cpu * 1000 / served
                rows += [
                    Row("  relay CPU per validation", Sample.of([relay_ms]), "ms"),
                    Row("  emulator CPU per validation", Sample.of([emulator_ms]), "ms"),
                ]
                data[f"clients_{clients}"] = {
                    "rate": rate,
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "relay_cpu_ms": relay_ms,
                    "emulator_cpu_ms": emulator_ms,
                }
        for count in (1, 2, 4):
            with _relays(upstream, count) as urls:
                _load(urls, upstream, 50, min(1000, mode.relay_requests))
                rate, served = _load(urls, upstream, 400, mode.relay_requests)
                data[f"processes_{count}_served"] = len(served)
            rows.append(
                Row(f"{count} process(es), 400 clients: validations/s", Sample.of([rate]), "/s")
            )
            data[f"processes_{count}"] = rate
    one = float(data["processes_1"])  # type: ignore[arg-type]
    minutes = simulate(100_000, 2, _jittered, seed=1)[MINUTES_PER_DAY:]
    ratio = peak_ratio(minutes)
    mean_per_s = FLEET / 86_400
    peak_per_s = ratio * mean_per_s
    needed = max(1, math.ceil(peak_per_s / one))
    rows.append(
        Row("1,000,000 installs: busiest-minute validations/s", Sample.of([peak_per_s]), "/s")
    )
    rows.append(Row("  relay processes needed (no headroom)", Sample.of([float(needed)]), ""))
    data.update(
        {"fleet_peak_ratio": ratio, "fleet_peak_per_s": peak_per_s, "processes_needed": needed}
    )
    c1000 = data["clients_1000"]
    assert isinstance(c1000, dict)
    targets = (
        Target(
            f"at least {GOAL_RATE:g} validations/s per process",
            one >= GOAL_RATE,
            f"{number(one)}/s",
        ),
        Target(
            f"p99 under {GOAL_P99_MS:g} ms at 1,000 clients, injected latency excluded",
            c1000["p99_ms"] - injected_ms < GOAL_P99_MS,
            f"{number(c1000['p99_ms'] - injected_ms)} ms",
        ),
    )
    return Figure(
        number=8,
        title=title,
        rows=tuple(rows),
        targets=targets,
        notes=(
            f"Emulator answers delayed {LATENCY * 1000:g} ms each; a validation is 2 calls.",
            "Load generator, emulator and relays share this machine's CPUs.",
            f"Fleet: busiest minute {ratio:.2f}x the mean at 24 h revalidation with jitter.",
        ),
        data=data,
    )
