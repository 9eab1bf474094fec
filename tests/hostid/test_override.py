"""The explicit override: constructor argument and LICENSE_GUARD_DEVICE_ID."""

from __future__ import annotations

import pytest

from license_guard.errors import ConfigurationError, HostIdError
from license_guard.hostid import DEVICE_ID_ENV_VAR, OverrideSource

from .contract import IdentitySourceContract

VALUE = "container-7f3a9c"


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self) -> OverrideSource:
        return OverrideSource(environ={DEVICE_ID_ENV_VAR: VALUE})


def test_the_environment_variable_is_license_guard_device_id() -> None:
    assert DEVICE_ID_ENV_VAR == "LICENSE_GUARD_DEVICE_ID"


def test_nothing_set_means_none() -> None:
    assert OverrideSource(environ={}).read() is None


def test_the_argument_beats_the_environment() -> None:
    source = OverrideSource("from-the-app", environ={DEVICE_ID_ENV_VAR: VALUE})
    assert source.read() == "from-the-app"


def test_values_are_sanitized_like_machine_ids() -> None:
    assert OverrideSource(environ={DEVICE_ID_ENV_VAR: f" {VALUE}\n"}).read() == VALUE
    assert OverrideSource(f"\t{VALUE}\r\n", environ={}).read() == VALUE


@pytest.mark.parametrize("value", ["", "  \n", 42, b"bytes"])
def test_an_unusable_argument_is_a_configuration_error(value: object) -> None:
    with pytest.raises(ConfigurationError, match="device ID override"):
        OverrideSource(value, environ={})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", " ", "\n"])
def test_a_set_but_empty_variable_is_an_error_not_a_fallback(value: str) -> None:
    with pytest.raises(HostIdError, match="LICENSE_GUARD_DEVICE_ID is set but empty"):
        OverrideSource(environ={DEVICE_ID_ENV_VAR: value}).read()


def test_repr_hides_the_argument() -> None:
    assert "from-the-app" not in repr(OverrideSource("from-the-app", environ={}))
    assert repr(OverrideSource(environ={})) == (
        "OverrideSource(value=None, variable='LICENSE_GUARD_DEVICE_ID')"
    )


def test_the_environment_is_read_when_the_chain_gets_there() -> None:
    environ: dict[str, str] = {}
    source = OverrideSource(environ=environ)
    environ[DEVICE_ID_ENV_VAR] = VALUE
    assert source.read() == VALUE
