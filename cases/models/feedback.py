"""好差评 and 整改: the villager's rating of a finished case and the rectification a bad one opens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import Case


class Rating(models.Model):
    """A villager's 好差评 of a finished case: once per case."""

    class Level(models.IntegerChoices):
        VERY_SATISFIED = 5, _("Very satisfied")
        SATISFIED = 4, _("Satisfied")
        BASICALLY_SATISFIED = 3, _("Basically satisfied")
        DISSATISFIED = 2, _("Dissatisfied")
        VERY_DISSATISFIED = 1, _("Very dissatisfied")

    class Channel(models.TextChoices):
        QR = "qr", _("Receipt QR code")
        DESK = "desk", _("At the desk")

    class Reason(models.TextChoices):
        """Why a villager is dissatisfied (国办发〔2019〕51号: a 差评 says why)."""

        SLOW = "slow", _("Took too long")
        MANY_TRIPS = "trips", _("Had to come more than once")
        ATTITUDE = "attitude", _("Staff attitude")
        UNCLEAR = "unclear", _("Not told clearly what was needed")
        RESULT = "result", _("Disagree with the result")
        FEES = "fees", _("Asked to pay or bring favours")
        OTHER = "other", _("Other")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating", verbose_name=_("case"))
    # The case's town, kept here so the month's satisfaction is counted without joining every case.
    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="ratings", verbose_name=_("town"))
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True, help_text=_("For a bad rating: Reason values."))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    rated_at = models.DateTimeField(_("rated at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings (好差评)")
        ordering = ["-rated_at"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_range")]
        indexes = [models.Index(fields=["town", "rated_at"], include=["level"], name="rating_town_time")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level <= self.Level.DISSATISFIED

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [str(labels.get(value, value)) for value in self.reasons]

    @property
    def is_counted(self) -> bool:
        """Python twin of `counts_against_desk()`: not taken out of the desk's figures by an upheld appeal."""
        try:
            return self.appeal.decision != RatingAppeal.Decision.UPHELD
        except RatingAppeal.DoesNotExist:
            return True


CALLBACK_SATISFIED = "satisfied"
CALLBACK_DISSATISFIED = "dissatisfied"
CALLBACK_RESULTS = [(CALLBACK_SATISFIED, _("Satisfied")), (CALLBACK_DISSATISFIED, _("Still dissatisfied"))]


class Rectification(models.Model):
    """整改: a bad rating obliges the department of the last step to act and call the villager back."""

    rating = models.OneToOneField(
        Rating, on_delete=models.PROTECT, related_name="rectification", verbose_name=_("rating")
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name=_("responsible department"),
        help_text=_("Empty when the last step was the village desk: the village answers."),
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("village")
    )
    # The rating's town, copied when opened (as a step keeps its case's): the report counts a period's rectifications
    # on their own index, without joining every rating of history.
    town = models.ForeignKey(
        "villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"), editable=False
    )
    opened_at = models.DateTimeField(_("opened at"))
    due_on = models.DateField(_("due on"), null=True)
    due_at = models.DateTimeField(_("overdue from"))
    action_taken = models.TextField(_("what was done"), blank=True)
    callback_note = models.TextField(_("follow-up call"), blank=True)
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    # 回访: was the villager satisfied with what was done? When not, a second call after more work.
    callback_result = models.CharField(_("follow-up result"), max_length=12, choices=CALLBACK_RESULTS, blank=True)
    second_callback_note = models.TextField(_("second follow-up call"), blank=True)
    second_callback_at = models.DateTimeField(_("second call at"), null=True, blank=True)
    second_callback_result = models.CharField(
        _("second follow-up result"), max_length=12, choices=CALLBACK_RESULTS, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications (整改)")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["department", "done_at"], name="rectification_department"),
            models.Index(fields=["town", "opened_at"], name="rectification_town_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.rating.case.number} {self.department or self.village}"

    @property
    def is_late(self) -> bool:
        from ..workflow import is_late

        return is_late(finished_at=self.done_at, due_at=self.due_at)

    @property
    def awaits_second_call(self) -> bool:
        """Answered, but the villager was still dissatisfied at the 回访: open until the second call."""
        return self.done_at is None and self.callback_result == CALLBACK_DISSATISFIED

    @property
    def is_owed(self) -> bool:
        """Still to be done by its desk: not done, and not excused by an upheld appeal."""
        return self.done_at is None and self.rating.is_counted


class RatingAppeal(models.Model):
    """申诉: the rated desk says a rating was unfair; the town office decides. An upheld appeal takes the rating out
    of the desk's figures (the rating itself stays, as the villager gave it)."""

    class Decision(models.TextChoices):
        PENDING = "", _("Waiting for the town office")
        UPHELD = "upheld", _("Upheld: not counted against the desk")
        DISMISSED = "dismissed", _("Dismissed: the rating stands")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal", verbose_name=_("rating"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"))
    reason = models.TextField(_("why the rating is unfair"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("rating appeal")
        verbose_name_plural = _("rating appeals (申诉)")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True) | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="ratingappeal_decided_iff_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating} {self.get_decision_display()}"


def counts_against_desk(to_rating: str = "") -> Q:
    """The one rule of 申诉 in the figures: a rating (and the rectification it opened) counts against the desk unless
    an appeal against it was upheld. `to_rating` is the path from the queried model to the rating: "" for Rating,
    "rating__" for Rectification. Its Python twin is `Rating.is_counted`."""
    return ~Q(**{f"{to_rating}appeal__decision": RatingAppeal.Decision.UPHELD})
