"""A refusal learnt by an online check closes the gate at once, whoever asked."""

from __future__ import annotations

import pytest

from license_guard import LicenseBlockedError, LicenseGuard
from license_guard.emulator import Emulator, Seed


def test_a_refused_revalidation_stops_gated_code_at_once(
    activated: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    @activated.require()
    def premium() -> str:
        return "ran"

    assert premium() == "ran"  # the gate now admits without asking, for up to a minute
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    with pytest.raises(LicenseBlockedError):
        activated.revalidate()  # what the background refresher calls
    with pytest.raises(LicenseBlockedError):
        premium()
