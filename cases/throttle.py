"""Wrong tracking guesses are throttled per client and per case number (5 in 10 minutes)."""

import hashlib

from django.core.cache import cache

LIMIT = 5
WINDOW_SECONDS = 10 * 60


def client_key(request) -> str:
    # Behind the hall's reverse proxy the client is the first forwarded address; otherwise the socket peer.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    address = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR", "")
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
