"""The mutators: bytes of a sealed lease, and a server's answer (status, headers, body).

Every mutator takes a :class:`random.Random` and returns the mutated value with a short name of
what it did, so a finding can be reproduced by hand. None of them knows the formats' secrets: a
lease is opaque bytes, an answer is what came over the wire.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "mutate_answer", "mutate_lease"]

# -- leases ---------------------------------------------------------------------------------------


def _flip(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    out = bytearray(blob)
    flips = rng.choice((1, 1, 1, 2, 3, 8))
    for _ in range(flips):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out), f"flip {flips} bit(s)"


def _truncate(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    cut = rng.choice((rng.randrange(len(blob)), len(blob) - 1 - rng.randrange(min(32, len(blob)))))
    return blob[:cut], f"truncate to {cut} bytes"


def _extend(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    extra = rng.randbytes(rng.choice((1, 2, 16, 64, 4096)))
    if rng.random() < 0.5:
        return blob + extra, f"append {len(extra)} bytes"
    at = rng.randrange(len(blob) + 1)
    return blob[:at] + extra + blob[at:], f"insert {len(extra)} bytes at {at}"


def _splice(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    choice = rng.randrange(4)
    if choice == 0:  # the head of one, the tail of the other
        at = rng.randrange(1, min(len(blob), len(donor)))
        return blob[:at] + donor[at:], f"own head, donor tail from {at}"
    if choice == 1:
        at = rng.randrange(1, min(len(blob), len(donor)))
        return donor[:at] + blob[at:], f"donor head, own tail from {at}"
    if choice == 2:  # a run of the donor over the same place
        start = rng.randrange(min(len(blob), len(donor)))
        length = rng.randint(1, 64)
        end = min(start + length, len(blob), len(donor))
        return blob[:start] + donor[start:end] + blob[end:], f"donor bytes {start}:{end}"
    return donor, "the donor whole"


def _zero(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    start = rng.randrange(len(blob))
    length = rng.choice((1, 4, 16, 64, len(blob)))
    end = min(len(blob), start + length)
    return blob[:start] + bytes(end - start) + blob[end:], f"zero bytes {start}:{end}"


def _replace(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    start = rng.randrange(len(blob))
    end = min(len(blob), start + rng.choice((1, 2, 8, 32, 256)))
    return blob[:start] + rng.randbytes(end - start) + blob[end:], f"random bytes {start}:{end}"


LEASE_MUTATORS: tuple[Callable[[random.Random, bytes, bytes], tuple[bytes, str]], ...] = (
    _flip,
    _truncate,
    _extend,
    _splice,
    _zero,
    _replace,
)


def mutate_lease(rng: random.Random, blob: bytes, donor: bytes) -> tuple[bytes, str]:
    """*blob* changed by one mutator (*donor*: another valid lease, for splicing)."""
    return rng.choice(LEASE_MUTATORS)(rng, blob, donor)


# -- answers --------------------------------------------------------------------------------------


@dataclass
class Answer:
    """A server's answer as the hostile transport will send it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    changes: list[str] = field(default_factory=list)
    #: The JSON path and new value of a mutation inside the body (None for the other kinds).
    touched: tuple[tuple[Any, ...], Any] | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))


STATUSES = (
    *(100, 200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 402, 403, 404, 405, 409),
    *(410, 418, 422, 429, 451, 500, 501, 502, 503, 504, 599, 999),
)

WRONG_DATES: tuple[Any, ...] = (
    "2030-13-45T00:00:00Z",
    "2030-02-15",
    "2030-02-15T09:00:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00Z",
    "0000-00-00T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "2030-02-15T09:00:00.123456789123Z",
    "2030-02-15T25:61:61Z",
    "2030-02-15T09:00:00+99:00",
    "2030-02-15 09:00:00 UTC",
    "Fri, 15 Feb 2030 09:00:00 GMT",
    "now",
    "",
    "\x00",
    "2030-02-15T09:00:00Z\n",
    1_900_000_000,
    -1,
    1e308,
)

HUGE_NUMBERS: tuple[Any, ...] = (
    2**63,
    -(2**63) - 1,
    10**40,
    -(10**40),
    1e308,
    -1e308,
    5e-324,
    float("nan"),
    float("inf"),
    float("-inf"),
    10**4000,
)

ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    "",
    " ",
    "0",
    "true",
    "null",
    [],
    {},
    [None],
    {"": None},
    "\ud800",
    "é" * 3,
    "\u202e\u0000",
    "x" * 70_000,
)


