"""The frozen example app configured for a relay holds no Keymint token anywhere.

The build is the one-folder PyInstaller build of examples/pyqt_app.py (the ``frozen_app``
fixture, shared with tests/freeze). The frozen executable runs its scripted self-test through a
relay process that holds the product's token and Keymint's admin token; then every file of the
build and the app's data folder is scanned as bytes, with every archive opened: zip files (the
stdlib's ``base_library.zip``), PyInstaller's CArchive appended to the executable (each entry
decompressed) and the PYZ archive of bytecode inside it (each module decompressed). Neither
token, nor anything shaped like a Keymint token or a bearer header, may be found. A control
plants a token in a file and in a compressed archive member, so the scan is seen to fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from license_guard.emulator import Emulator, Seed
from tests.relay.conftest import StartRelay

pytestmark = [pytest.mark.slow, pytest.mark.freeze]

#: The emulator's token shapes (``at_``/``adm_`` and 43 URL-safe characters) and any bearer
#: header with a value: what a token compiled into the app would look like.
TOKEN_LIKE = re.compile(
    rb"(?<![A-Za-z0-9_-])(?:at|adm)_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
    rb"|Bearer [A-Za-z0-9_.~+/-]{20,}"
)
_CARCHIVE_MAGIC = b"MEI\014\013\012\013\016"
_PYZ_MAGIC = b"PYZ\0"


def _blobs(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every byte string *path* holds: the file itself and, decompressed, every member of the
    archives in it (zip, PyInstaller's CArchive, the PYZ of bytecode)."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path}!{name}", archive.read(name)
    if data.startswith(_PYZ_MAGIC):
        yield from _pyz(path, 0, str(path))
    if _CARCHIVE_MAGIC in data:
        from PyInstaller.archive.readers import CArchiveReader

        package = CArchiveReader(str(path))
        for name, entry in package.toc.items():
            yield f"{path}!{name}", package.extract(name)
            if entry[-1] == "z":  # the PYZ: modules, each compressed on its own
                pyz = package.open_embedded_archive(name)
                yield from _pyz_entries(pyz, f"{path}!{name}")


def _pyz(path: Path, offset: int, label: str) -> Iterator[tuple[str, bytes]]:
    from PyInstaller.archive.readers import ZlibArchiveReader

    yield from _pyz_entries(ZlibArchiveReader(str(path), offset), label)


def _pyz_entries(pyz: object, label: str) -> Iterator[tuple[str, bytes]]:
    toc: dict[str, object] = pyz.toc  # type: ignore[attr-defined]
    for name in toc:
        blob = pyz.extract(name, raw=True)  # type: ignore[attr-defined]
        if blob is not None:
            yield f"{label}!{name}", blob


def scan(folders: list[Path], secrets: list[str]) -> tuple[int, list[str]]:
    """(how many byte strings were read, where a secret or a token-like string was found)."""
    needles = [secret.encode() for secret in secrets]
    read = 0
    found: list[str] = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            for where, blob in _blobs(path):
                read += 1
                hits = [needle for needle in needles if needle in blob]
                match = TOKEN_LIKE.search(blob)
                if hits or match:
                    found.append(f"{where}: {len(hits)} secret(s), pattern={match is not None}")
    return read, found


def test_the_scan_finds_a_planted_token(tmp_path: Path, seed: Seed) -> None:
    folder = tmp_path / "planted"
    folder.mkdir()
    (folder / "clean.bin").write_bytes(os.urandom(4096))
    planted = b"\0" + seed.access_token.encode() + b"\0"
    (folder / "lib.so").write_bytes(b"\x7fELF\0" + os.urandom(512) + planted)
    with zipfile.ZipFile(folder / "deep.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.pyc", b"\0" * 64 + b"Bearer " + b"x" * 40)

    read, found = scan([folder], [seed.access_token])

    assert read == 4  # three files and the zip's member
    assert [where.split(":")[0].rsplit("/", 1)[-1] for where in found] == [
        "deep.zip!module.pyc",
        "lib.so",
    ]
    assert "1 secret(s), pattern=True" in found[1]


def test_the_frozen_app_through_a_relay_holds_no_token(
    frozen_app: Path,
    start_relay: StartRelay,
    emulator: Emulator,
    seed: Seed,
    tmp_path: Path,
) -> None:
    admin_token = emulator.admin_token()
    relay = start_relay(env={"LICENSE_GUARD_RELAY_ADMIN_TOKEN": admin_token})
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LICENSE_")}
    environ.update(QT_QPA_PLATFORM="offscreen", LICENSE_GUARD_PRODUCT_ID=seed.product_id)
    data_dir = tmp_path / "app-data"
    completed = subprocess.run(
        [
            str(frozen_app),
            "--self-test",
            "--relay-url",
            relay.url,
            "--public-key",
            str(relay.public_key_file),
            "--data-dir",
            str(data_dir),
        ],
        input=seed.license_key + "\n",
        capture_output=True,
        text=True,
        timeout=180,
        env=environ,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    steps = {step["step"]: step for step in report["steps"]}
    assert report["frozen"] is True
    assert steps["activate"]["state"] == "active"
    assert steps["export-4k"]["exported"] == [3840, 2160]
    assert steps["release"]["released"] is True
    paths = {record.path for record in emulator.request_log}
    assert {"/activate-key", "/deactivate-key"} <= paths  # the relay forwarded them

    read, found = scan([frozen_app.parent, data_dir], [seed.access_token, admin_token])

    assert read > 1000  # every module of the PYZ was read, not just the files
    assert found == []
