"""The peers' throwaway environment: a virtual environment of its own, under benchmarks/results/
(git-ignored), holding the peers' released packages from the package index and license_guard
from this checkout. None of it is, or becomes, a dependency of the library.

The environment is made once and kept between runs (the peers' versions are recorded with every
run); license_guard is installed again from the checkout each time, so its figures are today's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PACKAGES", "PeerEnv", "prepare"]

ROOT = Path(__file__).resolve().parent.parent
#: Distribution names on the package index, as ``pip install`` takes them.
PACKAGES = ("keymint", "licensing", "licensespring", "keygen-sdk")
INSTALL_TIMEOUT = 600


@dataclass(frozen=True)
class PeerEnv:
    """A prepared environment: its interpreter and the versions installed in it."""

    python: str
    versions: dict[str, str]


def prepare(folder: Path, *, progress: Callable[[str], None] = lambda _: None) -> PeerEnv:
    """Create (or reuse) the environment in *folder*, install the peers if they are missing and
    license_guard from the checkout.

    Raises:
        RuntimeError: pip failed (its output is in the message).
    """
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    marker = folder / "peers-installed.json"
    if not python.exists():
        progress(f"creating the peers' environment in {folder}")
        venv.create(folder, with_pip=True, clear=True)
    wanted = list(PACKAGES)
    if not marker.exists() or json.loads(marker.read_text(encoding="utf-8")) != wanted:
        progress("installing " + ", ".join(PACKAGES) + " from the package index")
        _pip(python, "install", "--quiet", *PACKAGES)
        marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    progress("installing license_guard from the checkout")
    _pip(python, "install", "--quiet", "--force-reinstall", "--no-deps", str(ROOT))
    return PeerEnv(python=str(python), versions=_versions(python))


def _pip(python: Path, *args: str) -> None:
    completed = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=INSTALL_TIMEOUT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}")


def _versions(python: Path) -> dict[str, str]:
    program = (
        "import json, importlib.metadata as m\n"
        f"names = {['license-guard', *PACKAGES, 'cryptography', 'requests']!r}\n"
        "print(json.dumps({n: m.version(n) for n in names}))\n"
    )
    completed = subprocess.run(
        [str(python), "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    versions: dict[str, str] = json.loads(completed.stdout)
    return versions
