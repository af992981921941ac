"""The keys that sign the case history and its daily digests (issue 8, point 5).

`HISTORY_KEYS` in the environment, e.g. ``2026a:<base64 secret>,2025b:<base64 secret>``: the first key signs new
events and digests, every key listed verifies. A rotation puts the new key in front and keeps the old ones for as
long as what they signed must be checked (README, "办理记录防篡改 / History keys"). The secrets live only in the
environment, never in the database: whoever can write the tables still cannot forge a signature.

Two key ids are reserved. "dev" is derived from SECRET_KEY when HISTORY_KEYS is unset (development and tests;
`check --deploy` reports jinjie.E002 when DEBUG is off). "sha256" marks the events written before the history was
keyed: a plain hash, checked as before and reported as unkeyed.
"""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEGACY = "sha256"
DEV = "dev"
RESERVED = (LEGACY, DEV)
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,16}")
MIN_SECRET_BYTES = 32


class UnknownKey(KeyError):
    """An event or digest names a key that HISTORY_KEYS does not hold (removed too early, or forged)."""


@dataclass(frozen=True)
class KeyRing:
    current: str | None  # the id that signs; None: nothing may be signed
    secrets: Mapping[str, bytes]
    derived: bool  # the "dev" key from SECRET_KEY


def configured_entries() -> list[str]:
    value = getattr(settings, "HISTORY_KEYS", [])
    if isinstance(value, str):
        value = value.split(",")
    return [entry.strip() for entry in value if entry.strip()]


def _decode(secret: str) -> bytes:
    # Standard or URL-safe base64, padding optional.
    normal = secret.replace("-", "+").replace("_", "/")
    return base64.b64decode(normal + "=" * (-len(normal) % 4), validate=True)


def parse(entries: Sequence[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The (key id, secret) pairs in order, and what is wrong with the entries that cannot be used."""
    keys: list[tuple[str, bytes]] = []
    problems: list[str] = []
    for position, entry in enumerate(entries, 1):
        key_id, sep, secret = entry.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not sep or not secret:
            problems.append(f"entry {position} is not 'id:base64secret'")
            continue
        if not KEY_ID.fullmatch(key_id):
            problems.append(f"key id {key_id!r}: use 1-16 letters, digits, '.', '_' or '-'")
            continue
        if key_id in RESERVED:
            problems.append(f"key id {key_id!r} is reserved")
            continue
        if key_id in dict(keys):
            problems.append(f"key id {key_id!r} is listed twice")
            continue
        try:
            raw = _decode(secret)
        except (binascii.Error, ValueError):
            problems.append(f"key {key_id!r}: the secret is not base64")
            continue
        if len(raw) < MIN_SECRET_BYTES:
            problems.append(f"key {key_id!r}: the secret is {len(raw)} bytes, at least {MIN_SECRET_BYTES} are needed")
            continue
        keys.append((key_id, raw))
    return keys, problems


def dev_secret(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode("utf-8"), b"jinjie case history development key", hashlib.sha256).digest()


@lru_cache(maxsize=8)
def _keyring(entries: tuple[str, ...], secret_key: str, secret_key_missing: bool) -> KeyRing:
    if entries:
        keys, problems = parse(entries)
        if problems:
            raise ImproperlyConfigured("HISTORY_KEYS: " + "; ".join(problems))
        return KeyRing(current=keys[0][0], secrets=dict(keys), derived=False)
    if secret_key_missing:
        # SECRET_KEY is a throwaway that changes every process: what it signed could never be checked again.
        return KeyRing(current=None, secrets={}, derived=False)
    return KeyRing(current=DEV, secrets={DEV: dev_secret(secret_key)}, derived=True)


def keyring() -> KeyRing:
    return _keyring(
        tuple(configured_entries()), settings.SECRET_KEY, bool(getattr(settings, "SECRET_KEY_MISSING", False))
    )


def current_key_id() -> str:
    """The id that signs now (the default of `CaseEvent.key_id`)."""
    ring = keyring()
    if ring.current is None:
        raise ImproperlyConfigured(
            "No key to sign the case history: set HISTORY_KEYS (or, for development, SECRET_KEY or DEBUG=1)."
        )
    return ring.current


def sign(key_id: str, message: bytes) -> str:
    """HMAC-SHA256 of `message` under the key `key_id`, hex."""
    try:
        secret = keyring().secrets[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
