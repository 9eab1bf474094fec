"""``Idempotency-Key`` on generation 2's mutating calls: a retry gets the first answer again.

The emulator's rules (the v2 document calls the server side undocumented):

* a key is remembered per access token, with a fingerprint of the request (method, path, query,
  and the JSON body compared as data, so key order and spacing do not matter);
* the same key with the same request replays the stored answer, status and body byte for byte,
  adds ``Idempotent-Replayed: true``, and has no second effect;
* the same key with a different request is refused: 422/1 (the status the IETF
  Idempotency-Key draft gives for a reused key), and nothing is done;
* only successful (2xx) answers are stored: a refused request may be retried with the same key;
* keys are kept in the emulator's database for its lifetime; a key is 1 to 255 printable ASCII
  characters, else 400/1.

Requests carrying a key run one at a time (a lock), so two racing retries cannot both act.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from http import HTTPStatus

from license_guard.clock import Clock
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.store import Store
from license_guard.emulator.responses import Response

__all__ = ["REPLAY_HEADER", "IdempotentAnswers", "fingerprint"]

REPLAY_HEADER = "Idempotent-Replayed"
REUSED = "Idempotency-Key was already used with a different request"


def fingerprint(method: str, path: str, query: Mapping[str, str], body: bytes) -> str:
    """SHA-256 over the parts of a request that make it "the same request"."""
    try:
        data: object = json.loads(body) if body.strip() else None
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.hex()
    text = json.dumps([method, path, sorted(query.items()), canonical])
    return hashlib.sha256(text.encode()).hexdigest()


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise KeymintError(
            int(HTTPStatus.BAD_REQUEST),
            Code.REQUEST,
            "Invalid Idempotency-Key: expected 1 to 255 printable ASCII characters",
        )


class IdempotentAnswers:
    """The stored answers, and :meth:`answer` that replays or runs and stores."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()

    def answer(
        self, token: str, key: str, request_fingerprint: str, run: Callable[[], Response]
    ) -> Response:
        """The stored answer for (*token*, *key*), or *run*'s, stored when it is a success.

        Raises :class:`KeymintError`: 400/1 malformed key, 422/1 key reused for another request.
        """
        _check_key(key)
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            with self._store.transaction() as tx:
                row = tx.execute(
                    "SELECT fingerprint, status, body FROM idempotent_answers"
                    " WHERE token_digest = ? AND idempotency_key = ?",
                    (digest, key),
                ).fetchone()
            if row is not None:
                if row["fingerprint"] != request_fingerprint:
                    raise KeymintError(int(HTTPStatus.UNPROCESSABLE_ENTITY), Code.REQUEST, REUSED)
                return Response(
                    int(row["status"]), row["body"].encode(), headers=((REPLAY_HEADER, "true"),)
                )
            response = run()
            if 200 <= response.status < 300:
                with self._store.transaction() as tx:
                    tx.execute(
                        "INSERT INTO idempotent_answers (token_digest, idempotency_key,"
                        " fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            digest,
                            key,
                            request_fingerprint,
                            response.status,
                            response.body.decode(),
                            self._clock.now().isoformat(),
                        ),
                    )
            return response
