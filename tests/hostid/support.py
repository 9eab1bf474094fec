"""Running license_guard in real, fresh Python processes, as root or as another user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

NOBODY = 65534


def drop_privileges_command(uid: int = NOBODY) -> list[str] | None:
    """The argv prefix that runs a command as *uid*, or None when this process cannot."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return None
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


def run_python(code: str, *args: str, as_user: int | None = None) -> str:
    """The standard output of ``python -c code args`` in a fresh interpreter (this venv's)."""
    prefix = [] if as_user is None else drop_privileges_command(as_user)
    assert prefix is not None, "dropping privileges needs root and setpriv"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("LICENSE_GUARD_DEVICE_ID", None)
    completed = subprocess.run(
        [*prefix, sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout
