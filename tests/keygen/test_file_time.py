"""Expiry is reported, not raised, when a file is read; the explicit check raises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from license_guard.backends.keygen.formats.dataset import parse_timestamp
from license_guard.errors import ClockRollbackError, LeaseError
from license_guard.keygen import MAX_CLOCK_DRIFT, FileKind, VerifiedFile, verify_certificate

from .vectors import DECRYPTABLE, EXPIRING, NEVER_EXPIRING, read_text

MS = timedelta(milliseconds=1)


def _open(entry: dict[str, Any]) -> VerifiedFile:
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
    )
    return certificate.open(license_key=entry["license_key"], fingerprint=entry["fingerprint"])


@pytest.mark.parametrize("entry", EXPIRING)
def test_expired_files_are_recognised_and_still_readable(entry: dict[str, Any]) -> None:
    verified = _open(entry)  # reading an expired file does not raise
    expiry = parse_timestamp(entry["expect_meta"]["expiry"])
    assert verified.dataset.meta.expiry == expiry
    assert not verified.is_expired(expiry - MS)
    assert verified.is_expired(expiry)
    assert verified.is_expired(datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert verified.dataset.data.id == entry["expect_data_id"]
    assert verified.license is not None
    with pytest.raises(LeaseError, match="expired on") as caught:
        verified.require_current(expiry + MS)
    assert not isinstance(caught.value, ClockRollbackError)
    verified.require_current(expiry - MS)


@pytest.mark.parametrize("entry", EXPIRING)
def test_expiry_is_keygen_s_own_value_not_issued_plus_ttl(entry: dict[str, Any]) -> None:
    meta = _open(entry).dataset.meta
    assert meta.ttl is not None
    assert meta.expiry is not None
    # Keygen adds the TTL in calendar units; a 30-day TTL happens to land on the same instant.
    if meta.ttl in (31536000, 2629746):
        assert meta.expiry != meta.issued + timedelta(seconds=meta.ttl)


@pytest.mark.parametrize("entry", NEVER_EXPIRING)
def test_a_null_ttl_never_expires(entry: dict[str, Any]) -> None:
    verified = _open(entry)
    assert verified.dataset.meta.expiry is None
    far_future = datetime(9999, 12, 31, tzinfo=timezone.utc)
    assert not verified.is_expired(far_future)
    verified.require_current(far_future)


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_issued_in_the_future_beyond_the_tolerance_is_detected(entry: dict[str, Any]) -> None:
    verified = _open(entry)
    issued = verified.dataset.meta.issued
    assert not verified.issued_in_future(issued - MAX_CLOCK_DRIFT)
    assert verified.issued_in_future(issued - MAX_CLOCK_DRIFT - MS)
    assert not verified.issued_in_future(issued - timedelta(hours=1), tolerance=timedelta(hours=2))
    with pytest.raises(ClockRollbackError, match="clock") as caught:
        verified.require_current(issued - timedelta(minutes=6))
    assert caught.value.highest_seen == issued
    verified.require_current(issued - timedelta(minutes=4))


def test_a_naive_now_is_taken_as_utc() -> None:
    verified = _open(EXPIRING[0].values[0])
    expiry = verified.dataset.meta.expiry
    assert expiry is not None
    naive = expiry.replace(tzinfo=None)
    assert verified.is_expired(naive)
    assert not verified.is_expired(naive - MS)
