"""One name for the lease folder: ``data_dir``, as on the command line and in the config file.
The old Python name ``storage_dir`` still works, with a DeprecationWarning."""

from __future__ import annotations

from pathlib import Path

import pytest

from license_guard import ConfigurationError, KeymintBackend, LicenseGuard
from license_guard.emulator import Seed
from license_guard.testing import GuardFactory


def _backend(seed: Seed) -> KeymintBackend:
    return KeymintBackend(product_id=seed.product_id, access_token=seed.access_token)


def test_data_dir_holds_the_lease(
    make_guard: GuardFactory, keymint_seed: Seed, tmp_path: Path
) -> None:
    guard = make_guard(data_dir=tmp_path / "here")
    guard.activate(keymint_seed.license_key)
    assert guard.data_dir == tmp_path / "here"
    assert guard.store.path.parent == tmp_path / "here"


def test_storage_dir_is_a_deprecated_alias(keymint_seed: Seed, tmp_path: Path) -> None:
    with pytest.warns(DeprecationWarning, match="storage_dir is now called data_dir"):
        guard = LicenseGuard(
            app_id="com.example.app", backend=_backend(keymint_seed), storage_dir=tmp_path
        )
    assert guard.data_dir == tmp_path
    with pytest.warns(DeprecationWarning, match="storage_dir is now called data_dir") as caught:
        assert guard.storage_dir == tmp_path
    assert caught[0].filename == __file__  # points at the caller, not at the library


def test_both_names_at_once_are_refused(keymint_seed: Seed, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Give data_dir only"):
        LicenseGuard(
            app_id="com.example.app",
            backend=_backend(keymint_seed),
            data_dir=tmp_path,
            storage_dir=tmp_path,
        )
