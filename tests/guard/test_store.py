"""The lease file on a real filesystem: atomic writes, quarantine, full and read-only disks."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from license_guard.errors import LeaseError, StorageError
from license_guard.lease import Lease, lease_key, seal_lease
from license_guard.store import LeaseStore

from .test_lease import KEY, make_lease

HOST = "f" * 64
PRODUCT = "prod_" + "a" * 20


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path / "new" / "folder", key=KEY, host_id=HOST, product_id=PRODUCT)
    lease = make_lease()
    store.save(lease)
    assert store.load() == lease
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in store.directory.iterdir()) == ["license.lease", "license.lock"]


@pytest.fixture
def common_umask() -> Iterator[None]:
    """The usual umask 022, under which a folder made with default permissions is 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.usefixtures("common_umask")
@pytest.mark.parametrize("first", ["save", "lock"])
def test_a_new_storage_folder_and_the_parents_it_needs_are_private(
    tmp_path: Path, first: str
) -> None:
    tmp_path.chmod(0o755)
    folder = tmp_path / "data" / "com.example.app"
    store = LeaseStore(folder, key=KEY, host_id=HOST, product_id=PRODUCT)
    if first == "lock":  # as activate() does: the lock is taken before the lease is written
        with store.lock:
            pass
    store.save(make_lease())
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # existed already: left alone


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.usefixtures("common_umask")
def test_a_storage_folder_the_user_made_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "shared-with-my-group"
    folder.mkdir()
    folder.chmod(0o750)
    store = LeaseStore(folder, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_no_lease_is_none(tmp_path: Path) -> None:
    assert LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT).load() is None


def test_a_corrupt_lease_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease())
    damaged = bytearray(store.path.read_bytes())
    damaged[-5] ^= 0xFF
    store.path.write_bytes(bytes(damaged))
    with pytest.raises(LeaseError, match="moved aside") as caught:
        store.load()
    kept = caught.value.quarantined_to
    assert kept is not None
    assert kept.read_bytes() == bytes(damaged)
    assert not store.path.exists()
    assert store.load() is None


def test_a_lease_of_another_host_id_is_quarantined(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease(host_id="e" * 64))
    with pytest.raises(LeaseError, match="another device"):
        store.load()


def test_a_lease_sealed_on_another_machine_is_quarantined(tmp_path: Path) -> None:
    foreign = lease_key("someone-elses-machine", app_id="com.example.app", product_id=PRODUCT)
    (tmp_path / "license.lease").write_bytes(seal_lease(make_lease(), foreign))
    with pytest.raises(LeaseError, match="another computer"):
        LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT).load()


def test_an_empty_or_huge_file_is_quarantined(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.path.write_bytes(b"")
    with pytest.raises(LeaseError):
        store.load()
    store.path.write_bytes(b"LGLEASE\x01" + b"\0" * (2 << 20))
    with pytest.raises(LeaseError, match="too large"):
        store.load()
    assert len(list(tmp_path.glob("license.lease.bad-*"))) == 2


def test_a_folder_in_place_of_the_file_is_moved_aside(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.path.mkdir()
    (store.path / "x").write_text("kept for support")
    with pytest.raises(LeaseError, match="moved aside") as caught:
        store.load()
    assert caught.value.quarantined_to is not None
    assert (caught.value.quarantined_to / "x").read_text() == "kept for support"


def test_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    store = LeaseStore(blocker / "leases", key=KEY, host_id=HOST, product_id=PRODUCT)
    with pytest.raises(StorageError, match="license"):
        store.save(make_lease())


def test_delete(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    assert store.delete() is False
    store.save(make_lease())
    assert store.delete() is True
    assert not store.path.exists()


def test_repr_shows_the_path_only(tmp_path: Path) -> None:
    store = LeaseStore(
        tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT, stem="license-0123456789ab"
    )
    assert repr(store) == f"LeaseStore({str(tmp_path / 'license-0123456789ab.lease')!r})"


def test_a_file_replaced_while_it_was_checked_is_read_again_not_set_aside(
    tmp_path: Path,
) -> None:
    # Another process (another store on the same folder) activates between this reader's read
    # and its verdict: the fresh lease must survive, and be the one returned.
    writer = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    writer.save(make_lease(licensee_name="Old"))
    calls = 0

    def check(lease: Lease) -> Lease:
        nonlocal calls
        calls += 1
        if calls == 1:
            writer.save(make_lease(licensee_name="Fresh"))
            raise LeaseError("this read was judged untrustworthy")
        return lease

    reader = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT, verify=check)
    loaded = reader.load()
    assert loaded is not None
    assert loaded.licensee_name == "Fresh"
    assert not list(tmp_path.glob("*.bad-*"))


def test_a_read_error_leaves_the_lease_in_place(tmp_path: Path) -> None:
    store = LeaseStore(tmp_path, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease())
    with (
        _no_file_handles_left(),
        pytest.raises(StorageError, match="cannot be read"),
    ):
        store.load()
    assert store.load() == make_lease()
    assert not list(tmp_path.glob("*.bad-*"))


@contextlib.contextmanager
def _no_file_handles_left() -> Iterator[None]:
    """The process's open-file limit, lowered below the next free descriptor: open() fails
    with EMFILE, as in a process that leaks file handles."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    next_free = os.open(os.devnull, os.O_RDONLY)  # the descriptor the next open() would get
    os.close(next_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (next_free, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs, so "disk full" and "read-only" are the kernel's own answers."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    with (folder / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass


def test_full_disk_keeps_the_old_lease_and_leaves_no_temp_file(small_disk: Path) -> None:
    store = LeaseStore(small_disk, key=KEY, host_id=HOST, product_id=PRODUCT)
    old = make_lease()
    store.save(old)
    _fill(small_disk)
    with pytest.raises(StorageError, match="disk is full"):
        store.save(make_lease(licensee_name="x" * 60_000))
    assert store.load() == old
    assert not list(small_disk.glob(".lease-*"))


def test_read_only_disk_is_a_clear_error(small_disk: Path) -> None:
    store = LeaseStore(small_disk, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease())
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StorageError, match="read-only"):
        store.save(make_lease(licensee_name="Someone Else"))
    assert store.load() == make_lease()


def test_unreadable_lease_for_an_ordinary_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to prepare a file another user cannot read")
    folder = tmp_path / "lease"
    store = LeaseStore(folder, key=KEY, host_id=HOST, product_id=PRODUCT)
    store.save(make_lease())
    tmp_path.chmod(0o755)  # the unprivileged user must reach the folder
    folder.chmod(0o755)  # ... and list it, but not read the lease
    store.path.chmod(0o600)  # owned by root: the unprivileged reader below cannot open it
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from license_guard.store import LeaseStore\n"
        "from license_guard.errors import StorageError\n"
        "try:\n"
        f"    store = LeaseStore(Path({str(folder)!r}), key=bytes(32), host_id='x',\n"
        "                       product_id='y')\n"
        "    store.load()\n"
        "except StorageError as exc:\n"
        "    print('StorageError:', exc)\n"
    )
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", _python(), "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert "StorageError: The license file" in result.stdout, result.stderr
    assert "cannot be read: permission denied" in result.stdout
    assert store.path.exists()  # nothing was lost


def _python() -> str:
    import sys

    return sys.executable
