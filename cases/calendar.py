"""Working days: weekends and holidays off, make-up working days (调休) on, from the town office's calendar."""

import datetime as dt

from django.utils import timezone

from .models import Holiday


class WorkCalendar:
    """Answers working-day questions for a span of dates with one query."""

    def __init__(self, start: dt.date, end: dt.date):
        self.overrides = dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.overrides.get(day)
        if kind == Holiday.Kind.WORKDAY:
            return True
        if kind == Holiday.Kind.HOLIDAY:
            return False
        return day.weekday() < 5


def _end_of_day(day: dt.date) -> dt.datetime:
    """A step due "on" a day is due until that day is over, local time."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The due time of a step started at `start` with a limit of `days` working days.

    0 days means by the end of the first working day (today, if today is one); n days means by the end of the
    n-th working day after the start day.
    """
    start_day = timezone.localdate(start)
    # Long holidays (Spring Festival) never exceed a few weeks; look far enough ahead for any limit.
    calendar = WorkCalendar(start_day, start_day + dt.timedelta(days=days * 3 + 60))
    day = start_day
    if days == 0:
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        return _end_of_day(day)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return _end_of_day(day)


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


def extend_by_working_days(due: dt.datetime, days: int) -> dt.datetime:
    """Push a due time later by `days` working days (the time a case spent awaiting materials)."""
    if days <= 0:
        return due
    last_day = timezone.localdate(due - dt.timedelta(microseconds=1))
    return add_working_days(timezone.make_aware(dt.datetime.combine(last_day, dt.time(12))), days)
