"""The append-only history of a case and the daily digests that seal it."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import history_keys
from . import Case, CaseStep

# The one canonical form of what the history and its digests sign: sorted keys, no spaces, UTF-8 as it is. One
# encoder for the module (json.dumps would build one for every event).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(payload: dict) -> bytes:
    return _CANONICAL.encode(payload).encode("utf-8")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.append_only_name} is append-only.")

    def delete(self):
        raise PermissionError(f"{self.model.append_only_name} is append-only.")


class AppendOnlyModel(models.Model):
    """Rows written once and never changed or deleted through the ORM (and on PostgreSQL, by a trigger)."""

    append_only_name = "This record"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError(f"{self.append_only_name} is append-only: a row cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self.append_only_name} is append-only: a row cannot be deleted.")


class CaseEvent(AppendOnlyModel):
    """Append-only history of a case. Each event carries the hash of its predecessor (tamper evidence), and its own
    hash is an HMAC under a key from the environment (`cases.history_keys`), so rewriting a chain needs the key."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Case received")
        STAMPED = "stamped", _("Village certificate stamped")
        STEP_STARTED = "step_started", _("Step started")
        ACCEPTED = "accepted", _("File received at the desk")
        STEP_DONE = "step_done", _("Step completed")
        MATERIALS_REQUESTED = "materials_requested", _("Missing materials requested")
        MATERIALS_BROUGHT = "materials_brought", _("Missing materials brought")
        RETURNED = "returned", _("Returned to the previous step")
        SKIPPED = "skipped", _("Step skipped by the town office")
        REJECTED = "rejected", _("Not granted")
        REFUSED = "refused", _("Not accepted")
        APPEALED = "appealed", _("Rating appealed")
        APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
        REASSIGNED = "reassigned", _("Rectification reassigned")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        BOOKED = "booked", _("County appointment booked")
        CONFIRMED = "confirmed", _("Appointment confirmed")
        NO_SHOW = "no_show", _("Appointment no-show")
        REFERRED = "referred", _("Referred to the county office")
        COUNTY_DONE = "county_done", _("County outcome recorded")
        COMPLETED = "completed", _("Case completed")
        RATED = "rated", _("Rated by the villager")
        RECTIFIED = "rectified", _("Rectification recorded")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    seq = models.PositiveIntegerField(_("sequence"))
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=60, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    step = models.ForeignKey(
        CaseStep, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("step")
    )
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)
    # The key that signed `hash`; "sha256" for the events written before the history was keyed (plain hash).
    key_id = models.CharField(_("signing key"), max_length=16, default=history_keys.current_key_id)

    append_only_name = "Case history"

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case history")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="caseevent_seq_from_one"),
        ]
        indexes = [
            models.Index(fields=["at"], name="caseevent_at"),
            models.Index(fields=["action", "case"], name="caseevent_action"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.get_action_display()}"

    @property
    def from_label(self) -> str:
        return Case.State(self.from_state).label if self.from_state in Case.State.values else self.from_state

    @property
    def to_label(self) -> str:
        return Case.State(self.to_state).label if self.to_state in Case.State.values else self.to_state

    def payload(self) -> dict:
        # The time in UTC, as it reads back from the database, whatever time zone the writer's clock was in.
        at = self.at.astimezone(datetime.UTC) if self.at.utcoffset() is not None else self.at
        data = {
            "case": self.case_id,
            "seq": self.seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "step": self.step_id,
            "from": self.from_state,
            "to": self.to_state,
            "note": self.note,
            "prev": self.prev_hash,
        }
        if self.key_id != history_keys.LEGACY:
            data["key"] = self.key_id
        return data

    def compute_hash(self) -> str:
        """HMAC-SHA256 of the canonical payload under the event's key; the plain SHA-256 of old for legacy events."""
        data = canonical(self.payload())
        if self.key_id == history_keys.LEGACY:
            return hashlib.sha256(data).hexdigest()
        return history_keys.sign(self.key_id, data)


class HistoryDigest(AppendOnlyModel):
    """One town's case history for one finished local day, sealed: for every case that got events that day, the
    head its chain had at the end of the day (number, seq, hash), folded with the counts under an HMAC.

    Append-only like the history. The supervisor prints or exports the values; re-folding the same day from the
    events later (`cases.history.fold_days`) must give the same heads, or the history was changed since.
    """

    town = models.ForeignKey(
        "villages.Town", on_delete=models.PROTECT, related_name="history_digests", verbose_name=_("town")
    )
    date = models.DateField(_("date"))
    cases = models.PositiveIntegerField(_("cases"))
    events = models.PositiveIntegerField(_("events"))
    heads = models.JSONField(_("chain heads"), default=list)  # [[case number, seq, hash], …] sorted by number
    key_id = models.CharField(_("signing key"), max_length=16)
    value = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("sealed at"))

    append_only_name = "A history digest"

    class Meta:
        verbose_name = _("daily history digest")
        verbose_name_plural = _("daily history digests")
        ordering = ["town", "date"]
        constraints = [
            models.UniqueConstraint(fields=["town", "date"], name="historydigest_unique_day"),
            models.CheckConstraint(condition=Q(cases__lte=models.F("events")), name="historydigest_cases_have_events"),
        ]

    def __str__(self) -> str:
        return f"{self.town_id} {self.date:%Y-%m-%d} {self.value[:16]}"

    def payload(self) -> dict:
        return {
            "town": self.town_id,
            "date": self.date.isoformat(),
            "cases": self.cases,
            "events": self.events,
            "heads": [list(head) for head in self.heads],
            "key": self.key_id,
        }

    def compute_value(self) -> str:
        data = canonical(self.payload())
        return history_keys.sign(self.key_id, data)
