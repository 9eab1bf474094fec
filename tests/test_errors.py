"""The error tree is public API: its shape and messages are pinned here."""

from __future__ import annotations

import license_guard
from license_guard import errors


def test_every_public_error_derives_from_license_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.LicenseError), name


def test_the_three_branches_an_app_acts_on_are_disjoint() -> None:
    branches = (errors.LicenseDeniedError, errors.LicenseUnreachableError, errors.LeaseError)
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert sum(issubclass(cls, branch) for branch in branches) <= 1, name


def test_tree_drawn_in_the_docstring_matches_the_classes() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc, f"{name} is missing from the drawing in errors.py"


def test_public_surface_exports_every_error() -> None:
    assert set(errors.__all__) <= set(license_guard.__all__)
    assert license_guard.__all__ == sorted(license_guard.__all__)


def test_message_is_the_string_and_server_text_is_kept_apart() -> None:
    exc = errors.LicenseBlockedError("This license key has been blocked.", server_message="Nope")
    assert str(exc) == "This license key has been blocked."
    assert exc.server_message == "Nope"


def test_the_vendor_tools_customer_errors_are_configuration_errors() -> None:
    # Code that catches ConfigurationError (the guard, the CLI's exit code 2) keeps working.
    for cls in (errors.CustomerNotFoundError, errors.CustomerExistsError):
        assert issubclass(cls, errors.ConfigurationError)
        assert not issubclass(cls, errors.LicenseDeniedError)
