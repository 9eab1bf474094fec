"""Linux: the machine ID files under a fake root."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from license_guard.errors import HostIdError
from license_guard.hostid import LinuxMachineIdSource

from .contract import IdentitySourceContract
from .support import NOBODY, drop_privileges_command, run_python

DBUS = "var/lib/dbus/machine-id"
ETC = "etc/machine-id"
ID_A = "3d1219c7c4c5404aaa1f6d2a48adfda4"
ID_B = "b08dfa6083e7567a1921a715000001fb"


def write(root: Path, relative: str, content: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> LinuxMachineIdSource:
        write(tmp_path, ETC, ID_A + "\n")
        return LinuxMachineIdSource(root=tmp_path)


def test_reads_etc_machine_id(tmp_path: Path) -> None:
    write(tmp_path, ETC, ID_A + "\n")
    assert LinuxMachineIdSource(root=tmp_path).read() == ID_A


def test_dbus_machine_id_is_preferred(tmp_path: Path) -> None:
    write(tmp_path, DBUS, ID_B + "\n")
    write(tmp_path, ETC, ID_A + "\n")
    assert LinuxMachineIdSource(root=tmp_path).read() == ID_B


@pytest.mark.parametrize("content", ["", "\n", "  \t\r\n", "uninitialized\n", b"\x00\x00\n"])
def test_empty_or_placeholder_dbus_file_falls_back_to_etc(tmp_path: Path, content: str) -> None:
    write(tmp_path, DBUS, content)
    write(tmp_path, ETC, ID_A)
    assert LinuxMachineIdSource(root=tmp_path).read() == ID_A


def test_whitespace_newlines_and_control_characters_are_removed(tmp_path: Path) -> None:
    write(tmp_path, ETC, f"  {ID_A[:16]}\t{ID_A[16:]}\x00\r\n\n")
    assert LinuxMachineIdSource(root=tmp_path).read() == ID_A


def test_undecodable_bytes_do_not_raise(tmp_path: Path) -> None:
    write(tmp_path, ETC, b"\xff\xfe" + ID_A.encode())
    assert LinuxMachineIdSource(root=tmp_path).read() == "\ufffd\ufffd" + ID_A


def test_no_files_means_no_machine_id(tmp_path: Path) -> None:
    assert LinuxMachineIdSource(root=tmp_path).read() is None


def unreadable_for_root_too(path: Path, how: str) -> None:
    """Put something at *path* that exists but cannot be read, even by root (tests run as root,
    for whom mode 000 is still readable): a folder (EISDIR) or a symlink loop (ELOOP)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "folder":
        path.mkdir()
    else:
        path.symlink_to(path.name)


@pytest.mark.parametrize("how", ["folder", "symlink loop"])
def test_an_unreadable_dbus_machine_id_falls_through_to_etc(tmp_path: Path, how: str) -> None:
    # py-machineid reads /etc/machine-id here too, so the host IDs stay equal to its hashed_id.
    unreadable_for_root_too(tmp_path / DBUS, how)
    write(tmp_path, ETC, ID_A + "\n")
    assert LinuxMachineIdSource(root=tmp_path).read() == ID_A


@pytest.mark.skipif(
    drop_privileges_command() is None, reason="needs root and setpriv to act as user nobody"
)
def test_a_mode_000_dbus_machine_id_falls_through_to_etc_for_an_ordinary_user() -> None:
    # The case from the field: for an ordinary user, mode 000 makes the file unreadable.
    # pytest's tmp_path is private to root, so this tree lives in a folder nobody can reach.
    with tempfile.TemporaryDirectory(prefix="license-guard-") as name:
        root = Path(name)
        root.chmod(0o755)
        write(root, DBUS, ID_B + "\n")
        write(root, ETC, ID_A + "\n")
        for folder in (root / "var", root / "var/lib", root / "var/lib/dbus", root / "etc"):
            folder.chmod(0o755)
        (root / ETC).chmod(0o644)
        (root / DBUS).chmod(0o000)
        code = (
            "import sys; from pathlib import Path\n"
            "from license_guard.hostid import LinuxMachineIdSource\n"
            "print(LinuxMachineIdSource(root=Path(sys.argv[1])).read())\n"
        )
        assert run_python(code, str(root), as_user=NOBODY).strip() == ID_A
        assert os.access(root / DBUS, os.R_OK)  # root reads it: same tree, D-Bus ID first
        assert LinuxMachineIdSource(root=root).read() == ID_B


@pytest.mark.parametrize("etc", [None, "", "uninitialized\n"])
def test_an_unreadable_machine_id_with_no_other_id_is_an_error(
    tmp_path: Path, etc: str | None
) -> None:
    # Falling through to the MAC would give this device another host ID once the file can be
    # read again: a lost lease and, at re-activation, a second seat. So it fails loudly instead.
    unreadable_for_root_too(tmp_path / DBUS, "folder")
    if etc is not None:
        write(tmp_path, ETC, etc)
    with pytest.raises(HostIdError, match="var/lib/dbus/machine-id cannot be read"):
        LinuxMachineIdSource(root=tmp_path).read()


def test_an_unreadable_etc_machine_id_alone_is_an_error(tmp_path: Path) -> None:
    unreadable_for_root_too(tmp_path / ETC, "symlink loop")
    with pytest.raises(HostIdError, match="etc/machine-id cannot be read"):
        LinuxMachineIdSource(root=tmp_path).read()


def test_placeholder_alone_means_no_machine_id(tmp_path: Path) -> None:
    write(tmp_path, ETC, "uninitialized\n")
    assert LinuxMachineIdSource(root=tmp_path).read() is None


def test_default_root_is_the_system_root() -> None:
    assert LinuxMachineIdSource().root == Path("/")
