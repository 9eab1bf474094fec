"""What a generation-2 endpoint is handed: the rules it acts on and the call it answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from license_guard.emulator.keymint.customers import CustomerBook
from license_guard.emulator.keymint.endpoints import Caller, Reply
from license_guard.emulator.keymint.floating import FloatingSeats
from license_guard.emulator.keymint.manage import KeyManagement
from license_guard.emulator.keymint.service import KeymintService

__all__ = ["Call", "Rules", "V2Endpoint"]


@dataclass(frozen=True)
class Rules:
    """Everything the generation-2 endpoints act on."""

    service: KeymintService
    manage: KeyManagement
    seats: FloatingSeats
    customers: CustomerBook


@dataclass(frozen=True)
class Call:
    """One request to a generation-2 endpoint: who sent it, its fields and its headers."""

    caller: Caller
    params: Mapping[str, Any] = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


V2Endpoint = Callable[[Rules, Call], Reply]