@functools.lru_cache(maxsize=8)  # built once per depth: the values are never changed in place
def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value] if depth % 2 else {"a": value}
    return value


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if len(prefix) > 20:  # a document nested by an earlier mutation: stop descending
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace_at(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace_at(node[head], rest, value)}
    copy = list(node)
    copy[head] = _replace_at(node[head], rest, value)
    return copy


_DELETE = object()


def _delete_at(node: Any, path: tuple[Any, ...]) -> Any:
    head, rest = path[0], path[1:]
    if not rest:
        if isinstance(node, dict):
            return {k: v for k, v in node.items() if k != head}
        return [v for i, v in enumerate(node) if i != head]
    if isinstance(node, dict):
        return {**node, head: _delete_at(node[head], rest)}
    copy = list(node)
    copy[head] = _delete_at(node[head], rest)
    return copy


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _new_value(rng: random.Random, old: Any) -> tuple[Any, str]:
    kind = rng.randrange(6)
    if kind == 0 or (isinstance(old, str) and kind == 1 and "T" in old):
        return rng.choice(WRONG_DATES), "wrong date"
    if kind == 1:
        return rng.choice(HUGE_NUMBERS), "huge number"
    if kind == 2:
        depth = rng.choice((2, 50, 1_000, 100_000))
        return _nested(depth), f"nested {depth} deep"
    if kind == 3 and isinstance(old, str) and old:
        cut = rng.randrange(len(old))
        return old[:cut], "string truncated"
    if kind == 4 and isinstance(old, (int, float)) and not isinstance(old, bool):
        # float() of an int an earlier mutation made huge would overflow: that one stays an int
        as_float = float(old) if abs(old) < 1e300 else old
        return rng.choice((str(old), -old, old + 1, as_float, [old])), "number changed"
    return rng.choice(ODD_VALUES), "type changed"


def _dumps(document: Any) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except RecursionError:  # too deep for json.dumps: build the text by hand
        return _deep_text(document)


def _deep_text(document: Any) -> bytes:
    # Only _nested() makes documents this deep; render the innermost list and wrap it.
    parts: list[str] = []
    closers: list[str] = []
    node = document
    while isinstance(node, (list, dict)) and node:
        if isinstance(node, list):
            parts.append("[")
            closers.append("]")
            node = node[0]
        else:
            key = next(iter(node))
            parts.append("{" + json.dumps(key) + ":")
            closers.append("}")
            node = node[key]
    parts.append(json.dumps(node))
    return ("".join(parts) + "".join(reversed(closers))).encode()


def _mutate_document(rng: random.Random, answer: Answer) -> None:
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):
        _mutate_raw(rng, answer)
        return
    paths = _paths(document)
    path = rng.choice(paths)
    choice = rng.randrange(5)
    if choice == 0 and path:
        document = _delete_at(document, path)
        answer.changes.append(f"deleted {'/'.join(map(str, path))}")
        answer.touched = (path, _DELETE)
    elif choice == 1 and isinstance(_at(document, path), dict):
        extra = rng.choice(("code", "data", "errors", "meta", "license", "x"))
        value, what = _new_value(rng, None)
        node = _at(document, path)
        document = _replace_at(document, path, {**node, extra: value})
        answer.changes.append(f"{what} at new key {'/'.join(map(str, (*path, extra)))}")
        answer.touched = ((*path, extra), value)
    else:
        value, what = _new_value(rng, _at(document, path))
        document = _replace_at(document, path, value)
        answer.changes.append(f"{what} at /{'/'.join(map(str, path))}: {_show(value)}")
        answer.touched = (path, value)
    answer.body = _dumps(document)


def _show(value: Any) -> str:
    return reprlib.repr(value)


def _mutate_raw(rng: random.Random, answer: Answer) -> None:
    body = answer.body
    choice = rng.randrange(9)
    if choice == 0 and body:
        cut = rng.randrange(len(body))
        answer.body = body[:cut]
        answer.changes.append(f"body truncated to {cut} bytes")
    elif choice == 1:
        answer.body = body.decode("utf-8", "replace").encode("utf-16")
        answer.changes.append("body in UTF-16")
    elif choice == 2:
        at = rng.randrange(len(body) + 1)
        answer.body = (
            body[:at] + rng.choice((b"\xff\xfe", b"\xc3", b"\x80", b"\xed\xa0\x80")) + body[at:]
        )
        answer.changes.append(f"invalid UTF-8 at {at}")
    elif choice == 3:
        answer.body = rng.choice(
            (b"", b"null", b"[]", b'"ok"', b"0", b"{}", b"<html>Login</html>", b"{" * 5000)
        )
        answer.changes.append(f"body replaced by {answer.body[:20]!r}")
    elif choice == 4:
        answer.body = body + rng.choice((b"{}", b"\x00", b" garbage", b"]"))
        answer.changes.append("trailing garbage")
    elif choice == 5 and body:
        answer.body = body.replace(b'"', b"'", 1)
        answer.changes.append("a quote changed")
    elif choice == 6:
        answer.body = b"[" * 100_000 + b"]" * 100_000
        answer.changes.append("100000 nested arrays")
    elif choice == 7 and body:
        answer.body = body[:1] + b'"code":0,' + body[1:] if body.startswith(b"{") else body
        answer.changes.append("duplicate key")
    else:
        answer.body = rng.randbytes(rng.choice((1, 16, 1024)))
        answer.changes.append("random bytes body")


