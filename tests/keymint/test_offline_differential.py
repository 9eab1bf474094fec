"""Our .lic verifier and Keymint's own (``keymint.verify_offline_license``, SDK 2.7.0) give the
same verdict on files the emulator signs and on thousands of random mutations of them.

A verdict is ``("ok", claims)`` or ``("rejected", reason)`` with the SDK's reason codes (ours:
``OfflineLicenseError.reason``, or ``"expired"`` for ``LicenseExpiredError``). The one allowed
difference is documented in ``license_guard/backends/keymint/offline.py``: we read the payload
only after its signature verifies, so for a file whose payload is unreadable *and* whose
signature fails, the SDK says ``malformed`` and we name the failed signature check.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import keymint
import pytest

from license_guard import LicenseExpiredError, OfflineLicenseError
from license_guard.backends.keymint.offline import TrustedKeys, read_offline_license
from license_guard.emulator.keymint.signer import SigningKey, key_id, sign_offline_license

PRODUCT = "prod_0123456789abcdefghij"
MACHINE = "3f1c0a9e5b7d4c2a8e6f1b0d9c7a5e3f"
KEY = "ABCDE-FGHIJ-KLMNO-PQRST"
NOW = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
EXP = NOW + timedelta(days=30)
MUTATIONS = 10_000
#: The differential run's budget (the brief: under ~20 s on the 2-core CI machine).
BUDGET_SECONDS = 20.0

Verdict = tuple[str, Any]
UNTRUSTED = {"unsupported_algorithm", "unknown_key", "bad_signature"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Keys:
    """The organisation's key, a second trusted key, and a stranger's key."""

    def __init__(self) -> None:
        self.main = SigningKey.generate()
        self.second = SigningKey.generate()
        self.stranger = SigningKey.generate()
        self.pems = [self.main.public_pem, self.second.public_pem]
        self.trusted = TrustedKeys(self.pems)


def _token(signer: SigningKey, header: Any, claims: Any, *, raw_header: bytes | None = None) -> str:
    """A JWT over any header and claims (JSON values, or raw payload bytes)."""
    head = _b64(raw_header if raw_header is not None else json.dumps(header).encode())
    body = _b64(claims if isinstance(claims, bytes) else json.dumps(claims).encode())
    signature = _sign(signer, f"{head}.{body}".encode("ascii"))
    return f"{head}.{body}.{_b64(signature)}"


def _sign(signer: SigningKey, message: bytes) -> bytes:
    from license_guard import crypto

    return crypto.sign_ed25519(signer.private_bytes, message)


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "type": "offline",
        "productId": PRODUCT,
        "machineCode": MACHINE,
        "sub": KEY,
        "exp": int(EXP.timestamp()),
        "iat": int(NOW.timestamp()),
    }
    for name, value in changes.items():
        if value is _DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


_DROP = object()
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "offline",
    "OFFLINE",
    " offline",
    PRODUCT,
    PRODUCT + " ",
    PRODUCT.upper(),
    MACHINE,
    MACHINE[:-1],
    KEY,
    [],
    {},
    [PRODUCT],
    10**30,
    -(10**30),
    1e300,
    int(NOW.timestamp()),
    int(NOW.timestamp()) - 61,
    int(NOW.timestamp()) - 59,
    int(NOW.timestamp()) + 1,
    int(EXP.timestamp()),
    float(EXP.timestamp()) + 0.25,
    253402300799,  # 9999-12-31T23:59:59Z
    253402300800,
    -62135596800,  # 0001-01-01
    -62135596801,
]


def _resigned(rng: random.Random, keys: Keys) -> str:
    """Claims changed and signed again with a trusted key: only claim checks can refuse."""
    changes = {
        name: rng.choice([*ODD_VALUES, _DROP])
        for name in rng.sample(["type", "productId", "machineCode", "sub", "exp", "iat"], 2)
    }
    signer = rng.choice([keys.main, keys.second])
    header = {"alg": "EdDSA", "typ": "JWT", "kid": signer.kid}
    return _wrap(rng, _token(signer, header, _claims(**changes)))


def _odd_header(rng: random.Random, keys: Keys) -> str:
    """Algorithm and key-id games: none, HS256, crit, missing, other kids, a stranger's key."""
    signer = rng.choice([keys.main, keys.stranger])
    header: dict[str, Any] = {"alg": "EdDSA", "typ": "JWT", "kid": signer.kid}
    game = rng.randrange(9)
    if game == 0:
        header["alg"] = rng.choice(["none", "HS256", "RS256", "eddsa", "Ed25519", "", None, 1])
    elif game == 1:
        header.pop("alg")
    elif game == 2:
        header["crit"] = rng.choice([["exp"], [], None])
    elif game == 3:
        header["kid"] = rng.choice([keys.main.kid, keys.second.kid, keys.stranger.kid])
    elif game == 4:
        header["kid"] = rng.choice([None, 7, [keys.main.kid], "", keys.main.kid + "A"])
    elif game == 5:
        header.pop("kid")
    elif game == 6:  # a stranger signs and names our key
        signer, header["kid"] = keys.stranger, keys.main.kid
    elif game == 7:  # the header is not a JSON object
        raw = rng.choice([b"[]", b'"EdDSA"', b"null", b"{", b"\xff\xfe", b"{}" * 2])
        return _wrap(rng, _token(signer, None, _claims(), raw_header=raw))
    else:  # the payload is not a JSON object, signed properly
        claims = rng.choice([b"[]", b"1", b"{", b"\xff{}", b'{"exp": NaN}', b'{"exp": 1e400}'])
        return _wrap(rng, _token(keys.main, {**header, "kid": keys.main.kid}, claims))
    return _wrap(rng, _token(signer, header, _claims()))


