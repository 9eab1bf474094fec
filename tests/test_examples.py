"""The examples and the README's headline code run as shipped, against the emulator over a real
socket, in real subprocesses: a first launch, a mistyped key, the activation, the next launch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from license_guard.emulator import Emulator, EmulatorServer, Seed

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = str(ROOT / "examples" / "quickstart.py")

Live = tuple[Emulator, Seed, EmulatorServer]


def _env(seed: Seed, server: EmulatorServer, data_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
        "LICENSE_GUARD_BASE_URL": server.url,
        "XDG_DATA_HOME": str(data_home),  # where platformdirs puts the lease on Linux
    }


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _wrong_key(seed: Seed) -> str:
    """A key of the right shape that the server does not know."""
    last = "A" if seed.license_key[-1] != "A" else "B"
    return seed.license_key[:-1] + last


def _leases(data_home: Path) -> list[Path]:
    return list((data_home / "com.example.photoeditor").glob("license-*.lease"))


def test_quickstart_first_launch_without_a_key_says_so(live_keymint: Live, tmp_path: Path) -> None:
    _, seed, server = live_keymint
    first = _run([QUICKSTART], _env(seed, server, tmp_path))
    assert first.returncode == 3, first.stderr
    assert first.stderr == ""
    assert "Not activated" in first.stdout
    assert "run again with your license key" in first.stdout


def test_quickstart_wrong_key_is_a_sentence_not_a_traceback(
    live_keymint: Live, tmp_path: Path
) -> None:
    _, seed, server = live_keymint
    env = _env(seed, server, tmp_path)
    for args, stdin in (([QUICKSTART, _wrong_key(seed)], ""), ([QUICKSTART], _wrong_key(seed))):
        wrong = _run(args, env, stdin)
        assert wrong.returncode == 4
        assert wrong.stderr == ""  # no traceback
        assert "License key not recognised" in wrong.stdout
        assert "Check the key for typos" in wrong.stdout
        assert _leases(tmp_path) == []


def test_quickstart_activates_then_starts_offline_from_the_lease(
    live_keymint: Live, tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    env = _env(seed, server, tmp_path)

    activation = _run([QUICKSTART], env, stdin=seed.license_key + "\n")  # typed at the prompt
    assert activation.returncode == 0, activation.stderr
    assert "Activated." in activation.stdout
    assert "holiday.png exported in 4K" in activation.stdout
    assert len(_leases(tmp_path)) == 1

    emulator.clear_request_log()
    second = _run([QUICKSTART], env)
    assert second.returncode == 0, second.stderr
    assert "License key:" not in second.stdout  # not asked again
    assert "holiday.png exported in 4K" in second.stdout
    assert emulator.request_log == []  # a fresh lease: no network at all


def test_quickstart_without_settings_says_which_one_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENSE_GUARD_")}
    result = _run([QUICKSTART], env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Set LICENSE_GUARD_PRODUCT_ID (license-guard emulator serve prints it)."
    )


def _headline(document: str, seed: Seed, server: EmulatorServer) -> str:
    """The first Python block of *document*, pointed at the emulator, plus lines that report."""
    text = (ROOT / document).read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.+?)```", text, flags=re.DOTALL)[0]
    for placeholder, value in (
        ('product_id="prod_..."', f"product_id={seed.product_id!r}"),
        ('access_token="at_..."', f"access_token={seed.access_token!r}"),
        ('features={"export-4k"}', f'features={{"export-4k"}}, base_url={server.url!r}'),
    ):
        assert code.count(placeholder) == 1, placeholder
        code = code.replace(placeholder, value)
    if "licensed = start()" not in code:
        code += "\nlicensed = start()\n"
    return code + (
        "\nprint('licensed' if licensed else 'not licensed')\n"
        "if licensed:\n    export_4k('photo.png')\n    print('exported')\n"
    )


@pytest.mark.parametrize("wrong_first", [False, True], ids=["right-key", "wrong-key-first"])
@pytest.mark.parametrize("document", ["README.md", "docs/quickstart.md"])
def test_headline_code_survives_the_first_launch(
    live_keymint: Live, tmp_path: Path, document: str, wrong_first: bool
) -> None:
    emulator, seed, server = live_keymint
    env = _env(seed, server, tmp_path)
    code = _headline(document, seed, server)

    if wrong_first:
        wrong = _run(["-c", code], env, stdin=_wrong_key(seed) + "\n")
        assert wrong.returncode == 0, wrong.stderr
        assert wrong.stderr == ""
        assert "This license key is not valid" in wrong.stdout
        assert wrong.stdout.rstrip().endswith("not licensed")

    first = _run(["-c", code], env, stdin=seed.license_key + "\n")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert first.stdout == "License key: licensed\nexported\n"  # stdin is not echoed

    emulator.clear_request_log()
    second = _run(["-c", code], env)  # no key on stdin: asking again would fail
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["licensed", "exported"]
    assert emulator.request_log == []
