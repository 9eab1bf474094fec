"""The sealed lease format: what opens, and everything that must not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from license_guard._record import replace
from license_guard.errors import LeaseError
from license_guard.lease import FORMAT_VERSION, Lease, Revocation, lease_key, open_lease, seal_lease

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
KEY = lease_key("machine-id-of-this-pc", app_id="com.example.app", product_id="prod_" + "a" * 20)


def make_lease(**changes: object) -> Lease:
    lease = Lease(
        license_key="ABCDE-FGHIJ-KLMNO-PQRST",
        product_id="prod_" + "a" * 20,
        host_id="f" * 64,
        backend="keymint",
        activated_at=T0,
        verified_at=T0,
        highest_seen=T0,
        expires_at=T0 + timedelta(days=30),
        licensee_name="Jane Doe",
        licensee_email="jane@example.com",
        device_tag="Studio PC",
        features=frozenset({"export-4k", "batch"}),
    )
    return replace(lease, **changes)  # type: ignore[arg-type]


def test_a_sealed_lease_opens_to_the_same_value() -> None:
    lease = make_lease(
        revocation=Revocation(reason="LicenseBlockedError", message="blocked", at=T0),
        signed_data="-----BEGIN MACHINE FILE-----\nabc\n-----END MACHINE FILE-----\n",
    )
    assert open_lease(seal_lease(lease, KEY), KEY) == lease


def test_the_file_holds_no_readable_secret() -> None:
    blob = seal_lease(make_lease(), KEY)
    assert b"ABCDE" not in blob
    assert b"Jane" not in blob
    assert blob.startswith(b"LGLEASE" + bytes([FORMAT_VERSION]))


def test_sealing_twice_gives_different_bytes() -> None:
    lease = make_lease()
    assert seal_lease(lease, KEY) != seal_lease(lease, KEY)


def test_every_flipped_byte_is_detected() -> None:
    blob = seal_lease(make_lease(), KEY)
    for index in range(len(blob)):
        edited = bytearray(blob)
        edited[index] ^= 0x01
        with pytest.raises(LeaseError):
            open_lease(bytes(edited), KEY)


@pytest.mark.parametrize("keep", [0, 3, 7, 8, 19, 20, 35, -1])
def test_truncated_files_are_detected(keep: int) -> None:
    blob = seal_lease(make_lease(), KEY)
    with pytest.raises(LeaseError):
        open_lease(blob[:keep], KEY)


def test_a_lease_from_another_device_does_not_open() -> None:
    other = lease_key(
        "machine-id-of-another-pc", app_id="com.example.app", product_id="prod_" + "a" * 20
    )
    with pytest.raises(LeaseError, match="another computer"):
        open_lease(seal_lease(make_lease(), other), KEY)


def test_a_lease_for_another_product_or_app_does_not_open() -> None:
    blob = seal_lease(make_lease(), KEY)
    for key in (
        lease_key("machine-id-of-this-pc", app_id="com.example.app", product_id="prod_" + "b" * 20),
        lease_key(
            "machine-id-of-this-pc", app_id="com.example.other", product_id="prod_" + "a" * 20
        ),
    ):
        with pytest.raises(LeaseError):
            open_lease(blob, key)


def test_an_unknown_format_version_is_named() -> None:
    blob = bytearray(seal_lease(make_lease(), KEY))
    blob[7] = 9
    with pytest.raises(LeaseError, match="version"):
        open_lease(bytes(blob), KEY)


def test_something_else_entirely_is_not_a_lease() -> None:
    with pytest.raises(LeaseError, match="not a license_guard lease"):
        open_lease(b'{"license_key": "forged"}', KEY)


def test_repr_never_shows_the_key() -> None:
    lease = make_lease()
    assert "ABCDE" not in repr(lease)
    assert lease.key_hint == "…QRST"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_lease(verified_at=datetime(2026, 1, 1))


def test_seen_only_moves_forward() -> None:
    lease = make_lease()
    assert lease.seen(T0 - timedelta(days=1)) is lease
    assert lease.seen(T0 + timedelta(hours=2)).highest_seen == T0 + timedelta(hours=2)
