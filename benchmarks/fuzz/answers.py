"""Server answers fuzzed: a hostile server that forwards each request to the real emulator and
mutates what comes back, driven through the public API.

Each try takes a fresh device. For every operation but ``activate`` the device is first
activated for real (through the emulator's clean transport); then a fresh guard, whose backend
talks through the hostile transport, runs the operation: ``activate``, ``revalidate``,
``ensure_activated`` (a check is due), ``release`` and, for Keygen, ``heartbeat``. One of the
operation's answers (or, one try in five, every answer) is mutated.

Acceptance:

* Keymint (unsigned answers): the app ends up licensed on facts (expiry, features, key) other
  than the real server's, from an answer the documented contract does not allow. A rewrite to
  another *well-formed* value (an expiry that is a valid date, or null) cannot be told from the
  truth without a signature: it is counted apart, as Keymint's documented limit.
* Keygen: the guard acted on an answer whose signature does not verify (checked independently
  here with :func:`license_guard.keygen.verify_response`): took it for a new lease, a
  revocation, a heartbeat or a freed seat; or it is licensed on facts other than the server's.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fuzz.mutations import Answer, mutate_answer
from benchmarks.fuzz.tally import Tally
from benchmarks.fuzz.world import CHECK_EVERY, World, scratch
from license_guard import LicenseError, LicenseGuard, LicenseState, LicenseStatus
from license_guard.keygen import MAX_CLOCK_DRIFT, verify_response
from license_guard.testing import EMULATOR_EPOCH

__all__ = ["OPERATIONS", "answer_chunk"]

#: Each vendor's operations and how many answers each takes when all goes well.
OPERATIONS: dict[str, dict[str, int]] = {
    "keymint": {"activate": 2, "revalidate": 2, "ensure_activated": 2, "release": 1},
    "keygen": {
        "activate": 4,
        "revalidate": 2,
        "ensure_activated": 2,
        "release": 1,
        "heartbeat": 1,
    },
}
#: A world (emulator) serves this many tries, or until its clock moved this far (Retry-After).
WORLD_TRIES = 400
WORLD_DRIFT = timedelta(minutes=10)


@dataclass
class Exchange:
    method: str
    target: str
    mutated: bool
    changes: list[str] = field(default_factory=list)
    touched: tuple[tuple[Any, ...], Any] | None = None
    verifies: bool = True


class Hostile:
    """An httpx transport standing for a hostile server: the real answer, mutated.

    httpx.MockTransport is httpx's public "transport from a function"; here it is the only way
    to have a server that lies, since ours does not.
    """

    def __init__(self, world: World, rng: random.Random, targets: set[int] | None) -> None:
        self.world = world
        self.rng = rng
        self.targets = targets  # indices of the answers to mutate; None: every answer
        self.exchanges: list[Exchange] = []
        self.transport = httpx.MockTransport(self._handle)
        self.foreign: list[BaseException] = []
        self.harness_errors: list[BaseException] = []

    def _handle(self, request: httpx.Request) -> httpx.Response:
        real = self.world.clean.handle_request(request)
        body = real.read()
        index = len(self.exchanges)
        target = request.url.raw_path.decode("ascii")
        if self.targets is not None and index not in self.targets:
            self.exchanges.append(Exchange(request.method, target, mutated=False))
            return httpx.Response(
                real.status_code, headers=real.headers, stream=httpx.ByteStream(body)
            )
        answer = Answer(real.status_code, list(real.headers.multi_items()), body)
        try:
            mutate_answer(self.rng, answer, signed=self.world.public_key is not None)
        except Exception as exc:
            # A bug of the fuzzer, not of the library: reported apart, and the try is not made.
            self.harness_errors.append(exc)
            self.exchanges.append(Exchange(request.method, target, mutated=False))
            return httpx.Response(
                real.status_code, headers=real.headers, stream=httpx.ByteStream(body)
            )
        exchange = Exchange(request.method, target, True, answer.changes, answer.touched)
        exchange.verifies = self._verifies(exchange, answer)
        self.exchanges.append(exchange)
        # A stream, as over a socket: the client reads it with iter_raw(), like a real body.
        return httpx.Response(
            answer.status, headers=answer.headers, stream=httpx.ByteStream(answer.body)
        )

    def _verifies(self, exchange: Exchange, answer: Answer) -> bool:
        if self.world.public_key is None:
            return True
        try:
            verify_response(
                method=exchange.method,
                target=exchange.target,
                host="127.0.0.1",
                headers=httpx.Headers(answer.headers),
                body=answer.body,
                public_key=self.world.public_key,
                now=self.world.clock.now(),
                tolerance=MAX_CLOCK_DRIFT,
            )
        except LicenseError:
            return False
        except Exception as exc:
            self.foreign.append(exc)
            return False
        return True

    @property
    def mutated(self) -> int:
        return sum(exchange.mutated for exchange in self.exchanges)

    def unverified_taken(self) -> Exchange | None:
        """A mutated answer that fails verification and was not simply asked again."""
        for index, exchange in enumerate(self.exchanges):
            if not exchange.mutated or exchange.verifies:
                continue
            after = self.exchanges[index + 1] if index + 1 < len(self.exchanges) else None
            if after is None or (after.method, after.target) != (exchange.method, exchange.target):
                return exchange
        return None

    def describe(self) -> str:
        return "; ".join(
            f"{e.method} {e.target.split('/')[-1][:40]}: {', '.join(e.changes)}"
            for e in self.exchanges
            if e.mutated
        )


def _decisive(status: LicenseStatus, kind: str) -> dict[str, Any]:
    facts = {
        "licensed": status.is_licensed,
        "expires_at": status.expires_at,
        "features": status.features,
        "key_hint": status.key_hint,
    }
    if kind == "keygen":  # signed by the server, in the machine file
        facts["licensee_name"] = status.licensee_name
    return facts


def _well_formed_expiry(touched: tuple[tuple[Any, ...], Any] | None) -> bool:
    """Whether a Keymint mutation wrote a valid value into ``expiration_date``."""
    if touched is None or not touched[0] or touched[0][-1] != "expiration_date":
        return False
    value = touched[1]
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def _run(guard: LicenseGuard, operation: str, license_key: str) -> object:
    if operation == "activate":
        return guard.activate(license_key)
    if operation == "revalidate":
        return guard.revalidate()
    if operation == "ensure_activated":
        return guard.ensure_activated()
    if operation == "release":
        return guard.release()
    return guard.heartbeat()


Taken = Callable[[LicenseStatus], bool]


def _taken(operation: str, outcome: str, result: object, before: LicenseStatus | None) -> Taken:
    """How to tell, from the status after the operation, whether the guard believed the
    answers: a lease where there was none, a new ``verified_at`` or a revocation, a freed seat
    (True) or a heartbeat's next wait. (release and heartbeat leave no lease facts to judge.)"""
    if operation in ("release", "heartbeat"):
        believed = outcome == "succeeded" and result not in (None, False)
        return lambda after: believed
    if before is None:
        return lambda after: after.state is not LicenseState.NOT_ACTIVATED
    return lambda after: (
        after.verified_at != before.verified_at
        or (after.state is LicenseState.DENIED and before.state is not LicenseState.DENIED)
    )


