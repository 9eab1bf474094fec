"""license_guard: the guard's cached lease (sealed, on this device) and ``@guard.require()``."""

import os
from pathlib import Path


def load() -> None:
    import license_guard  # noqa: F401


def identify(files: Path) -> object:
    """The guard, which computes the host ID on first use and keeps it."""
    from license_guard import KeymintBackend, LicenseGuard

    guard = LicenseGuard(
        app_id=os.environ["LG_BENCH_APP"],
        backend=KeymintBackend(
            product_id=os.environ["LG_BENCH_PRODUCT"],
            access_token=os.environ["LG_BENCH_TOKEN"],
            base_url=os.environ["LG_BENCH_URL"],
        ),
        data_dir=files / "license_guard",
    )
    guard.host_id  # noqa: B018  (the property computes the host ID)
    return guard


def host_id(guard: object) -> str:
    return guard.host_id  # type: ignore[attr-defined,no-any-return]


def open_license(files: Path, guard: object) -> object:
    status = guard.ensure_activated()  # type: ignore[attr-defined]
    if not status.is_licensed:
        raise SystemExit(f"license_guard: not licensed: {status.state.value}")
    return guard


def check(guard: object, identity: object) -> object:
    return guard.require()(lambda: None)  # type: ignore[attr-defined]


def identify_again(files: Path) -> object:
    from license_guard.hostid import default_sources, resolve_host_identity

    app_id = os.environ["LG_BENCH_APP"]
    sources = default_sources(install_id_path=files / "license_guard" / "install-id")
    return lambda: resolve_host_identity(app_id, sources)
