"""Linux: the machine ID files under a fake root."""

from __future__ import annotations

from pathlib import Path

import pytest

from license_guard.errors import HostIdError
from license_guard.hostid import LinuxMachineIdSource

from .contract import IdentitySourceContract

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


def test_a_machine_id_that_exists_but_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    # Falling through to the MAC would give this device another host ID: a lost lease and,
    # at re-activation, a second seat. So it fails loudly instead.
    (tmp_path / DBUS).mkdir(parents=True)  # a folder where the file should be: EISDIR
    with pytest.raises(HostIdError, match="cannot be read"):
        LinuxMachineIdSource(root=tmp_path).read()


def test_placeholder_alone_means_no_machine_id(tmp_path: Path) -> None:
    write(tmp_path, ETC, "uninitialized\n")
    assert LinuxMachineIdSource(root=tmp_path).read() is None


def test_default_root_is_the_system_root() -> None:
    assert LinuxMachineIdSource().root == Path("/")
