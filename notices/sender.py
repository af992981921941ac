"""The worker's side of the outbox: claim due messages, send them, record what became of each.

Exactly once, across crashes:

1. Claim: in one short transaction, up to NOTICES_BATCH due rows (waiting, or held until a time now past) become
   `sending`, with a claim token and a lease (NOTICES_LEASE_SECONDS). Rows locked by another worker are skipped
   (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's writers take turns).
2. Send each with its idempotency key (`Notification.key`: Aliyun OutId, Tencent SessionContext), then record the
   outcome — only if the claim is still ours.
3. A worker killed between 1 and 2 leaves `sending` rows whose lease runs out. The next run looks each one up at the
   provider by its key: found, it is marked sent (not sent again); not found, it is due again. A row is never sent
   while another worker's lease on it runs, and a batch stops before its lease could run out mid-send.

Quiet hours (notices.quiet) are asked again here: due rows found in them are held until they end. A transient
refusal is retried after NOTICES_RETRY_SECONDS × 2^(attempt − 1), at most an hour, up to NOTICES_MAX_ATTEMPTS
attempts; a permanent one fails the message with the provider's code and words.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from villages import page_versions

from . import quiet
from .backends import BaseBackend, InDoubt, ProviderError, get_backend
from .models import DUE_STATES, Notification, State

logger = logging.getLogger("notices.sender")

MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    found: int = 0  # in doubt, and the provider had it: marked sent, not sent again
    in_doubt: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "held": self.held,
            "found": self.found,
            "in_doubt": self.in_doubt,
        }


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=settings.NOTICES_RETRY_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTICES_LEASE_SECONDS)


def _changed(rows) -> None:
    """The one-stop view lists a case's messages: a state written by an update (no signal) counts as a change."""
    page_versions.changed(rows.values_list("town_id", flat=True).distinct())


def hold_due(now: dt.datetime) -> int:
    """In the quiet hours: every due message waits until they end."""
    due = Notification.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=now)
    with transaction.atomic():
        _changed(due)
        return due.update(state=State.HELD, next_attempt_at=quiet.quiet_ends(now))


def claim(token: str, now: dt.datetime, size: int) -> list[Notification]:
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state__in=DUE_STATES, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        Notification.objects.filter(id__in=ids, state__in=DUE_STATES).update(
            state=State.SENDING, claimed_by=token, claimed_until=now + _lease(), attempts=F("attempts") + 1
        )
        _changed(Notification.objects.filter(id__in=ids))
    return list(Notification.objects.filter(id__in=ids, state=State.SENDING, claimed_by=token).order_by("id"))


def _update_ours(notification: Notification, **fields) -> int:
    """Write the message's state while this worker still holds its claim; then it counts as a change of its town."""
    updated = Notification.objects.filter(
        pk=notification.pk, state=State.SENDING, claimed_by=notification.claimed_by
    ).update(**fields)
    if updated:
        page_versions.changed({notification.town_id})
    return updated


def mark_sent(notification: Notification, backend: BaseBackend, provider_id: str, now: dt.datetime) -> bool:
    updated = _update_ours(
        notification,
        state=State.SENT,
        sent_at=now,
        backend=backend.name,
        provider_id=provider_id[:100],
        error_code="",
        error="",
        claimed_until=None,
    )
    if not updated:
        logger.warning("Notification %s was sent but its claim had been taken over", notification.pk)
    return bool(updated)


def mark_refused(notification: Notification, backend: BaseBackend, error: ProviderError, now: dt.datetime) -> str:
    state, due = State.FAILED, now
    if error.transient and notification.attempts < settings.NOTICES_MAX_ATTEMPTS:
        due = now + backoff(notification.attempts)
        state = State.HELD if quiet.is_quiet(due) else State.WAITING
        due = quiet.quiet_ends(due)
    _update_ours(
        notification,
        state=state,
        next_attempt_at=due,
        backend=backend.name,
        error_code=error.code[:100],
        error=error.message,
        claimed_until=None,
    )
    return state


