"""Wrong tracking guesses are throttled per client and per case number (5 in 10 minutes)."""

import hashlib

from django.conf import settings
from django.core.cache import cache

LIMIT = 5
WINDOW_SECONDS = 10 * 60


def client_key(request) -> str:
    """The client's address. X-Forwarded-For is believed only as far as our own proxies (NUM_PROXIES) wrote it:
    anything further left is what the client claims, and a client could rotate it to escape the limit."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address or "unknown"


def _keys(client: str, number: str) -> tuple[str, str]:
    digest = hashlib.sha256(number.strip().encode()).hexdigest()[:32]
    return f"track:client:{client}", f"track:number:{digest}"


def is_blocked(*, client: str, number: str) -> bool:
    counts = cache.get_many(_keys(client, number))
    return any(count >= LIMIT for count in counts.values())


def record_failure(*, client: str, number: str) -> None:
    for key in _keys(client, number):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, WINDOW_SECONDS)
