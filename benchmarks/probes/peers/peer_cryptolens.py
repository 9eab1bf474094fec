"""Cryptolens' SDK (``licensing``): ``Helpers.GetMachineCode`` and a signed license saved with
``save_as_string``, loaded by ``LicenseKey.load_from_string`` and checked by its ``Helpers``."""

from pathlib import Path


def load() -> None:
    import licensing.methods
    import licensing.models  # noqa: F401


def identify(files: Path) -> str:
    from licensing.methods import Helpers

    return Helpers.GetMachineCode()  # type: ignore[no-any-return]


def host_id(identity: str) -> str:
    return identity


def open_license(files: Path, machine_code: str) -> object:
    from licensing.models import LicenseKey

    text = (files / "cryptolens.skm").read_text(encoding="utf-8")
    public_key = (files / "cryptolens-public.xml").read_text(encoding="ascii")
    license_key = LicenseKey.load_from_string(public_key, text)
    if license_key is None or not _admits(license_key, machine_code):
        raise SystemExit("cryptolens: the saved license was refused")
    return license_key


def _admits(license_key: object, machine_code: str) -> bool:
    from licensing.methods import Helpers

    return bool(
        Helpers.IsOnRightMachine(license_key, custom_machine_code=machine_code)
        and Helpers.HasNotExpired(license_key)
    )


def check(license_key: object, machine_code: str) -> object:
    """The helpers read the loaded license (memory only)."""
    return lambda: _admits(license_key, machine_code)


def identify_again(files: Path) -> object:
    from licensing.methods import Helpers

    return Helpers.GetMachineCode