def leave_in_doubt(notification: Notification, backend: BaseBackend, error: Exception, now: dt.datetime) -> None:
    """Keep the claim, but end its lease now: the next run asks the provider before anything is sent again."""
    _update_ours(notification, claimed_until=now, backend=backend.name, error_code="InDoubt", error=str(error))


def release(notifications: list[Notification]) -> None:
    """Hand back claimed rows not yet tried (the batch's lease is running out); their attempt did not happen."""
    for notification in notifications:
        _update_ours(notification, state=State.WAITING, claimed_until=None, attempts=F("attempts") - 1)


def reconcile(backend: BaseBackend, token: str, now: dt.datetime, outcome: Outcome) -> None:
    """Rows whose worker died mid-send (lease over, still `sending`): ask the provider by key, then sent or due."""
    stale = list(
        Notification.objects.filter(state=State.SENDING, claimed_until__lt=now).order_by("id")[: settings.NOTICES_BATCH]
    )
    for notification in stale:
        with transaction.atomic():
            taken = Notification.objects.filter(
                pk=notification.pk, state=State.SENDING, claimed_by=notification.claimed_by, claimed_until__lt=now
            ).update(claimed_by=token, claimed_until=now + _lease())
        if not taken:
            continue
        notification.claimed_by = token
        try:
            found = backend.lookup(notification)
        except ProviderError as exc:
            outcome.in_doubt += 1
            outcome.errors.append(str(exc))
            _update_ours(notification, claimed_until=now + backoff(1), error_code="LookupFailed", error=str(exc))
            continue
        if found is not None:
            mark_sent(notification, backend, found, now)
            outcome.found += 1
        else:
            _update_ours(notification, state=State.WAITING, next_attempt_at=now, claimed_until=None)


def send_due(*, worker_id: str = "", backend: BaseBackend | None = None, limit: int | None = None) -> Outcome:
    """Send what is due now, batch after batch, until nothing is (or `limit` messages were tried)."""
    backend = backend or get_backend()
    outcome = Outcome()
    token = f"{worker_id[:20]}:{uuid.uuid4().hex}"
    reconcile(backend, token, timezone.now(), outcome)
    tried = 0
    timeout = dt.timedelta(seconds=settings.SMS_TIMEOUT_SECONDS)
    while limit is None or tried < limit:
        now = timezone.now()
        if quiet.is_quiet(now):
            outcome.held += hold_due(now)
            break
        size = settings.NOTICES_BATCH if limit is None else min(settings.NOTICES_BATCH, limit - tried)
        batch = claim(token, now, size)
        if not batch:
            break
        stalled = False
        for index, notification in enumerate(batch):
            now = timezone.now()
            if now + timeout >= notification.claimed_until or quiet.is_quiet(now):  # type: ignore[operator]
                release(batch[index:])
                stalled = index == 0
                break
            tried += 1
            try:
                provider_id = backend.send(notification)
            except ProviderError as exc:
                state = mark_refused(notification, backend, exc, timezone.now())
                if state == State.FAILED:
                    outcome.failed += 1
                else:
                    outcome.retried += 1
                outcome.errors.append(str(exc))
                continue
            except InDoubt as exc:
                leave_in_doubt(notification, backend, exc, timezone.now())
                outcome.in_doubt += 1
                continue
            except Exception as exc:  # a bug or an unexpected answer: the provider may have the message
                logger.exception("Sending notification %s failed unexpectedly", notification.pk)
                leave_in_doubt(notification, backend, exc, timezone.now())
                outcome.in_doubt += 1
                continue
            if mark_sent(notification, backend, provider_id, timezone.now()):
                outcome.sent += 1
        if stalled and not quiet.is_quiet(timezone.now()):
            logger.warning("NOTICES_LEASE_SECONDS is not longer than SMS_TIMEOUT_SECONDS: nothing can be sent")
            break
    if outcome.sent or outcome.failed or outcome.retried or outcome.found:
        logger.info("Text messages: %s", outcome.as_dict())
    return outcome