def _mutate_status(rng: random.Random, answer: Answer) -> None:
    answer.status = rng.choice(STATUSES)
    answer.changes.append(f"status {answer.status}")


def _mutate_headers(rng: random.Random, answer: Answer) -> None:
    choice = rng.randrange(6)
    if choice == 0:
        value = rng.choice(
            (None, "text/html", "application/xml", "", "application/json; charset=latin-1")
        )
        answer.set_header("Content-Type", value)
        answer.changes.append(f"Content-Type {value!r}")
    elif choice == 1:
        value = rng.choice(
            (None, "", "garbage", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT")
        )
        answer.set_header("Date", value)
        answer.changes.append(f"Date {value!r}")
    elif choice == 2:
        value = rng.choice(
            ("-1", "1e9", "99999999999999999999", "soon", "0", "Fri, 31 Dec 9999 23:59:59 GMT")
        )
        answer.set_header("Retry-After", value)
        answer.changes.append(f"Retry-After {value!r}")
    elif choice == 3:
        answer.headers = answer.headers + [(k, v) for k, v in answer.headers if rng.random() < 0.5]
        answer.changes.append("headers repeated")
    elif choice == 4:
        answer.set_header("Location", "http://10.0.0.1/")
        answer.changes.append("Location elsewhere")
    else:
        answer.headers = []
        answer.changes.append("no headers")


def _mutate_signature(rng: random.Random, answer: Answer) -> None:
    """Keygen's signature headers: forged, altered, dropped, or a digest made to match."""
    signature = answer.header("Keygen-Signature") or ""
    choice = rng.randrange(7)
    if choice == 0:
        answer.set_header("Keygen-Signature", None)
        answer.changes.append("no Keygen-Signature")
    elif choice == 1 and 'signature="' in signature:
        head, _, rest = signature.partition('signature="')
        value, _, tail = rest.partition('"')
        raw = bytearray(base64.b64decode(value + "==="[: (-len(value)) % 4]))
        if raw:
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        forged = base64.b64encode(bytes(raw)).decode()
        answer.set_header("Keygen-Signature", f'{head}signature="{forged}"{tail}')
        answer.changes.append("signature bit flipped")
    elif choice == 2:
        algorithm = rng.choice(("rsa-sha256", "none", "", "ED25519", "ed25519 "))
        answer.set_header(
            "Keygen-Signature", signature.replace('algorithm="ed25519"', f'algorithm="{algorithm}"')
        )
        answer.changes.append(f"algorithm {algorithm!r}")
    elif choice == 3:
        answer.set_header(
            "Keygen-Signature",
            rng.choice(
                ('keyid="x"', "", 'signature=""', signature + ', signature="AAAA"', "=" * 100)
            ),
        )
        answer.changes.append("signature header replaced")
    elif choice == 4:
        answer.set_header("Digest", rng.choice((None, "", "sha-256=", "md5=abc")))
        answer.changes.append("Digest changed")
    elif choice == 5:
        answer.set_header(
            "Keygen-Signature",
            signature.replace('headers="(request-target) host date digest"', 'headers="date"'),
        )
        answer.changes.append("fewer signed headers claimed")
    else:  # change the body, then give it the digest it now has: the signature must catch it
        _mutate_document(rng, answer)
        digest = base64.b64encode(hashlib.sha256(answer.body).digest()).decode()
        answer.set_header("Digest", f"sha-256={digest}")
        answer.changes.append("digest recomputed for the changed body")


def mutate_answer(rng: random.Random, answer: Answer, *, signed: bool) -> Answer:
    """*answer* with one to three mutations (*signed*: also Keygen's signature headers)."""
    mutators: list[Callable[[random.Random, Answer], None]] = [
        _mutate_document,
        _mutate_document,
        _mutate_document,
        _mutate_raw,
        _mutate_status,
        _mutate_headers,
    ]
    if signed:
        mutators += [_mutate_signature, _mutate_signature]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        rng.choice(mutators)(rng, answer)
    return answer
