"""PyInstaller hook for license_guard, run when a frozen app imports it.

license_guard keeps startup light by importing most of itself, and its HTTP and hardware
libraries, inside the functions that need them (see guard.py and http.py). PyInstaller's analysis
follows most such imports, but this hook names them all so that a future lazy import, or an app
that only builds a guard from its configuration, still gets a complete bundle:

* every license_guard module an app can reach at run time: the guard, the lease and its store,
  the backends and the HTTP client, the host-ID sources of every operating system (only the
  running one is used, and they are small), the messages and the CLI (``release`` for
  uninstallers);
* the libraries those import lazily: httpx and its transport (httpcore, h11, certifi for the CA
  bundle, whose data file the certifi hook of pyinstaller-hooks-contrib adds), psutil (network
  adapters), py-machineid (other systems) and platformdirs.

Left out on purpose: ``license_guard.testing`` (a pytest plugin: it would drag pytest in),
``license_guard.qt`` (collected when the app imports it; the qtpy hook picks one Qt binding) and
``license_guard.emulator`` (a development server; collected only when the app imports it).
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_submodules

_LEFT_OUT = (
    "license_guard.testing",
    "license_guard.qt",
    "license_guard.emulator",
    "license_guard._pyinstaller",
)


def _wanted(name: str) -> bool:
    return not any(name == left or name.startswith(left + ".") for left in _LEFT_OUT)


hiddenimports = [
    *collect_submodules("license_guard", filter=_wanted),
    "httpx",
    "httpcore",
    "h11",
    "certifi",
    "psutil",
    "machineid",
    "platformdirs",
]
