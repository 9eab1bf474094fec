"""The benchmark app's guard, as an app's own startup code would build it: the product and the
server from the lab's environment, the lease in the platform's default folder unless told.

The probes import this module, which costs an app's start what an app's own module costs.
"""

import os

from license_guard import KeymintBackend, LicenseGuard
from license_guard.clock import Clock


def app_guard(*, data_dir: str | None = None, clock: Clock | None = None) -> LicenseGuard:
    """The guard of the lab's app, on the lab's product and server."""
    return LicenseGuard(
        app_id=os.environ["LG_BENCH_APP"],
        backend=KeymintBackend(
            product_id=os.environ["LG_BENCH_PRODUCT"],
            access_token=os.environ["LG_BENCH_TOKEN"],
            base_url=os.environ["LG_BENCH_URL"],
            features=frozenset({os.environ["LG_BENCH_FEATURE"]}),
        ),
        data_dir=data_dir or os.environ.get("LG_BENCH_STORAGE"),
        clock=clock,
    )
