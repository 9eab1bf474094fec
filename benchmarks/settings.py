"""How much each figure measures in the quick (CI) and full modes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "Mode"]


@dataclass(frozen=True, kw_only=True)
class Mode:
    """Sizes of one run. Rounds are repetitions that give a figure its median and spread.

    Attributes:
        gate_rounds: timing rounds of the gate, each ``gate_calls`` calls per variant.
        process_rounds: fresh interpreters per variant for the cold start and the host ID.
        memory_rounds: fresh interpreters per variant for resident memory.
        activation_rounds: activations (and bare requests) against the emulator.
        repeat_calls: calls timed per round for "repeated call" figures.
        fleet_installs: simulated installs (the issue's 10,000).
        fleet_seeds: independent simulations of the fleet.
        fleet_days: days simulated per fleet.
        count_instructions: also count the instructions of a cold start (valgrind, if found).
        relay_requests: validations sent per relay load run (0: the relay figure is skipped).
    """

    name: str
    gate_rounds: int
    gate_calls: int
    process_rounds: int
    memory_rounds: int
    activation_rounds: int
    repeat_calls: int
    fleet_installs: int = 10_000
    fleet_seeds: int
    fleet_days: int
    count_instructions: bool = False
    relay_requests: int = 0


QUICK = Mode(
    name="quick",
    gate_rounds=11,
    gate_calls=100_000,
    process_rounds=11,
    memory_rounds=3,
    activation_rounds=15,
    repeat_calls=10_000,
    fleet_seeds=5,
    fleet_days=3,
)

FULL = Mode(
    name="full",
    gate_rounds=41,
    gate_calls=200_000,
    process_rounds=41,
    memory_rounds=11,
    activation_rounds=61,
    repeat_calls=100_000,
    fleet_seeds=50,
    fleet_days=7,
    count_instructions=True,
    relay_requests=3_000,
)
