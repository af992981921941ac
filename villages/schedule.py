"""Market-day rules: which dates a schedule gives (fixed cycle, solar or lunar days of the month)."""

import datetime as dt
from collections.abc import Iterator

from lunar_python import Solar

from .models import MarketSchedule


def lunar_day(day: dt.date) -> int:
    """The day of the lunar month (1–30). Leap months count like any month: the market does not pause."""
    return Solar.fromYmd(day.year, day.month, day.day).getLunar().getDay()


def matches(schedule: MarketSchedule, day: dt.date) -> bool:
    if day < schedule.valid_from or (schedule.valid_until and day > schedule.valid_until):
        return False
    if schedule.kind == MarketSchedule.Kind.CYCLE:
        return (day - schedule.anchor_date).days % schedule.cycle_days == 0
    digits = schedule.digit_set
    number = day.day if schedule.kind == MarketSchedule.Kind.SOLAR else lunar_day(day)
    return number % 10 in digits


def rule_dates(schedules: list[MarketSchedule], start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every date in [start, end] that one of the schedules gives, in order."""
    day = start
    while day <= end:
        if any(matches(s, day) for s in schedules):
            yield day
        day += dt.timedelta(days=1)
