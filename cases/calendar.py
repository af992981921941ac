"""Working days: weekends and holidays off, make-up working days (调休) on, from the holiday calendar.

The one place the rule lives. A town's calendar is the shared days (the national calendar, town empty) with the
town's own days on top: on a date with both, the town's row decides for that town."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.models import MarketDay

from .models import Holiday


def _town_id(town) -> int | None:
    return getattr(town, "pk", town)


def calendar_days(*, town_ids, start: dt.date, end: dt.date) -> dict[int | None, dict[dt.date, str]]:
    """{town id: {date: kind}} for the span: the shared days under None and each town's own days under its id, in
    one query."""
    rows = Holiday.objects.filter(date__gte=start, date__lte=end).filter(
        Q(town__isnull=True) | Q(town__in=[t for t in town_ids if t is not None])
    )
    days: dict[int | None, dict[dt.date, str]] = {None: {}}
    for town_id, date, kind in rows.values_list("town_id", "date", "kind"):
        days.setdefault(town_id, {})[date] = kind
    return days


class WorkCalendar:
    """Answers working-day questions for one town (or, with no town, the shared calendar alone) over a span of
    dates with one query."""

    def __init__(self, start: dt.date, end: dt.date, *, town=None, days=None):
        town_id = _town_id(town)
        days = days if days is not None else calendar_days(town_ids=[town_id], start=start, end=end)
        self.overrides = {**days.get(None, {}), **(days.get(town_id, {}) if town_id is not None else {})}

    @classmethod
    def ahead(cls, day: dt.date, working_days: int, *, town=None) -> "WorkCalendar":
        """Enough calendar after `day` for any limit of `working_days`: long holidays never exceed a few weeks."""
        return cls(day, day + dt.timedelta(days=working_days * 3 + 60), town=town)

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


def working_days_between(start: dt.datetime, end: dt.datetime, *, town=None) -> int:
    """Working days from the day after `start` up to and including the day of `end` (the clock-stop length), by
    the town's calendar."""
    first = timezone.localdate(start)
    last = timezone.localdate(end)
    if last <= first:
        return 0
    calendar = WorkCalendar(first, last, town=town)
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
    queries whatever the span. A day is a working day when the town's calendar says so (a weekday that is not a
    holiday, or a 调休 make-up working day; the shared days with the town's own on top) or when it is one of the
    town's market days that was not cancelled: the hall opens on market days, a Saturday one included. A market day
    that falls on a holiday is normally moved or cancelled; one left standing was held, so it counts as a working
    day."""
    town_ids = list(town_ids)
    days = calendar_days(town_ids=town_ids, start=start, end=end)
    market: dict[int, set[dt.date]] = {town_id: set() for town_id in town_ids}
    for town_id, date in MarketDay.objects.filter(
        town_id__in=town_ids, date__gte=start, date__lte=end, is_cancelled=False
    ).values_list("town_id", "date"):
        market[town_id].add(date)
    result = {}
    for town_id, dates in market.items():
        calendar = WorkCalendar(start, end, town=town_id, days=days)
        off = set()
        day = start
        while day <= end:
            if not calendar.is_working_day(day):
                off.add(day)
            day += dt.timedelta(days=1)
        result[town_id] = off - dates
    return result