def _wrap(rng: random.Random, token: str) -> str:
    """The token as a .lic (mostly), bare, or in an odd wrapper."""
    form = rng.randrange(10)
    if form < 6:
        return json.dumps({"signedKey": token})
    if form < 8:
        return token
    return rng.choice(
        [
            json.dumps({"licenseToken": token}),
            json.dumps({"signedKey": [token]}),
            json.dumps([token]),
            "\u3000\n" + json.dumps({"signedKey": token}) + " \ufeff",
            json.dumps({"signedKey": token, "signedKey2": 1}) + "x",
            '{"signedKey": NaN}',
            " " + token + "\u2028",
        ]
    )


def _segment_games(rng: random.Random, text: str) -> str:
    """Cut, swap, pad or poison the JWT's segments inside a genuine .lic."""
    token = json.loads(text)["signedKey"]
    parts = token.split(".")
    game = rng.randrange(8)
    if game == 0:
        parts = parts[:2]
    elif game == 1:
        parts.append(rng.choice(["", parts[2]]))
    elif game == 2:
        i, j = rng.sample(range(3), 2)
        parts[i], parts[j] = parts[j], parts[i]
    elif game == 3:
        i = rng.randrange(3)
        parts[i] = parts[i][: rng.randrange(len(parts[i]) + 1)]
    elif game == 4:
        i = rng.randrange(3)
        parts[i] += rng.choice(["=", "==", "A", "AA", "AAA", "+", "/", " "])
    elif game == 5:
        i = rng.randrange(3)
        pos = rng.randrange(len(parts[i]) + 1)
        parts[i] = parts[i][:pos] + rng.choice("A_-+/=.~é") + parts[i][pos:]
    elif game == 6:  # a signature from another message
        parts[2] = _b64(bytes(rng.randrange(256) for _ in range(rng.choice([63, 64, 65]))))
    else:
        parts[1] = _b64(json.dumps(_claims(productId="prod_other_product_0001")).encode())
    token = ".".join(parts)
    return json.dumps({"signedKey": token}) if rng.random() < 0.7 else token


def _byte_flip(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.choice([1, 1, 2, 3])):
        pos = rng.randrange(len(chars))
        action = rng.randrange(3)
        if action == 0:
            chars[pos] = chr(ord(chars[pos]) ^ (1 << rng.randrange(7)))
        elif action == 1:
            del chars[pos]
            if not chars:
                break
        else:
            chars.insert(pos, rng.choice('{}[]":,.AZaz09_-= \n\x00é'))
    return "".join(chars)


def _sdk(text: str, keys: Keys, now: datetime) -> Verdict:
    try:
        found = keymint.verify_offline_license(
            text, public_keys=keys.pems, product_id=PRODUCT, machine_code=MACHINE, now=now
        )
    except keymint.OfflineLicenseError as exc:
        return ("rejected", str(exc.code))
    return ("ok", (found.license_key, found.key_id, found.issued_at, found.expires_at))


def _ours(text: str, keys: Keys, now: datetime) -> Verdict:
    try:
        found = read_offline_license(
            text, keys=keys.trusted, product_id=PRODUCT, machine_code=MACHINE, now=now
        )
    except OfflineLicenseError as exc:
        return ("rejected", exc.reason)
    except LicenseExpiredError:
        return ("rejected", "expired")
    return ("ok", (found.license_key, found.key_id, found.issued_at, found.expires_at))


