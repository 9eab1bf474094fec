"""From the first launch to a licensed start: ask for a key once, then start from the lease.

Run it against the local emulator (``license-guard emulator serve`` prints the three values)::

    LICENSE_GUARD_PRODUCT_ID=prod_... LICENSE_GUARD_ACCESS_TOKEN=at_... \
    LICENSE_GUARD_BASE_URL=http://127.0.0.1:8765 python examples/quickstart.py [KEY]

On the first launch it activates with KEY, else asks for one (a terminal prompt, or the first
line of stdin). Later launches start from the lease without the network. Everything a user can
get wrong (no key, a mistyped key, no internet, every seat taken) ends in a sentence, never a
traceback. Exit codes: 0 licensed, 3 no key given, 4 a licensing problem.
"""

from __future__ import annotations

import os
import sys

from license_guard import KeymintBackend, LicenseError, LicenseGuard, NotActivatedError
from license_guard.messages import describe


def _setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"Set {name} (license-guard emulator serve prints it).")
    return value


guard = LicenseGuard(
    app_id="com.example.photoeditor",
    backend=KeymintBackend(
        product_id=_setting("LICENSE_GUARD_PRODUCT_ID"),
        access_token=_setting("LICENSE_GUARD_ACCESS_TOKEN"),
        base_url=os.environ.get("LICENSE_GUARD_BASE_URL", "https://api.keymint.dev"),
        features={"export-4k"},
    ),
)


@guard.require("export-4k")
def export_4k(name: str) -> str:
    return f"{name} exported in 4K"


def show(error: LicenseError) -> None:
    """Tell the user what went wrong and what to do, in the library's words."""
    message = describe(error)
    print(f"{message.title}: {message.text}")


def ask_for_key(argv: list[str]) -> str | None:
    """The key from the command line, else from a prompt; ``None`` when none was given."""
    if len(argv) > 1:
        return argv[1]
    try:
        return input("License key: ").strip() or None
    except (EOFError, KeyboardInterrupt):  # stdin closed, or the user gave up
        print()
        return None


def start(argv: list[str]) -> int:
    """The startup check; activates on the first launch. Returns the exit code."""
    try:
        guard.ensure_activated()  # one file read, no network while the lease is fresh
        return 0
    except NotActivatedError as error:  # the first launch on this computer
        show(error)
    except LicenseError as error:  # refused, offline for too long, clock turned back, ...
        show(error)
    key = ask_for_key(argv)
    if key is None:
        print("No license key given: run again with your license key.")
        return 3
    try:
        guard.activate(key, device_tag="Quickstart")
    except LicenseError as error:  # a mistyped key, no internet, every seat taken, ...
        show(error)
        return 4
    print("Activated.")
    return 0


def main(argv: list[str]) -> int:
    code = start(argv)
    if code:
        return code
    try:
        print(export_4k("holiday.png"))
    except LicenseError as error:  # e.g. FeatureNotLicensedError, or a license revoked meanwhile
        show(error)
        return 4
    print(guard.status().detail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
