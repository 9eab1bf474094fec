"""Promises every identity source keeps, as a test class each source's tests subclass.

A subclass provides the ``source`` fixture: a source that has an ID on the fake inputs it was
given. The inherited tests then pin the contract of :class:`IdentitySource` for it.
"""

from __future__ import annotations

import pytest

from license_guard.hostid import IdentitySource, sanitize_raw_id

BUILT_IN_NAMES = {"override", "machine-id", "mac", "install-id"}


class IdentitySourceContract:
    @pytest.fixture
    def source(self) -> IdentitySource:
        raise NotImplementedError("a subclass provides a source that has an ID")

    def test_name_is_one_of_the_short_names(self, source: IdentitySource) -> None:
        assert source.name in BUILT_IN_NAMES

    def test_read_gives_a_clean_non_empty_id(self, source: IdentitySource) -> None:
        raw_id = source.read()
        assert raw_id
        assert sanitize_raw_id(raw_id) == raw_id

    def test_read_is_stable(self, source: IdentitySource) -> None:
        assert source.read() == source.read()

    def test_repr_never_shows_the_raw_id(self, source: IdentitySource) -> None:
        raw_id = source.read()
        assert raw_id
        assert raw_id not in repr(source)
        assert raw_id not in str(source)
