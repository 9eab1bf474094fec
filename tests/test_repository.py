"""Promises about the repository itself: the README's commands and what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    commands = _readme_commands()
    assert len(commands) >= 2
    assert commands[0].endswith("license-guard demo")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_command = _readme_commands()[1]
    assert test_command in ci_lines


def _lower_bounds() -> dict[str, str]:
    """Each runtime dependency of pyproject.toml and its lower bound."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[\n(.*?)^\]", text, flags=re.DOTALL | re.MULTILINE)
    assert block is not None
    found = re.findall(r'^\s*"([A-Za-z0-9_.-]+)>=([0-9.]+)[^"]*",', block.group(1), re.MULTILINE)
    return dict(found)


def test_ci_tests_the_lowest_declared_runtime_dependencies() -> None:
    bounds = _lower_bounds()
    assert set(bounds) == {"httpx", "cryptography", "platformdirs", "py-machineid", "psutil"}
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (install,) = [
        line
        for line in ci.splitlines()
        if line.startswith(".venv-lowest/bin/pip install") and "--no-deps" not in line
    ]
    pins = dict(re.findall(r'"([A-Za-z0-9_.-]+)==([0-9.]+)"', install))
    assert pins == bounds  # every runtime dependency, pinned to exactly its declared lower bound
    assert ".venv-lowest/bin/pip install -q --no-deps -e ." in ci.splitlines()
    assert any(line.startswith(".venv-lowest/bin/python -m pytest") for line in ci.splitlines())