class _Tries:
    """The tries of one chunk against one vendor, in worlds recycled as they age."""

    def __init__(self, kind: str, seed: int, root: Path, tally: Tally) -> None:
        self.kind = kind
        self.seed = seed
        self.root = root
        self.tally = tally
        self.world: World | None = None
        self.world_tries = 0
        self.reference: dict[str, Any] = {}

    def _fresh_world(self) -> World:
        world = self.world
        if (
            world is not None
            and self.world_tries < WORLD_TRIES
            and world.clock.now() - EMULATOR_EPOCH < WORLD_DRIFT
        ):
            return world
        if world is not None:
            world.close()
        world = World.create(self.kind)
        guard = world.activate(self.root / "reference", "reference")
        self.reference = _decisive(guard.status(), self.kind)
        guard.close()
        self.world, self.world_tries = world, 0
        return world

    def one(self, index: int) -> int:
        """Try *index*; returns how many mutated answers it delivered."""
        world = self._fresh_world()
        self.world_tries += 1
        rng = random.Random(f"{self.seed}/{self.kind}/answer/{index}")
        operations = OPERATIONS[self.kind]
        operation = rng.choice(sorted(operations))
        device = f"device-{index}"
        folder = self.root / device
        before: LicenseStatus | None = None
        if operation != "activate":
            clean = world.activate(folder, device)
            before = clean.status()
            clean.close()
        targets = None if rng.random() < 0.2 else {rng.randrange(operations[operation])}
        hostile = Hostile(world, rng, targets)
        guard = world.guard(
            folder, device, world.backend(hostile.transport), revalidate_every=CHECK_EVERY
        )
        if operation != "activate":  # a check is due, and a new answer shows in verified_at
            world.clock.advance(2 * CHECK_EVERY)
        described = f"{self.kind} answer try {index}, {operation}()"
        result: object = None
        try:
            result = _run(guard, operation, world.license_keys[0])
            outcome = "succeeded"
        except LicenseError as refused:
            outcome = type(refused).__name__
        except Exception as exc:
            outcome = "foreign"
            self.tally.foreign_exception(exc, f"{described}: {hostile.describe()}")
        for problem in hostile.harness_errors:
            self.tally.harness_error(problem, described)
        for problem in hostile.foreign:
            self.tally.foreign_exception(problem, f"verify_response in {described}")
        if hostile.mutated:
            self.tally.tries += 1
            if outcome != "foreign":
                self.tally.outcome(f"{operation} {outcome}")
            self._judge(guard, hostile, described, _taken(operation, outcome, result, before))
        guard.close()
        shutil.rmtree(folder, ignore_errors=True)
        return hostile.mutated

    def _judge(self, guard: LicenseGuard, hostile: Hostile, described: str, taken: Taken) -> None:
        """Count an acceptance if the guard believed what it should not have."""
        try:
            after = guard.status()
        except LicenseError:
            return
        except Exception as exc:
            self.tally.foreign_exception(exc, f"status() after {described}")
            return
        believed = taken(after)
        details = f"{described}: {hostile.describe()} -> {after.state.value}"
        if self.kind == "keygen" and believed and hostile.unverified_taken() is not None:
            self.tally.accept(f"unverified answer acted on: {details}")
        elif believed and after.is_licensed and _decisive(after, self.kind) != self.reference:
            if self.kind == "keymint" and any(
                _well_formed_expiry(e.touched) for e in hostile.exchanges if e.mutated
            ):
                self.tally.lie(f"{details}, expires {after.expires_at}")
            else:
                facts = json.dumps(_decisive(after, self.kind), default=str)
                self.tally.accept(f"{details}: {facts}")

    def close(self) -> None:
        if self.world is not None:
            self.world.close()


def answer_chunk(kind: str, first: int, count: int, seed: int) -> Tally:
    """Deliver at least *count* mutated answers of *kind* ("keymint" or "keygen"), tries
    numbered from *first*, of the campaign seeded with *seed*."""
    tally = Tally(f"{kind} answers")
    started = time.perf_counter()
    root = scratch()
    tries = _Tries(kind, seed, root, tally)
    delivered = 0
    index = first
    try:
        while delivered < count:
            delivered += tries.one(index)
            index += 1
    finally:
        tries.close()
        shutil.rmtree(root, ignore_errors=True)
    tally.answers = delivered
    tally.seconds = time.perf_counter() - started
    return tally
