"""Which stored month figures a change made stale.

The report (stats.tally) keeps each finished month's counts, taken once and read instead of all history. Nearly every
fact they count is final when the month ends; the one change that reaches back is a step sent back (退回) to a desk
that had finished it: the step is open again and its old finish and due date leave the months they were counted in.
The service that does it writes a row here in the same transaction; the report recounts those months from the rows
until the month is stored again (stats.tally.store clears the mark).
"""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaleMonth(models.Model):
    town = models.ForeignKey("villages.Town", on_delete=models.CASCADE, related_name="+", verbose_name=_("town"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    reason = models.CharField(_("reason"), max_length=100)
    created_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        verbose_name = _("month to recount")
        verbose_name_plural = _("months to recount")
        indexes = [models.Index(fields=["town", "month"], name="stalemonth_town_month")]

    def __str__(self):
        return f"{self.town_id} {self.month:%Y-%m}"


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """The first day of the local month a date or a moment falls in."""
    day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
    return day.replace(day=1)


def mark_stale(*, town_id: int, moments, reason: str) -> None:
    """Mark the months of `moments` (dates or datetimes; None skipped) stale for the town's stored figures."""
    months = sorted({month_of(moment) for moment in moments if moment is not None})
    StaleMonth.objects.bulk_create([StaleMonth(town_id=town_id, month=month, reason=reason[:100]) for month in months])
