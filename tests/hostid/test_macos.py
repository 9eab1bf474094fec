"""macOS: IOPlatformUUID from ioreg through a fake command runner, and the real runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import pytest

from license_guard.errors import HostIdError
from license_guard.hostid import MacOSMachineIdSource
from license_guard.hostid.macos import run_command

from .contract import IdentitySourceContract

PLATFORM_UUID = "8A3F3E3C-1B6E-5C1D-9E3F-2D1C0B9A8F7E"
IOREG_OUTPUT = f"""\
+-o J314sAP  <class IOPlatformExpertDevice, id 0x100000206, registered, matched, active, busy 0>
    {{
      "IOPolledInterface" = "AppleARMWatchdogTimerHibernateHandler is not serializable"
      "#address-cells" = <02000000>
      "IOPlatformSerialNumber" = "C02XK1ABJHD3"
      "IOPlatformUUID" = "{PLATFORM_UUID}"
      "model" = <"MacBookPro18,3">
    }}
"""


class FakeRunner:
    """Answers *output* or raises *error*, and records what it was asked to run."""

    def __init__(self, output: str = "", error: Exception | None = None) -> None:
        self.output = output
        self.error = error
        self.calls: list[tuple[list[str], float]] = []

    def __call__(self, argv: Sequence[str], timeout: float) -> str:
        self.calls.append((list(argv), timeout))
        if self.error is not None:
            raise self.error
        return self.output


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self) -> MacOSMachineIdSource:
        return MacOSMachineIdSource(run=FakeRunner(IOREG_OUTPUT))


def test_reads_the_platform_uuid_with_a_short_timeout_and_no_shell() -> None:
    runner = FakeRunner(IOREG_OUTPUT)
    assert MacOSMachineIdSource(run=runner, timeout=2.5).read() == PLATFORM_UUID
    assert runner.calls == [(["/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice"], 2.5)]


def test_default_timeout_is_short() -> None:
    assert 0 < MacOSMachineIdSource().timeout <= 10


@pytest.mark.parametrize(
    "output",
    ["", "garbage\n", '"IOPlatformUUID" = <binary>', '"IOPlatformUUID" = " "', "\x00\xff"],
)
def test_output_without_a_platform_uuid_means_none(output: str) -> None:
    assert MacOSMachineIdSource(run=FakeRunner(output)).read() is None


def test_missing_ioreg_means_none() -> None:
    runner = FakeRunner(error=FileNotFoundError(2, "No such file or directory"))
    assert MacOSMachineIdSource(run=runner).read() is None


@pytest.mark.parametrize(
    "error",
    [
        subprocess.TimeoutExpired(["/usr/sbin/ioreg"], 5.0),
        subprocess.CalledProcessError(1, ["/usr/sbin/ioreg"]),
        PermissionError(13, "Permission denied"),
    ],
)
def test_a_failing_or_hanging_ioreg_is_an_error_not_a_fallback(error: Exception) -> None:
    with pytest.raises(HostIdError, match="hardware UUID could not be read") as info:
        MacOSMachineIdSource(run=FakeRunner(error=error)).read()
    assert info.value.__cause__ is error


def test_real_runner_returns_standard_output() -> None:
    assert run_command([sys.executable, "-c", "print('IOPlatformUUID')"], 30) == "IOPlatformUUID\n"


def test_real_runner_raises_on_failure_timeout_and_missing_program() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        run_command([sys.executable, "-c", "raise SystemExit(3)"], 30)
    with pytest.raises(subprocess.TimeoutExpired):
        run_command([sys.executable, "-c", "import time; time.sleep(30)"], 0.5)
    with pytest.raises(FileNotFoundError):
        run_command(["/nonexistent/ioreg"], 30)


def test_real_runner_never_uses_a_shell() -> None:
    # With a shell, ";" would start a second command; as one argv entry it is just text.
    output = run_command([sys.executable, "-c", "import sys; print(sys.argv[1])", "a; echo b"], 30)
    assert output == "a; echo b\n"
