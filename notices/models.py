import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a message tells the villager (one provider template each, settings.SMS_TEMPLATES)."""

    RECEIVED = "received", _("Case received")
    MATERIALS = "materials", _("Materials needed")
    APPOINTMENT = "appointment", _("Appointment booked")
    REMINDER = "reminder", _("Appointment tomorrow")
    COMPLETED = "completed", _("Ready to collect")
    REFUSED = "refused", _("Not accepted")
    REJECTED = "rejected", _("Not granted")
    RATE = "rate", _("Invitation to rate")


class State(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    HELD = "held", _("Held for the quiet hours")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DECLINED = "declined", _("Declined by the villager")


# The rows the worker may pick up once they are due; SENDING with an expired lease is in doubt (notices.sender).
DUE_STATES = (State.WAITING, State.HELD)


class Notification(models.Model):
    """One text message to a villager: the outbox row written in the same transaction as the case's history event,
    and its fate at the provider. `key` is the idempotency key handed to the provider (Aliyun OutId, Tencent
    SessionContext), so a send whose outcome a crash left unknown is looked up there, not sent again."""

    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    # One message per event and kind (or per appointment for the reminder): writing it again is a no-op.
    dedupe = models.CharField(_("deduplication key"), max_length=80, unique=True, editable=False)
    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="notifications", verbose_name=_("case")
    )
    # No database constraint: the history is append-only and guards itself (hash chain, digests); a tampered history
    # (an event deleted behind the application's back) must show up there, not be blocked or hidden by the outbox.
    event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("event"),
    )
    appointment = models.ForeignKey(
        "cases.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    phone = models.CharField(_("mobile phone"), max_length=11)
    params = models.JSONField(_("template parameters"), default=dict)
    text = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField(_("written at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    backend = models.CharField(_("provider"), max_length=20, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    error_code = models.CharField(_("provider's error code"), max_length=100, blank=True)
    error = models.TextField(_("provider's error"), blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["case", "created_at"], name="notification_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.masked_phone} ({self.get_state_display()})"

    @property
    def masked_phone(self) -> str:
        p = self.phone
        return f"{p[:3]}****{p[-4:]}" if len(p) == 11 else "****"
