"""What the town office enters for its figures: the opening balance kept on paper before the system."""

import sys
from array import array

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OpeningBalance(models.Model):
    """The town's figures from its paper ledgers (台账) before the system, e.g. since the station opened in 2015.

    The since-start totals add the system's own counts from `system_from` on, so a figure the article reports
    (2万多人次, 6100余件, 1900余件, 89起, 96%) can be reproduced: the ledger up to the day before, the system after."""

    town = models.OneToOneField(
        "villages.Town", on_delete=models.PROTECT, related_name="opening_balance", verbose_name=_("town")
    )
    counted_from = models.DateField(
        _("counted since"), help_text=_("The day the ledger's counts begin, e.g. 2015-03-01.")
    )
    system_from = models.DateField(
        _("system figures from"),
        help_text=_("The first day counted by the system; the ledger's figures cover the days before it."),
    )
    visits = models.PositiveIntegerField(_("visits and consultations (person-times)"), default=0)
    received = models.PositiveIntegerField(_("applications accepted"), default=0)
    joint = models.PositiveIntegerField(_("village and town together"), default=0)
    disputes = models.PositiveIntegerField(_("disputes mediated on the spot"), default=0)
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    satisfied = models.PositiveIntegerField(
        _("satisfied ratings"), default=0, help_text=_("Ratings of 'basically satisfied' or better.")
    )
    source = models.CharField(_("source"), max_length=200, help_text=_("Which ledger or report the figures come from."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("opening balance (figures before the system)")
        verbose_name_plural = _("opening balances (figures before the system)")
        constraints = [
            models.CheckConstraint(condition=Q(system_from__gt=F("counted_from")), name="opening_balance_dates"),
            models.CheckConstraint(condition=Q(satisfied__lte=F("ratings")), name="opening_balance_satisfied"),
            models.CheckConstraint(condition=Q(joint__lte=F("received")), name="opening_balance_joint"),
        ]

    def __str__(self) -> str:
        return f"{self.town} {self.counted_from}–{self.system_from}"


class StoredMonth(models.Model):
    """A finished month of a town whose figures are kept in MonthFigure (stats.tally), so that a report reads them
    instead of the month's rows. `settled_before`: the rows final before this moment are in the stored figures; the
    rest (a step still open then) are counted from the rows each time."""

    # No index of its own: the unique constraint leads with the town (with a second one the planner read every month
    # of the town's history through it and filtered).
    town = models.ForeignKey(
        "villages.Town", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("town")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    settled_before = models.DateTimeField(_("final before"))
    stored_at = models.DateTimeField(_("stored at"))
    # Which figures and definitions it was counted under (stats.tally.DEFINITIONS): a month stored before a figure
    # was added or a definition changed is not read, but counted from its rows until stored again.
    definitions = models.CharField(_("definitions"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("stored month")
        verbose_name_plural = _("stored months")
        constraints = [models.UniqueConstraint(fields=["town", "month"], name="storedmonth_town_month")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.month:%Y-%m}"


class MonthFigure(models.Model):
    """One figure of a stored month: the total (no dimension) or the part of one village, department or matter.
    Zeros are not stored."""

    # No index of its own: the unique constraint leads with the town (with a second one the planner read every month
    # of the town's history through it and filtered).
    town = models.ForeignKey(
        "villages.Town", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("town")
    )
    month = models.DateField(_("month"))
    figure = models.CharField(_("figure"), max_length=32)
    dimension = models.CharField(_("dimension"), max_length=12, blank=True)
    member = models.IntegerField(_("member"), default=0, help_text=_("The village, department or matter; 0: none."))
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("stored figure")
        verbose_name_plural = _("stored figures")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "month", "figure", "dimension", "member"], name="monthfigure_unique"
            )
        ]
        # A report reads a town's months by dimension: the headline and the since-start totals only the totals (no
        # dimension) of up to ten years of months, the breakdowns every dimension of the period's few.
        indexes = [models.Index(fields=["town", "dimension", "month"], name="monthfigure_town_dimension")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.month:%Y-%m} {self.figure} {self.dimension}:{self.member} = {self.value}"


def pack_seconds(values) -> bytes:
    """Seconds as 8-byte little-endian floats: a year of them (tens of thousands) is read and unpacked in well under
    a millisecond, where the same list as JSON took tens."""
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_seconds(packed) -> list[float]:
    values = array("d")
    values.frombytes(bytes(packed))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


class MonthDurations(models.Model):
    """The times to complete (in seconds, sorted) of a stored month's completed cases: the median and 90th percentile
    of a long period merge these instead of sorting every completed case of the period again (stats.tally)."""

    # No index of its own: the unique constraint leads with the town (with a second one the planner read every month
    # of the town's history through it and filtered).
    town = models.ForeignKey(
        "villages.Town", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("town")
    )
    month = models.DateField(_("month"))
    packed = models.BinaryField(_("times to complete (seconds, packed)"), default=b"")

    class Meta:
        verbose_name = _("stored times to complete")
        verbose_name_plural = _("stored times to complete")
        constraints = [models.UniqueConstraint(fields=["town", "month"], name="monthdurations_town_month")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.month:%Y-%m} ({len(self.seconds)})"

    @property
    def seconds(self) -> list[float]:
        return unpack_seconds(self.packed)
