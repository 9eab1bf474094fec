"""The license_guard pytest plugin: a Keymint emulator and a manual clock as fixtures.

Enable it in a ``conftest.py``::

    pytest_plugins = ["license_guard.testing"]

Fixtures (each fresh per test):

``emulator_clock``
    a :class:`~license_guard.clock.ManualClock` starting at :data:`EMULATOR_EPOCH`;
``keymint_emulator``
    an in-memory :class:`~license_guard.emulator.Emulator` on that clock, already seeded;
``keymint_seed``
    its :class:`~license_guard.emulator.Seed`: product, scoped token, key with 5 seats, customer;
``keymint_server``
    an :class:`~license_guard.emulator.EmulatorServer` serving it on 127.0.0.1, stopped after;
``keymint_transport``
    an in-process httpx transport to it (``httpx.Client(transport=keymint_transport)``).
``keymint_guards``
    a factory of :class:`~license_guard.LicenseGuard` objects wired to that emulator in process,
    on its clock: ``keymint_guards(app_id=..., device_id=..., features=..., **options)``; each
    device (``device_id``) keeps its lease in its own folder under the test's ``tmp_path``; every
    guard is closed after the test.
``keygen_emulator``, ``keygen_seed``, ``keygen_server``, ``keygen_transport``
    the same for a :class:`~license_guard.emulator.keygen.KeygenEmulator`: seeded with a license
    of 5 machines that grants the entitlement ``export-4k``; the seed holds the account id and
    the account's public key for :class:`~license_guard.KeygenBackend`.

The shared backend contract tests are in :mod:`license_guard.testing.contract`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from license_guard.backends.keymint.backend import KeymintBackend
from license_guard.clock import Clock, ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.emulator.keygen import KeygenEmulator, KeygenSeed
from license_guard.guard import LicenseGuard

if TYPE_CHECKING:
    import httpx

__all__ = [
    "EMULATOR_EPOCH",
    "GuardFactory",
    "emulator_clock",
    "keygen_emulator",
    "keygen_seed",
    "keygen_server",
    "keygen_transport",
    "keymint_emulator",
    "keymint_guards",
    "keymint_seed",
    "keymint_server",
    "keymint_transport",
]

#: Where ``emulator_clock`` starts: a fixed instant, so dates in tests are reproducible.
EMULATOR_EPOCH = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def emulator_clock() -> ManualClock:
    """A manual clock at :data:`EMULATOR_EPOCH`; move it with ``advance()`` or ``set()``."""
    return ManualClock(EMULATOR_EPOCH)


@pytest.fixture
def keymint_emulator(emulator_clock: ManualClock) -> Iterator[Emulator]:
    """An in-memory emulator on ``emulator_clock``, seeded with 5 seats; closed after the test."""
    emulator = Emulator(clock=emulator_clock)
    emulator.seed(uses_per_key=5)
    yield emulator
    emulator.close()


@pytest.fixture
def keymint_seed(keymint_emulator: Emulator) -> Seed:
    """The seed of ``keymint_emulator``."""
    seed = keymint_emulator.stored_seed()
    assert seed is not None, "keymint_emulator is seeded when it is created"
    return seed


@pytest.fixture
def keymint_server(keymint_emulator: Emulator) -> Iterator[EmulatorServer]:
    """``keymint_emulator`` served on ``127.0.0.1`` at a free port (``.url``); stopped after."""
    with EmulatorServer(keymint_emulator) as server:
        yield server


@pytest.fixture
def keymint_transport(keymint_emulator: Emulator) -> Iterator[httpx.BaseTransport]:
    """An httpx transport to ``keymint_emulator`` without a socket; closed after the test."""
    with keymint_emulator.transport() as transport:
        yield transport


GuardFactory = Callable[..., LicenseGuard]
"""The type of ``keymint_guards`` (and of test suites' own factories built on it)."""


@pytest.fixture
def keymint_guards(
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    tmp_path: Path,
) -> Iterator[GuardFactory]:
    """Make guards on the seeded product, in process, on ``emulator_clock``; closed after.

    ``make(*, app_id="com.example.app", device_id=None, data_dir=None, features=None,
    product_id=None, access_token=None, transport=None, clock=None, **options)``: a
    ``device_id`` stands for another computer (the guard's own override, as containers use);
    each device's lease lives in ``tmp_path/<device_id or "this-computer">`` unless
    *data_dir* says otherwise. *options* go to :class:`~license_guard.LicenseGuard`.
    """
    made: list[LicenseGuard] = []

    def make(
        *,
        app_id: str = "com.example.app",
        device_id: str | None = None,
        data_dir: Path | None = None,
        features: Iterable[str] | None = None,
        product_id: str | None = None,
        access_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        **options: Any,
    ) -> LicenseGuard:
        clock = clock or emulator_clock
        backend = KeymintBackend(
            product_id=product_id or keymint_seed.product_id,
            access_token=access_token or keymint_seed.access_token,
            base_url="http://127.0.0.1",
            features=features,
            transport=transport or keymint_transport,
            clock=clock,
        )
        guard = LicenseGuard(
            app_id=app_id,
            backend=backend,
            data_dir=data_dir or tmp_path / (device_id or "this-computer"),
            device_id=device_id,
            clock=clock,
            **options,
        )
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


@pytest.fixture
def keygen_emulator(emulator_clock: ManualClock) -> Iterator[KeygenEmulator]:
    """A Keygen emulator on ``emulator_clock``, seeded (5 machines, ``export-4k``)."""
    emulator = KeygenEmulator(clock=emulator_clock)
    emulator.seed(max_machines=5, entitlements=("export-4k",))
    yield emulator
    emulator.close()


@pytest.fixture
def keygen_seed(keygen_emulator: KeygenEmulator) -> KeygenSeed:
    """The seed of ``keygen_emulator``: account, public key, product, policy and license."""
    seed = keygen_emulator.stored_seed()
    assert seed is not None, "keygen_emulator is seeded when it is created"
    return seed


@pytest.fixture
def keygen_server(keygen_emulator: KeygenEmulator) -> Iterator[EmulatorServer]:
    """``keygen_emulator`` served on ``127.0.0.1`` at a free port (``.url``); stopped after."""
    with EmulatorServer(keygen_emulator) as server:
        yield server


@pytest.fixture
def keygen_transport(keygen_emulator: KeygenEmulator) -> Iterator[httpx.BaseTransport]:
    """An httpx transport to ``keygen_emulator`` without a socket; closed after the test."""
    with keygen_emulator.transport() as transport:
        yield transport
