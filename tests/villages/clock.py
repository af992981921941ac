"""The hall's clock in tests. Time is the only thing mocked: it is outside the system."""

import datetime as dt
from contextlib import contextmanager

import time_machine
from django.utils import timezone

# 2025-07-25, a Friday, is 闰六月初一: the market day most tests happen on.
DAY = dt.date(2025, 7, 25)


def at(hour: int = 10, minute: int = 0, second: int = 0, microsecond: int = 0, *, day: dt.date = DAY) -> dt.datetime:
    """A moment of the hall's local day (Asia/Shanghai), timezone-aware."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute, second, microsecond))


@contextmanager
def frozen(moment: dt.datetime):
    """The clock, stopped at `moment`."""
    with time_machine.travel(moment, tick=False):
        yield
