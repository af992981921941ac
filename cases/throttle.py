"""Wrong tracking guesses are limited so that nobody can find a case by trying phone digits, and nobody can lock a
villager out of their own case.

Two counters, both in the database so that every app server agrees and nothing beyond `migrate` is needed:
- per client address (proxy-aware): CLIENT_LIMIT wrong guesses in CLIENT_WINDOW, over all case numbers;
- per case number: NUMBER_LIMIT wrong guesses in NUMBER_WINDOW from everyone together. That is far more than a
  villager who mistypes would make, and far fewer than the 10,000 possible last-four-digits an attacker needs.
  A locked number can still be opened with the receipt's QR link.

A guess takes its place in both counters *before* the digits are compared, under a row lock, so parallel guesses
cannot slip past the limit; a right guess gives its place back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from villages.security import client_address

from .models import GuessCounter

CLIENT_LIMIT = 5
CLIENT_WINDOW = dt.timedelta(minutes=10)
NUMBER_LIMIT = 30
NUMBER_WINDOW = dt.timedelta(hours=24)

security_log = logging.getLogger("jinjie.security")

__all__ = ["attempt", "client_address", "give_back"]


client_key = client_address  # the name older callers use


@dataclass(frozen=True)
class Attempt:
    """The outcome of taking a place for one guess."""

    allowed: bool
    blocked_by: str = ""  # "client" or "number" when refused
    client_left: int = CLIENT_LIMIT
    number_left: int = NUMBER_LIMIT
    keys: tuple[str, str] = ("", "")

    @property
    def left(self) -> int:
        """Guesses this client may still make on this number."""
        return min(self.client_left, self.number_left)


def _keys(client: str, number: str) -> tuple[str, str]:
    digest = hashlib.sha256(number.strip().upper().encode()).hexdigest()[:32]
    return f"track:client:{client}"[:80], f"track:number:{digest}"


LIMITS = {"client": (CLIENT_LIMIT, CLIENT_WINDOW), "number": (NUMBER_LIMIT, NUMBER_WINDOW)}


# One statement counts a guess in both counters: insert each counter, or add one to it — starting a new window when
# the old one has ended. The row lock of ON CONFLICT DO UPDATE makes parallel guesses queue, so exactly LIMIT of
# them are ever checked (PostgreSQL; SQLite 3.35+ has the same syntax and serialises writers anyway).
COUNT_SQL = """
INSERT INTO {table} (key, count, window_start, expires_at) VALUES (%s, 1, %s, %s), (%s, 1, %s, %s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {table}.expires_at IS NULL OR {table}.expires_at <= EXCLUDED.window_start
                 THEN 1 ELSE {table}.count + 1 END,
    window_start = CASE WHEN {table}.expires_at IS NULL OR {table}.expires_at <= EXCLUDED.window_start
                 THEN EXCLUDED.window_start ELSE {table}.window_start END,
    expires_at = CASE WHEN {table}.expires_at IS NULL OR {table}.expires_at <= EXCLUDED.window_start
                 THEN EXCLUDED.expires_at ELSE {table}.expires_at END
RETURNING key, count
"""
GIVE_BACK_SQL = "UPDATE {table} SET count = count - 1 WHERE key IN (%s, %s) AND count > 0"
# On PostgreSQL the rows are locked in key order first — the order the count statement locks them in (client key
# before number key) — so giving back can never deadlock with a guess being counted. SQLite serialises writers.
GIVE_BACK_SQL_LOCKED = (
    "UPDATE {table} SET count = count - 1 WHERE id IN "
    "(SELECT id FROM {table} WHERE key IN (%s, %s) AND count > 0 ORDER BY key FOR UPDATE)"
)


def _sql(template: str) -> str:
    return template.format(table=connection.ops.quote_name(GuessCounter._meta.db_table))


def attempt(*, client: str, number: str, now: dt.datetime | None = None) -> Attempt:
    """Take a place for one guess in both counters; refused when either is past its limit. One atomic statement."""
    now = now or timezone.now()
    client_key_, number_key = _keys(client, number)
    adapt = connection.ops.adapt_datetimefield_value
    # Client key before number key: that is also their sort order, the order every statement here locks them in.
    params = [
        client_key_,
        adapt(now),
        adapt(now + CLIENT_WINDOW),
        number_key,
        adapt(now),
        adapt(now + NUMBER_WINDOW),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(COUNT_SQL), params)
        counts = dict(cursor.fetchall())
    client_count, number_count = counts[client_key_], counts[number_key]
    client_left = max(CLIENT_LIMIT - client_count, 0)
    number_left = max(NUMBER_LIMIT - number_count, 0)
    if client_count > CLIENT_LIMIT or number_count > NUMBER_LIMIT:
        # A refused guess is not checked; giving its place back keeps the counts at the limit, not above it.
        _give_back((client_key_, number_key))
        blocked_by = "client" if client_count > CLIENT_LIMIT else "number"
        return Attempt(allowed=False, blocked_by=blocked_by, client_left=client_left, number_left=number_left)
    return Attempt(allowed=True, client_left=client_left, number_left=number_left, keys=(client_key_, number_key))


def _give_back(keys: tuple[str, str]) -> None:
    template = GIVE_BACK_SQL_LOCKED if connection.vendor == "postgresql" else GIVE_BACK_SQL
    with connection.cursor() as cursor:
        cursor.execute(_sql(template), sorted(keys))


def give_back(attempt_: Attempt) -> None:
    """A right guess is not a wrong guess: return its place in both counters."""
    _give_back(attempt_.keys)


def log_refusal(*, request, number: str, result: Attempt) -> None:
    security_log.warning(
        "throttle kind=track blocked_by=%s client=%s case=%s path=%s",
        result.blocked_by,
        client_address(request),
        number,
        request.path,
    )


def log_wrong_guess(*, request, number: str, result: Attempt) -> None:
    security_log.info(
        "refusal kind=track_wrong_guess client=%s case=%s left=%s", client_address(request), number, result.left
    )
