"""Working days: weekends and holidays off, make-up working days (调休) on, from the town office's calendar."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.models import MarketDay

from .models import Holiday


class WorkCalendar:
    """Answers working-day questions for a span of dates with one query."""

    def __init__(self, start: dt.date, end: dt.date):
        self.overrides = dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))

    @classmethod
    def ahead(cls, day: dt.date, working_days: int) -> "WorkCalendar":
        """Enough calendar after `day` for any limit of `working_days`: long holidays never exceed a few weeks."""
        return cls(day, day + dt.timedelta(days=working_days * 3 + 60))

    def nth(self, day: dt.date, n: int) -> dt.date:
        """n == 0: the first working day on or after `day`; n > 0: the n-th working day after `day`."""
        if n == 0:
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        counted = 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.overrides.get(day)
        if kind == Holiday.Kind.WORKDAY:
            return True
        if kind == Holiday.Kind.HOLIDAY:
            return False
        return day.weekday() < 5


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days from the day after `start` up to and including the day of `end` (the clock-stop length)."""
    first = timezone.localdate(start)
    last = timezone.localdate(end)
    if last <= first:
        return 0
    calendar = WorkCalendar(first, last)
    day, count = first, 0
    while day < last:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


# The rule of town_non_working_dates in words, for the pages that apply it.
WORKING_DAY_RULE = _(
    "The hall works on weekdays that are not public holidays, on make-up working days (调休) and on the town's "
    "market days that were not cancelled, a market day on a weekend or a holiday included."
)


def town_non_working_dates(*, town_ids, start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """For each town, the dates from `start` to `end` (inclusive) that are not working days for its hall, in two
    queries whatever the span. A day is a working day when the calendar says so (a weekday that is not a holiday, or
    a 调休 make-up working day) or when it is one of the town's market days that was not cancelled: the hall opens on
    market days, a Saturday one included. A market day that falls on a holiday is normally moved or cancelled; one
    left standing was held, so it counts as a working day."""
    calendar = WorkCalendar(start, end)
    off = set()
    day = start
    while day <= end:
        if not calendar.is_working_day(day):
            off.add(day)
        day += dt.timedelta(days=1)
    market: dict[int, set[dt.date]] = {town_id: set() for town_id in town_ids}
    for town_id, date in MarketDay.objects.filter(
        town_id__in=town_ids, date__gte=start, date__lte=end, is_cancelled=False
    ).values_list("town_id", "date"):
        market[town_id].add(date)
    return {town_id: off - dates for town_id, dates in market.items()}
