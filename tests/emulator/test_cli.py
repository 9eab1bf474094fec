"""`license-guard emulator …`: serve as a real subprocess, and the management commands."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import keymint
import pytest

from license_guard.cli import main
from license_guard.emulator import Emulator, Seed

ADMIN = "adm_cli-test-secret"
ENV = "LICENSE_GUARD_EMULATOR_ADMIN_TOKEN"


@dataclass(frozen=True)
class Served:
    url: str
    seed: Seed
    banner: str


class _Lines:
    """Lines of a pipe, read by a thread so a test can wait for them with a deadline."""

    def __init__(self, stream: Iterator[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Iterator[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def until(self, marker: str, timeout: float = 15.0) -> str:
        seen = ""
        while marker not in seen:
            line = self._lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"output ended before {marker!r}:\n{seen}")
            seen += line
        return seen

    def rest(self, timeout: float = 15.0) -> str:
        self._thread.join(timeout)
        rest = ""
        while not self._lines.empty():
            rest += self._lines.get_nowait() or ""
        return rest


def _field(banner: str, label: str) -> str:
    match = re.search(rf"^\s*{label}:\s+(\S+)", banner, re.MULTILINE)
    assert match, f"no {label!r} in:\n{banner}"
    return match.group(1)


def _as_a_background_job() -> None:
    # What a shell does to a job started with "&": SIGINT ignored, inherited by the child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _serve(
    *options: str, background: bool = False
) -> Iterator[tuple[Served, subprocess.Popen[str], _Lines]]:
    command = [sys.executable, "-m", "license_guard", "emulator", "serve", "--port", "0"]
    env = {**os.environ, ENV: ADMIN, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [*command, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one pipe, read by one thread: neither can fill up and block
        text=True,
        env=env,
        preexec_fn=_as_a_background_job if background else None,  # noqa: PLW1509  sets a signal only
    ) as process:
        assert process.stdout is not None
        lines = _Lines(process.stdout)
        try:
            banner = lines.until("Press Ctrl-C to stop.")
            seed = Seed(
                product_id=_field(banner, "product id"),
                access_token=_field(banner, "access token"),
                license_key=_field(banner, "license key"),
                customer_id=_field(banner, "customer id"),
            )
            url = _field(banner, "url")
            yield Served(url, seed, banner), process, lines
        finally:
            if process.poll() is None:
                process.kill()


def _stop(process: subprocess.Popen[str], lines: _Lines, signum: int = signal.SIGINT) -> str:
    process.send_signal(signum)
    assert process.wait(timeout=15) == 0
    return lines.rest()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_even_when_started_as_a_background_job(signum: int) -> None:
    with _serve(background=True) as (_, process, lines):
        assert "Keymint emulator stopped." in _stop(process, lines, signum)


def _get_key(served: Served, context: ssl.SSLContext) -> httpx.Response:
    return httpx.post(
        served.url + "/get-key",
        json={"productId": served.seed.product_id, "licenseKey": served.seed.license_key},
        headers={"Authorization": f"Bearer {served.seed.access_token}"},
        verify=context,
        timeout=5.0,
    )


def test_serve_answers_on_loopback_stops_on_sigint_and_restarts_on_the_same_db(
    tmp_path: Path,
    tls_context: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "emulator.db"
    with _serve("--db", str(db)) as (served, process, lines):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url)
        assert str(db) in served.banner
        assert f"(from {ENV})" in served.banner  # a secret from the environment is not echoed
        activated = httpx.post(
            served.url + "/activate-key",
            json={
                "productId": served.seed.product_id,
                "licenseKey": served.seed.license_key,
                "hostId": "cli-host",
            },
            headers={"Authorization": f"Bearer {served.seed.access_token}"},
            verify=tls_context,
        )
        assert activated.json()["message"] == "License valid"
        assert activated.json()["licensee_name"] == "Demo Customer"

        # Faults switched from this process on the server in the other one.
        monkeypatch.setenv(ENV, ADMIN)
        assert main(["emulator", "fault", "--url", served.url, "error", "503", "--times", "1"]) == 0
        assert _get_key(served, tls_context).status_code == 503
        assert _get_key(served, tls_context).status_code == 200

        assert "Keymint emulator stopped." in _stop(process, lines)

    with _serve("--db", str(db)) as (again, process, lines):
        assert again.seed == served.seed
        assert "(seed reused)" in again.banner
        info = _get_key(again, tls_context).json()["data"]["license"]
        assert [device["host_id"] for device in info["devices"]] == ["cli-host"]
        _stop(process, lines)

    with Emulator(db) as emulator:  # the file was closed cleanly and holds one seed
        assert emulator.stored_seed() == served.seed
        assert len(emulator.products()) == 1
    capsys.readouterr()


def test_serve_without_db_keeps_state_in_memory(tls_context: ssl.SSLContext) -> None:
    with _serve() as (served, process, lines):
        assert "in memory" in served.banner
        assert _get_key(served, tls_context).status_code == 200
        public_key = Path(_field(served.banner, "public key"))
        assert public_key.name == "public-key.pem"
        assert public_key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
        _stop(process, lines)
    assert not public_key.parent.exists()  # the temporary folder goes with the in-memory key


def _sign(served: Served, token: str, context: ssl.SSLContext) -> httpx.Response:
    return httpx.post(
        served.url + "/key/sign",
        json={
            "productId": served.seed.product_id,
            "licenseKey": served.seed.license_key,
            "hostId": "machine-1",
        },
        headers={"Authorization": f"Bearer {token}"},
        verify=context,
        timeout=10,
    )


def test_serve_prints_an_admin_token_whose_licenses_verify_with_the_written_key(
    tmp_path: Path, tls_context: ssl.SSLContext
) -> None:
    db = tmp_path / "state.db"
    with _serve("--db", str(db)) as (served, process, lines):
        admin_token = _field(served.banner, "admin token")
        public_key = Path(_field(served.banner, "public key"))
        assert public_key == tmp_path / "state-public-key.pem"
        assert _sign(served, served.seed.access_token, tls_context).status_code == 403
        signed = _sign(served, admin_token, tls_context)
        assert signed.status_code == 200
        _stop(process, lines)
    with _serve("--db", str(db)) as (
        again,
        process,
        lines,
    ):  # the same token and key after a restart
        assert _field(again.banner, "admin token") == admin_token
        assert Path(_field(again.banner, "public key")) == public_key
        _stop(process, lines)
    verified = keymint.verify_offline_license(
        signed.json()["file"],
        public_keys=[public_key.read_text()],
        product_id=served.seed.product_id,
        machine_code="machine-1",
    )
    assert verified.license_key == served.seed.license_key


def test_serve_on_a_taken_port_fails_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulator", "serve", "--port", str(port)]) == 1
    assert f"cannot serve on port {port}" in capsys.readouterr().err


def test_serve_refuses_a_file_that_is_not_an_emulator_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database, just text " * 100)
    assert main(["emulator", "serve", "--db", str(junk)]) == 1
    assert "not a usable emulator database" in capsys.readouterr().err


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["emulator", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_products_tokens_and_customers_are_managed_in_a_db_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "managed.db")

    code, out, _ = _run(capsys, "product", "add", "Photo Editor", "--db", db)
    assert code == 0
    product_id = out.strip()
    assert re.fullmatch(r"prod_\w{17,}", product_id)
    code, out, _ = _run(capsys, "product", "add", "Old Tool", "--inactive", "--db", db)
    old_id = out.strip()
    assert _run(capsys, "product", "set-active", product_id, "no", "--db", db) == (
        0,
        f"{product_id} is now inactive\n",
        "",
    )
    assert _run(capsys, "product", "set-active", old_id, "yes", "--db", db)[0] == 0

    code, out, _ = _run(capsys, "token", "add", "--product", old_id, "--db", db)
    scoped = out.strip()
    code, out, _ = _run(capsys, "token", "add", "--db", db)
    global_token = out.strip()
    assert scoped.startswith("at_")
    assert global_token.startswith("at_")

    code, out, _ = _run(capsys, "customer", "add", "Jane Doe", "--email", "j@x.io", "--db", db)
    jane = out.strip()
    code, out, _ = _run(capsys, "customer", "add", "Gone Corp", "--inactive", "--db", db)
    gone = out.strip()
    assert _run(capsys, "customer", "set-active", jane, "no", "--db", db)[0] == 0

    with Emulator(db) as emulator:
        assert [(p.id, p.name, p.active) for p in emulator.products()] == [
            (product_id, "Photo Editor", False),
            (old_id, "Old Tool", True),
        ]
        assert [(t.token, t.product_id) for t in emulator.access_tokens()] == [
            (scoped, old_id),
            (global_token, None),
        ]
        assert [(c.id, c.name, c.email, c.active) for c in emulator.customers()] == [
            (jane, "Jane Doe", "j@x.io", False),
            (gone, "Gone Corp", None, False),
        ]

    code, out, _ = _run(capsys, "product", "list", "--db", db)
    assert out.splitlines() == [
        f"{product_id}  inactive  Photo Editor",
        f"{old_id}  active    Old Tool",
    ]
    code, out, _ = _run(capsys, "token", "list", "--db", db)
    assert scoped not in out
    assert global_token not in out
    assert out.splitlines() == [f"…{scoped[-4:]}  {old_id}", f"…{global_token[-4:]}  every product"]
    code, out, _ = _run(capsys, "customer", "list", "--db", db)
    assert out.splitlines() == [
        f"{jane}  inactive  Jane Doe  j@x.io",
        f"{gone}  inactive  Gone Corp  -",
    ]


def test_management_errors_exit_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "managed.db")
    _run(capsys, "customer", "add", "Jane", "--email", "jane@x.io", "--db", db)
    assert _run(capsys, "customer", "add", "Jane 2", "--email", "jane@x.io", "--db", db) == (
        1,
        "",
        "license-guard: CONFLICT: Customer email jane@x.io already exists.\n",
    )
    assert _run(capsys, "customer", "set-active", "cust_nope", "yes", "--db", db) == (
        1,
        "",
        "license-guard: Customer with ID cust_nope not found\n",
    )
    code, _, err = _run(capsys, "product", "set-active", "prod_nope", "no", "--db", db)
    assert (code, err) == (1, "license-guard: Product prod_nope not found\n")
    code, _, err = _run(capsys, "token", "add", "--product", "prod_nope", "--db", db)
    assert (code, err) == (1, "license-guard: Product prod_nope not found\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["product", "set-active", "prod_x", "maybe", "--db", "x.db"],
        ["product", "add", "Name"],  # --db is required
        ["fault", "hang"],  # --url is required
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", *argv]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["product"], ["token"], ["customer"]])
def test_a_group_alone_prints_its_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", *argv]) == 2
    assert "usage: license-guard emulator" in capsys.readouterr().err