def _payload_unreadable(text: str) -> bool:
    """Whether the payload segment of *text* is not a JSON object (the SDK's first check)."""
    spaces = "".join(map(chr, [*range(9, 14), 32, 0xA0, 0x1680, *range(0x2000, 0x200B)]))
    token = text.strip(spaces + "\u2028\u2029\u202f\u205f\u3000\ufeff")
    if token.startswith("{"):
        token = json.loads(token)["signedKey"]
    segment = token.split(".")[1]
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return True
    return not isinstance(value, dict)


def _agree(text: str, keys: Keys, now: datetime) -> tuple[Verdict, Verdict]:
    theirs, ours = _sdk(text, keys, now), _ours(text, keys, now)
    if theirs != ours:
        assert theirs == ("rejected", "malformed"), (text, theirs, ours)
        assert ours[0] == "rejected", (text, theirs, ours)
        assert ours[1] in UNTRUSTED, (text, theirs, ours)
        assert _payload_unreadable(text), (text, theirs, ours)
    return theirs, ours


def test_files_the_emulator_signs_pass_both_verifiers() -> None:
    keys = Keys()
    for machine in (MACHINE, "x", "host-id with spaces and ünïcode"):
        text = keys.main.sign(
            product_id=PRODUCT, machine_code=machine, license_key=KEY, expires_at=EXP, issued_at=NOW
        )
        theirs = keymint.verify_offline_license(
            text, public_keys=keys.pems, product_id=PRODUCT, machine_code=machine, now=NOW
        )
        ours = read_offline_license(
            text, keys=keys.trusted, product_id=PRODUCT, machine_code=machine, now=NOW
        )
        assert (ours.license_key, ours.key_id, ours.expires_at) == (
            theirs.license_key,
            theirs.key_id,
            theirs.expires_at,
        )
        assert (ours.key_id, ours.issued_at) == (keys.main.kid, NOW)


def test_the_same_verdict_on_ten_thousand_mutations() -> None:
    rng = random.Random(20301501)
    keys = Keys()
    genuine = sign_offline_license(
        keys.main.private_bytes,
        product_id=PRODUCT,
        machine_code=MACHINE,
        license_key=KEY,
        expires_at=EXP,
        issued_at=NOW,
    )
    makers: list[Callable[[], str]] = [
        lambda: _byte_flip(rng, genuine),
        lambda: _segment_games(rng, genuine),
        lambda: _resigned(rng, keys),
        lambda: _odd_header(rng, keys),
        lambda: _wrap(rng, json.loads(genuine)["signedKey"]),
    ]
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for _ in range(MUTATIONS):
        text = rng.choice(makers)()
        now = rng.choice(
            [NOW, EXP - timedelta(seconds=1), EXP + timedelta(seconds=59), EXP + timedelta(days=1)]
        )
        theirs, _ = _agree(text, keys, now)
        label = theirs[1] if theirs[0] == "rejected" else "ok"
        outcomes[label] = outcomes.get(label, 0) + 1
    elapsed = time.perf_counter() - started
    # Every verdict was reached many times: the mutations exercise every check.
    expected = {
        "ok",
        "malformed",
        "unsupported_algorithm",
        "unknown_key",
        "bad_signature",
        "wrong_type",
        "wrong_product",
        "wrong_machine",
        "expired",
    }
    assert set(outcomes) == expected, outcomes
    assert min(outcomes.values()) >= 50, outcomes
    assert elapsed < BUDGET_SECONDS, f"{MUTATIONS} mutations took {elapsed:.1f} s"


@pytest.mark.parametrize("skew", [0, 60, 3600])
def test_expiry_edges_agree(skew: int) -> None:
    keys = Keys()
    text = keys.main.sign(
        product_id=PRODUCT, machine_code=MACHINE, license_key=KEY, expires_at=EXP, issued_at=NOW
    )
    for offset in (-1, 0, 1):
        now = EXP + timedelta(seconds=skew + offset)
        theirs = _sdk_with_skew(text, keys, now, skew)
        try:
            read_offline_license(
                text,
                keys=keys.trusted,
                product_id=PRODUCT,
                machine_code=MACHINE,
                now=now,
                clock_skew=skew,
            )
            ours = "ok"
        except LicenseExpiredError:
            ours = "expired"
        assert ours == theirs, (skew, offset)


def _sdk_with_skew(text: str, keys: Keys, now: datetime, skew: int) -> str:
    try:
        keymint.verify_offline_license(
            text,
            public_keys=keys.pems,
            product_id=PRODUCT,
            machine_code=MACHINE,
            now=now,
            clock_skew=skew,
        )
    except keymint.OfflineLicenseError as exc:
        return str(exc.code)
    return "ok"


def test_the_key_id_is_the_sdks() -> None:
    keys = Keys()
    assert keys.trusted.get(key_id(keys.main.public_key)) == keys.main.public_key
