"""What a `pip install license-guard` user gets: the license file in both distributions, the
declared version everywhere, and `license-guard --version`."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import license_guard

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and sdist, built from this checkout by the declared build backend (offline)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-t", "sdist", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def test_the_wheel_carries_the_mit_license(distributions: dict[str, Path]) -> None:
    with zipfile.ZipFile(distributions["wheel"]) as wheel:
        names = wheel.namelist()
        dist_info = f"license_guard-{license_guard.__version__}.dist-info"
        assert f"{dist_info}/licenses/LICENSE" in names
        license_text = wheel.read(f"{dist_info}/licenses/LICENSE").decode()
        metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert license_text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert "License-Expression: MIT" in metadata.splitlines()
    assert f"Version: {license_guard.__version__}" in metadata.splitlines()


def test_the_sdist_carries_the_license(distributions: dict[str, Path]) -> None:
    with tarfile.open(distributions["sdist"]) as sdist:
        names = sdist.getnames()
    top = f"license_guard-{license_guard.__version__}"
    assert f"{top}/LICENSE" in names
    assert f"{top}/README.md" in names


def test_version_flag_prints_the_package_version() -> None:
    script = Path(sys.executable).parent / "license-guard"
    completed = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"license-guard {version('license-guard')}\n"
    assert version("license-guard") == license_guard.__version__
