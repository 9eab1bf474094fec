"""The install ID: created once, race-free, 0600, and never silently replaced."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from license_guard.errors import HostIdError
from license_guard.hostid import InstallIdSource

from .contract import IdentitySourceContract
from .support import NOBODY, drop_privileges_command, run_python

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
STORED = "0b6f3c8e-5d1a-4b7e-9c2f-3a4d5e6f7a8b"


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> InstallIdSource:
        return InstallIdSource(tmp_path / "install-id")


def test_created_once_then_stable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "app" / "install-id"
    first = InstallIdSource(path).read()
    assert UUID4.fullmatch(first)
    assert path.read_text(encoding="ascii") == first
    assert InstallIdSource(path).read() == first
    assert InstallIdSource(path).read() == first
    assert sorted(os.listdir(path.parent)) == ["install-id"]  # no temporary file left behind


def test_an_existing_id_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "install-id"
    path.write_text(STORED + "\n", encoding="ascii")
    assert InstallIdSource(path).read() == STORED


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_file_is_private_to_its_user(tmp_path: Path) -> None:
    path = tmp_path / "data" / "new-folder" / "install-id"
    previous = os.umask(0o022)
    try:
        InstallIdSource(path).read()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # created too, so private


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"not-a-uuid", STORED[:-1].encode(), STORED.upper().encode(), b"\xff" * 36],
)
def test_a_damaged_file_is_an_error_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "install-id"
    path.write_bytes(content)
    with pytest.raises(HostIdError, match="is damaged"):
        InstallIdSource(path).read()
    assert path.read_bytes() == content


def test_a_folder_that_cannot_exist_is_an_error(tmp_path: Path) -> None:
    # Root ignores permission bits, but not a regular file standing where a folder must be.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="ascii")
    with pytest.raises(HostIdError, match=r"cannot be .*LICENSE_GUARD_DEVICE_ID") as info:
        InstallIdSource(blocker / "app" / "install-id").read()
    assert isinstance(info.value.__cause__, NotADirectoryError)


@pytest.mark.skipif(not Path("/sys/class").is_dir(), reason="needs Linux sysfs")
def test_a_folder_nobody_can_write_is_an_error_not_a_new_id() -> None:
    # sysfs refuses new folders and files even to root: a real "cannot be stored".
    path = Path("/sys/license-guard-test/install-id")
    for _ in range(2):
        with pytest.raises(HostIdError, match="cannot be stored") as info:
            InstallIdSource(path).read()
        assert isinstance(info.value.__cause__, OSError)
    assert not path.parent.exists()


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "install-id"
    path.mkdir()  # EISDIR on read, for root too
    with pytest.raises(HostIdError, match="cannot be read"):
        InstallIdSource(path).read()


def test_losing_the_race_returns_the_winner_s_id(tmp_path: Path) -> None:
    # As if another process published its ID between our "no file yet" and our link.
    path = tmp_path / "install-id"
    path.write_text(STORED, encoding="ascii")
    assert InstallIdSource(path)._create() == STORED
    assert path.read_text(encoding="ascii") == STORED
    assert sorted(os.listdir(tmp_path)) == ["install-id"]


@pytest.mark.skipif(
    drop_privileges_command() is None, reason="needs root and setpriv to act as user nobody"
)
def test_a_read_only_folder_is_an_error_for_an_ordinary_user() -> None:
    # pytest's tmp_path is private to root; this folder is reachable but not writable by nobody.
    with tempfile.TemporaryDirectory(prefix="license-guard-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        code = (
            "import sys; from pathlib import Path\n"
            "from license_guard.errors import HostIdError\n"
            "from license_guard.hostid import InstallIdSource\n"
            "try:\n"
            "    InstallIdSource(Path(sys.argv[1])).read()\n"
            "except HostIdError as exc:\n"
            "    print(exc)\n"
        )
        message = run_python(code, str(folder / "install-id"), as_user=NOBODY)
        assert "cannot be stored" in message
        assert "Permission denied" in message
        assert os.listdir(folder) == []


RACER = """\
import sys
import tempfile
from pathlib import Path
from license_guard.hostid import InstallIdSource
source = InstallIdSource(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
print(source.read(), flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
def test_processes_racing_to_create_it_all_get_one_id(tmp_path: Path, round_: int) -> None:
    path = tmp_path / "install-id"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    for racer in racers:  # every process is imported and waiting...
        assert racer.stdout is not None
        assert racer.stdout.readline() == "ready\n"
    for racer in racers:  # ...then all are released together
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    ids = {racer.communicate(timeout=60)[0].strip() for racer in racers}
    assert all(racer.returncode == 0 for racer in racers)
    assert ids == {path.read_text(encoding="ascii")}
    assert sorted(os.listdir(tmp_path)) == ["install-id"]
