"""The vendor-side relay: apps ask it, it asks Keymint with the tokens only it holds.

An optional extra (``pip install "license-guard[relay]"``): the app's wheel never imports it.
It is an ASGI service on Starlette, served by Uvicorn, stateless, so any number of processes
behind any load balancer serve the same apps. See docs/relay.md.

- :mod:`.settings`: its settings, from flags and ``LICENSE_GUARD_RELAY_*`` variables, secrets
  from the environment or a file;
- :mod:`.keys`: its Ed25519 signing key and the public key apps embed;
- :mod:`.upstream`: the calls to Keymint, made with the guard's own backend code, and the
  signed offline license each answer carries;
- :mod:`.limits`: request rates per client address and per license key (per process);
- :mod:`.app`: the HTTP surface (the calls of :mod:`license_guard.backends.keymint.relay_api`
  and a health check, nothing else);
- :mod:`.server`: running it under Uvicorn until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

__all__: list[str] = []
