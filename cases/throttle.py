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

from django.db import transaction
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


def attempt(*, client: str, number: str, now: dt.datetime | None = None) -> Attempt:
    """Take a place for one guess in both counters, or refuse if either is full. Atomic."""
    now = now or timezone.now()
    client_key_, number_key = _keys(client, number)
    with transaction.atomic():
        # Both rows exist before they are locked; then lock in key order so two guesses never deadlock.
        GuessCounter.objects.bulk_create(
            [GuessCounter(key=k, count=0, window_start=now) for k in (client_key_, number_key)],
            ignore_conflicts=True,
        )
        rows = {
            row.key: row
            for row in GuessCounter.objects.select_for_update()
            .filter(key__in=[client_key_, number_key])
            .order_by("key")
        }
        counted = {}
        for kind, key in (("client", client_key_), ("number", number_key)):
            row = rows[key]
            limit, window = LIMITS[kind]
            if row.window_start + window <= now:
                row.count, row.window_start = 0, now
            counted[kind] = row
        for kind in ("client", "number"):
            if counted[kind].count >= LIMITS[kind][0]:
                _save_windows(counted.values())
                return Attempt(
                    allowed=False,
                    blocked_by=kind,
                    client_left=max(CLIENT_LIMIT - counted["client"].count, 0),
                    number_left=max(NUMBER_LIMIT - counted["number"].count, 0),
                )
        for row in counted.values():
            row.count += 1
        _save_windows(counted.values())
    return Attempt(
        allowed=True,
        client_left=CLIENT_LIMIT - counted["client"].count,
        number_left=NUMBER_LIMIT - counted["number"].count,
        keys=(client_key_, number_key),
    )


def _save_windows(rows) -> None:
    for row in rows:
        GuessCounter.objects.filter(pk=row.pk).update(count=row.count, window_start=row.window_start)


def give_back(attempt_: Attempt) -> None:
    """A right guess is not a wrong guess: return its place in both counters."""
    with transaction.atomic():
        for row in GuessCounter.objects.select_for_update().filter(key__in=attempt_.keys).order_by("key"):
            if row.count > 0:
                GuessCounter.objects.filter(pk=row.pk).update(count=row.count - 1)


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
