"""The papers a case produces (受理回执, 一次性告知书, 村委证明, 不予受理 / 不予办理决定书, the county papers) and the
town's monthly report: each numbered once, from a gap-free sequence per town, year and kind, and verifiable by
anyone from its QR code."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Paper(models.Model):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Acceptance receipt")
        NOTICE = "notice", _("One-time notice of missing materials")
        CERTIFICATE = "certificate", _("Village certificate")
        REFUSAL = "refusal", _("Decision not to accept")
        DECISION = "decision", _("Decision not to grant")
        REFERRAL = "referral", _("County referral form")
        SUBMISSION = "submission", _("Letter sending the file to the county")
        REPORT = "report", _("Statistics report")

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="papers", verbose_name=_("town"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("document number"), max_length=40, unique=True)
    token = models.CharField(_("verification token"), max_length=40, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="papers", verbose_name=_("case")
    )
    step = models.ForeignKey(
        "cases.CaseStep", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("step")
    )
    issued_at = models.DateTimeField(_("issued at"))
    issuer = models.CharField(_("issuer"), max_length=100)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_by_name = models.CharField(_("handling person"), max_length=50, blank=True)
    # What the paper says that the case does not keep itself (the missing materials, the reason and legal basis of
    # a decision, the report's period): fixed when it is issued, so a reprint says the same.
    content = models.JSONField(_("content"), default=dict, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers (文书)")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["town", "kind", "year", "seq"], name="paper_unique_sequence"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="paper_seq_from_one"),
        ]
        indexes = [models.Index(fields=["case", "kind"], name="paper_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_verify_url(self) -> str:
        return reverse("cases:verify_paper", kwargs={"token": self.token})

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class PaperCounter(models.Model):
    """The last number given out per town, year and kind; locked while a paper is issued, so numbers never repeat
    or skip (a rolled-back issue rolls its number back too)."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    kind = models.CharField(_("kind"), max_length=12, choices=Paper.Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("paper number counter")
        verbose_name_plural = _("paper number counters")
        constraints = [models.UniqueConstraint(fields=["town", "kind", "year"], name="papercounter_unique")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.kind} {self.year} {self.last}"
