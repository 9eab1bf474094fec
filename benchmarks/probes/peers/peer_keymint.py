"""Keymint's SDK (``keymint``): the installation ID it recommends as the host ID, and a signed
offline license (``.lic``) checked by ``verify_offline_license``."""

import os
from pathlib import Path


def load() -> None:
    import keymint  # noqa: F401


def identify(files: Path) -> str:
    from keymint.identity import get_or_create_installation_id

    return get_or_create_installation_id(str(files / "keymint-installation-id"))


def host_id(identity: str) -> str:
    return identity


def open_license(files: Path, machine_code: str) -> object:
    from keymint import verify_offline_license

    text = (files / "keymint.lic").read_text(encoding="utf-8")
    public_key = (files / "keymint-public.pem").read_text(encoding="ascii")
    product = os.environ["PEER_PRODUCT"]
    verify_offline_license(
        text, public_keys=[public_key], product_id=product, machine_code=machine_code
    )
    return text, public_key, product


def check(license_: object, machine_code: str) -> object:
    """The SDK has no check of a license held in memory: its check verifies the token again."""
    from keymint import verify_offline_license

    text, public_key, product = license_  # type: ignore[misc]
    return lambda: verify_offline_license(
        text, public_keys=[public_key], product_id=product, machine_code=machine_code
    )


def identify_again(files: Path) -> object:
    from keymint.identity import get_or_create_installation_id

    path = str(files / "keymint-installation-id")
    return lambda: get_or_create_installation_id(path)
