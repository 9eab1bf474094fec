"""What every figure stands on: a seeded emulator served on 127.0.0.1, this device's lease
cached in a scratch folder, and fresh interpreters set up to find both (the app's probes through
``LG_BENCH_*`` variables, the ``license-guard`` command through its own ``LICENSE_GUARD_*``
settings, with no config file of the caller's).

Fresh interpreters get a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in the scratch
folder, warmed before anything is timed) even where the environment says
``PYTHONDONTWRITEBYTECODE``: an installed app starts from compiled bytecode, and compiling on every
start would measure the compiler instead of the library.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from license_guard import KeymintBackend, LicenseGuard
from license_guard.clock import Clock
from license_guard.emulator import Emulator, EmulatorServer

__all__ = ["APP_ID", "FEATURE", "Lab", "ProcessRun", "lab"]

APP_ID = "com.example.benchmarks"
FEATURE = "export-4k"
PROBES = Path(__file__).resolve().parent / "probes"
# A probe that runs longer than this is stuck (a deadlock, a hung server): fail, do not wait.
PROCESS_TIMEOUT = 300
_INSTRUCTIONS = re.compile(r"I\s+refs:\s+([\d,]+)")

# Settings that would change what a fresh interpreter does, whatever the caller's shell holds.
_CLEARED = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONTRACEMALLOC",
    "PYTHONDEVMODE",
    "PYTHONMALLOC",
    "PYTHONSTARTUP",
)


@dataclass(frozen=True)
class ProcessRun:
    """One fresh interpreter: wall time from start to exit, CPU time it used, what it printed."""

    wall_ms: float
    cpu_ms: float
    stdout: str


class Lab:
    """The shared fixtures of a run. Use :func:`lab` to get one that cleans up after itself."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.emulator = Emulator()
        self.seed = self.emulator.seed(uses_per_key=5)
        self.server = EmulatorServer(self.emulator).start()
        self.data_home = workdir / "data"
        # Where platformdirs puts the app's data on Linux under this XDG_DATA_HOME; elsewhere the
        # probes are told the folder outright.
        self.data_dir = self.data_home / APP_ID
        self._pycache = workdir / "pycache"
        self._config_home = workdir / "config"  # empty: the command reads no config.ini
        self.activate()

    def close(self) -> None:
        """Stop the server and the emulator."""
        self.server.stop()
        self.emulator.close()

    def backend(self) -> KeymintBackend:
        """A Keymint backend for the seeded product, talking to the server over loopback."""
        return KeymintBackend(
            product_id=self.seed.product_id,
            access_token=self.seed.access_token,
            base_url=self.server.url,
            features=frozenset({FEATURE}),
        )

    def guard(self, *, clock: Clock | None = None) -> LicenseGuard:
        """A guard of the benchmark app on this device, with the lab's lease folder."""
        return LicenseGuard(
            app_id=APP_ID, backend=self.backend(), data_dir=self.data_dir, clock=clock
        )

    def environment(self) -> dict[str, str]:
        """The environment of a probe: the caller's, with the lab's server, lease and cache."""
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in _CLEARED and not name.startswith("LICENSE_GUARD_")
        }
        env.update(
            PYTHONPYCACHEPREFIX=str(self._pycache),
            XDG_DATA_HOME=str(self.data_home),
            XDG_CONFIG_HOME=str(self._config_home),
            LG_BENCH_APP=APP_ID,
            LG_BENCH_URL=self.server.url,
            LG_BENCH_PRODUCT=self.seed.product_id,
            LG_BENCH_TOKEN=self.seed.access_token,
            LG_BENCH_KEY=self.seed.license_key,
            LG_BENCH_FEATURE=FEATURE,
            LICENSE_GUARD_APP_ID=APP_ID,
            LICENSE_GUARD_PRODUCT_ID=self.seed.product_id,
            LICENSE_GUARD_BASE_URL=self.server.url,
            LICENSE_GUARD_ACCESS_TOKEN=self.seed.access_token,
        )
        if not sys.platform.startswith("linux"):
            env["LG_BENCH_STORAGE"] = str(self.data_dir)
            env["LICENSE_GUARD_DATA_DIR"] = str(self.data_dir)
        return env

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, python: str | None = None
    ) -> ProcessRun:
        """Run ``python *args`` to completion, timed from outside: this interpreter, or
        *python* (another environment's, as the peers' comparison runs).

        Raises:
            RuntimeError: the process failed (its stderr is in the message).
        """
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run(
            [python or sys.executable, *args],
            cwd=self.workdir,  # for ``-c`` the working folder comes first on sys.path
            env=self.environment() if env is None else env,
            capture_output=True,
            text=True,
            check=False,
            timeout=PROCESS_TIMEOUT,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != 0:
            raise RuntimeError(f"python {' '.join(args)} failed:\n{completed.stderr}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return ProcessRun(wall_ms=wall * 1e3, cpu_ms=cpu * 1e3, stdout=completed.stdout)

    def probe(self, name: str, *args: str) -> ProcessRun:
        """Run ``benchmarks/probes/<name>.py`` in a fresh interpreter."""
        return self.run(str(PROBES / f"{name}.py"), *args)

    def command(self, *args: str) -> ProcessRun:
        """Run the installed ``license-guard`` command (its console script, by this interpreter).

        Raises:
            RuntimeError: the command is not installed beside this interpreter, or it failed.
        """
        return self.run(self.command_script(), *args)

    def command_script(self) -> str:
        """The installed ``license-guard`` console script beside this interpreter.

        Raises:
            RuntimeError: it is not installed.
        """
        script = Path(sys.executable).parent / "license-guard"
        if not script.is_file():
            raise RuntimeError(f"{script} not found: install the package (pip install -e .)")
        return str(script)

    def activate(self) -> None:
        """Activate this device again and cache its lease (after a release)."""
        guard = self.guard()
        try:
            guard.activate(self.seed.license_key)
        finally:
            guard.close()

    def instructions(self, *args: str) -> int | None:
        """Instructions ``python *args`` executes, counted by valgrind (cachegrind), or ``None``
        without valgrind. Unlike time, the count does not depend on what else the machine does.

        Raises:
            RuntimeError: the process failed under valgrind.
        """
        valgrind = shutil.which("valgrind")
        if valgrind is None:
            return None
        command = [valgrind, "--tool=cachegrind", "--cache-sim=no"]
        command += ["--cachegrind-out-file=/dev/null", sys.executable, *args]
        completed = subprocess.run(
            command,
            cwd=self.workdir,
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=PROCESS_TIMEOUT,
        )
        found = _INSTRUCTIONS.search(completed.stderr)
        if completed.returncode != 0 or found is None:
            raise RuntimeError(f"valgrind python {' '.join(args)} failed:\n{completed.stderr}")
        return int(found.group(1).replace(",", ""))


@contextmanager
def lab() -> Iterator[Lab]:
    """A :class:`Lab` in a scratch folder, stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="license-guard-bench-") as folder:
        the_lab = Lab(Path(folder))
        try:
            yield the_lab
        finally:
            the_lab.close()
