"""Generation 2's routes: which method and path reach which endpoint, where its fields come from,
and which need an admin token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from license_guard.emulator.keymint.endpoints_customers import customer_endpoints
from license_guard.emulator.keymint.endpoints_v2 import V2Endpoint, key_endpoints

__all__ = ["INSUFFICIENT_PERMISSIONS", "MISSING_AUTHORIZATION", "ROUTES", "Route", "Source"]

INSUFFICIENT_PERMISSIONS = "Insufficient permissions for this operation"
MISSING_AUTHORIZATION = "Missing Authorization header"


class Source(Enum):
    """Where an endpoint's fields are read from."""

    BODY = "body"
    QUERY = "query"


@dataclass(frozen=True)
class Route:
    """One generation-2 endpoint and how the app feeds it."""

    endpoint: V2Endpoint
    source: Source = Source.BODY
    admin: bool = False


# GETs, DELETE /customer/by-id and POST /customer/disable carry their fields in the query [SDK].
_QUERY = {("DELETE", "/customer/by-id"), ("POST", "/customer/disable")}
_ADMIN = {("POST", "/key/sign")}

#: (method, path) -> route.
ROUTES: Mapping[tuple[str, str], Route] = MappingProxyType(
    {
        (method, path): Route(
            endpoint,
            Source.QUERY if method == "GET" or (method, path) in _QUERY else Source.BODY,
            (method, path) in _ADMIN,
        )
        for (method, path), endpoint in {**key_endpoints(), **customer_endpoints()}.items()
    }
)


def methods_of(path: str) -> list[str]:
    """The methods generation 2 serves on *path* (empty when it serves none), sorted."""
    return sorted(method for method, route_path in ROUTES if route_path == path)
