"""Racing for the last slots: threads over real sockets, and two emulators on one database file."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx

from license_guard.emulator import Emulator, EmulatorServer, Seed

HOSTS = 20
LIMIT = 5


def _race(urls: list[str], seed: Seed, context: ssl.SSLContext, hosts: list[str]) -> Counter[str]:
    """Activate every host at the same moment (one thread and connection each); count answers."""
    barrier = threading.Barrier(len(hosts))
    answers: Counter[str] = Counter()
    lock = threading.Lock()
    body = {"productId": seed.product_id, "licenseKey": seed.license_key}
    headers = {"Authorization": f"Bearer {seed.access_token}"}

    def activate(index: int, host: str) -> None:
        with httpx.Client(
            base_url=urls[index % len(urls)], headers=headers, verify=context, timeout=10.0
        ) as client:
            barrier.wait()
            response = client.post("/activate-key", json={**body, "hostId": host})
        with lock:
            answers[f"{response.status_code} {response.json().get('message')}"] += 1

    threads = [
        threading.Thread(target=activate, args=(index, host)) for index, host in enumerate(hosts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_twenty_hosts_racing_for_five_slots_leave_exactly_five(
    keymint_emulator: Emulator,
    keymint_server: EmulatorServer,
    keymint_seed: Seed,
    tls_context: ssl.SSLContext,
) -> None:
    hosts = [f"host-{n:02}" for n in range(HOSTS)]
    answers = _race([keymint_server.url], keymint_seed, tls_context, hosts)
    assert answers == Counter(
        {"200 License valid": LIMIT, "403 Activation limit reached": HOSTS - LIMIT}
    )
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert info["license"]["activations"] == LIMIT
    assert len({device["host_id"] for device in info["license"]["devices"]}) == LIMIT


def test_one_host_racing_with_itself_takes_one_slot(
    keymint_emulator: Emulator,
    keymint_server: EmulatorServer,
    keymint_seed: Seed,
    tls_context: ssl.SSLContext,
) -> None:
    answers = _race([keymint_server.url], keymint_seed, tls_context, ["same-host"] * 10)
    assert answers == Counter({"200 License valid": 10})
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert info["license"]["activations"] == 1


def test_two_emulators_sharing_a_database_file_still_leave_exactly_five(
    tmp_path: Path, tls_context: ssl.SSLContext
) -> None:
    # Two Emulator objects have two connections and two locks: for SQLite they are as separate
    # as two processes, so only BEGIN IMMEDIATE keeps the count right.
    db = tmp_path / "shared.db"
    with ExitStack() as stack:
        first = stack.enter_context(Emulator(db))
        seed = first.seed(uses_per_key=LIMIT)
        second = stack.enter_context(Emulator(db))
        servers = [stack.enter_context(EmulatorServer(emu)) for emu in (first, second)]
        hosts = [f"host-{n:02}" for n in range(HOSTS)]
        answers = _race([server.url for server in servers], seed, tls_context, hosts)
        assert answers["200 License valid"] == LIMIT
        assert answers["403 Activation limit reached"] == HOSTS - LIMIT
        for emulator in (first, second):
            info = emulator.key_info(seed.product_id, seed.license_key)
            assert info["license"]["activations"] == LIMIT
