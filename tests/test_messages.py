"""The words shown to people: one entry for every error class, facts filled in, no Qt needed."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from license_guard import errors
from license_guard.errors import (
    ActivationLimitError,
    ClockRollbackError,
    FeatureNotLicensedError,
    GracePeriodExpiredError,
    LicenseBlockedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    RateLimitedError,
    StorageError,
)
from license_guard.messages import (
    ERROR_MESSAGES,
    STATE_TITLES,
    describe,
    describe_status,
    human,
)
from license_guard.status import LicenseState, LicenseStatus

NOW = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
ERROR_CLASSES = [getattr(errors, name) for name in errors.__all__]


def _status(state: LicenseState, *, grace_left: timedelta | None = None) -> LicenseStatus:
    return LicenseStatus(
        state=state,
        detail="A sentence from the policy.",
        host_id="0" * 64,
        checked_at=NOW,
        key_hint="…7F3A",
        verified_at=NOW - timedelta(days=2),
        grace_until=None if grace_left is None else NOW + grace_left,
    )


def _example(error_class: type[LicenseError]) -> LicenseError:
    """An instance of *error_class* built from its own signature (keyword facts left out)."""
    required = [
        name
        for name, parameter in inspect.signature(error_class).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    ]
    extra = dict.fromkeys(required, "export-4k")
    return error_class("The library's own sentence.", **extra)


def test_every_error_class_has_its_own_entry() -> None:
    classes = {cls for cls in ERROR_CLASSES if issubclass(cls, LicenseError)}
    assert classes - set(ERROR_MESSAGES) == set()


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_message_reads_as_finished_sentences(error_class: type[LicenseError]) -> None:
    message = describe(_example(error_class))
    assert message.title
    assert message.text.endswith("."), message.text
    for leftover in ("{", "}", "  ", " ."):  # an unfilled fact or an empty one
        assert leftover not in message.text, message.text
    assert message.detail == "The library's own sentence."


def test_a_subclass_without_an_entry_takes_its_parents() -> None:
    class VendorBlocked(LicenseBlockedError):
        pass

    assert describe(VendorBlocked("x")).title == ERROR_MESSAGES[LicenseBlockedError][0]


def test_every_state_has_a_title() -> None:
    assert set(STATE_TITLES) == set(LicenseState)
    for state in LicenseState:
        assert describe_status(_status(state)).title == STATE_TITLES[state]


def test_offline_with_grace_left_says_how_long() -> None:
    error = LicenseUnreachableError("Cannot connect to the licensing server at https://x.")
    in_grace = _status(LicenseState.GRACE, grace_left=timedelta(days=5, hours=3))
    message = describe(error, in_grace)
    assert message.title == "Cannot reach the licensing server"
    assert "keep working offline for 5 days 3 hours (until 2030-01-20 12:00 UTC)" in message.text
    assert "Nothing was changed" not in message.text
    assert message.detail == str(error)


def test_offline_without_a_license_says_nothing_changed() -> None:
    error = LicenseUnreachableError("Cannot connect.")
    message = describe(error, _status(LicenseState.NOT_ACTIVATED))
    assert message.title == "Cannot reach the licensing server"
    assert message.text.endswith("Nothing was changed.")


def test_rate_limited_says_when_to_retry_and_keeps_the_grace() -> None:
    error = RateLimitedError("429.", retry_after=120)
    assert "Try again in 2 minutes." in describe(error).text
    in_grace = _status(LicenseState.GRACE, grace_left=timedelta(hours=30))
    assert "keep working offline for 1 day 6 hours" in describe(error, in_grace).text


def test_facts_are_filled_in() -> None:
    expired = LicenseExpiredError("x", expired_at=datetime(2029, 12, 31, tzinfo=timezone.utc))
    assert "expired on 2029-12-31 00:00 UTC" in describe(expired).text
    grace_over = GracePeriodExpiredError("x", grace_until=NOW - timedelta(days=5))
    assert "ended on 2030-01-10 09:00 UTC" in describe(grace_over).text
    clock = describe(ClockRollbackError("x", now=NOW - timedelta(days=40), highest_seen=NOW))
    assert "(2029-12-06 09:00 UTC)" in clock.text
    assert "(2030-01-15 09:00 UTC)" in clock.text
    assert "“batch-export”" in describe(FeatureNotLicensedError("x", feature="batch-export")).text
    storage = StorageError("x", path=Path("/data/license.lease"))
    assert "(/data/license.lease)" in describe(storage).text


def test_the_words_for_the_common_refusals() -> None:
    assert describe(ActivationLimitError("x")).title == "Activation limit reached"
    assert describe(LicenseBlockedError("x")).title == "License key blocked"
    assert describe(ClockRollbackError("x")).title == "Check the computer's clock"


def test_a_detail_equal_to_the_text_is_not_repeated() -> None:
    text = ERROR_MESSAGES[LicenseBlockedError][1]
    assert describe(LicenseBlockedError(text)).detail == ""


@pytest.mark.parametrize(
    ("delta", "spoken"),
    [
        (timedelta(days=6, hours=23, minutes=59), "6 days 23 hours"),
        (timedelta(days=6, minutes=59), "6 days"),
        (timedelta(days=1, hours=5), "1 day 5 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=1, minutes=20), "1 hour 20 minutes"),
        (timedelta(hours=3, minutes=5, seconds=59), "3 hours 5 minutes"),
        (timedelta(minutes=1, seconds=59), "1 minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(seconds=-5), "less than a minute"),
    ],
)
def test_durations_are_rounded_down(delta: timedelta, spoken: str) -> None:
    assert human(delta) == spoken
