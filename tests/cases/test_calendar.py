"""Working days: weekends and holidays off, make-up working days (调休) on (cases/calendar.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.calendar import add_working_days, extend_by_working_days, working_days_between
from cases.models import Holiday
from tests.factories import HolidayFactory

pytestmark = pytest.mark.django_db

# March 2026: Mon 2, Fri 6, Sat 7, Sun 8, Mon 9, Tue 10, Wed 11.
FRIDAY = dt.date(2026, 3, 6)
SATURDAY = dt.date(2026, 3, 7)
SUNDAY = dt.date(2026, 3, 8)
MONDAY = dt.date(2026, 3, 9)
TUESDAY = dt.date(2026, 3, 10)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def end_of(day: dt.date) -> dt.datetime:
    """Due "on" a day means due until local midnight after it."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def test_zero_days_on_a_working_day_is_due_at_the_end_of_that_day():
    assert add_working_days(at(FRIDAY), 0) == end_of(FRIDAY)


def test_one_day_from_friday_skips_the_weekend():
    assert add_working_days(at(FRIDAY), 1) == end_of(MONDAY)


def test_three_days_from_friday_counts_monday_to_wednesday():
    assert add_working_days(at(FRIDAY, 16), 3) == end_of(dt.date(2026, 3, 11))


def test_zero_days_on_a_sunday_is_due_at_the_end_of_monday():
    assert add_working_days(at(SUNDAY), 0) == end_of(MONDAY)


def test_one_day_from_saturday_is_monday():
    assert add_working_days(at(SATURDAY), 1) == end_of(MONDAY)


def test_a_holiday_on_monday_is_not_counted():
    HolidayFactory(date=MONDAY, kind=Holiday.Kind.HOLIDAY, name="清明节")

    assert add_working_days(at(FRIDAY), 1) == end_of(TUESDAY)


def test_zero_days_on_a_holiday_is_due_on_the_next_working_day():
    HolidayFactory(date=MONDAY, kind=Holiday.Kind.HOLIDAY)

    assert add_working_days(at(MONDAY), 0) == end_of(TUESDAY)


def test_a_make_up_working_saturday_is_counted():
    HolidayFactory(date=SATURDAY, kind=Holiday.Kind.WORKDAY, name="调休上班")

    assert add_working_days(at(FRIDAY), 1) == end_of(SATURDAY)


def test_zero_days_on_a_make_up_working_sunday_is_due_that_sunday():
    HolidayFactory(date=SUNDAY, kind=Holiday.Kind.WORKDAY)

    assert add_working_days(at(SUNDAY), 0) == end_of(SUNDAY)


def test_a_long_holiday_week_is_skipped_entirely():
    for offset in range(7):
        HolidayFactory(date=dt.date(2026, 10, 1) + dt.timedelta(days=offset), kind=Holiday.Kind.HOLIDAY)

    # Wednesday 30 September + 1 working day: the whole National Day week is off, then the weekend ends it.
    assert add_working_days(at(dt.date(2026, 9, 30)), 1) == end_of(dt.date(2026, 10, 8))


def test_the_local_date_decides_not_the_utc_date():
    # 01:00 on Monday in Asia/Shanghai is still Sunday in UTC: the step is due at the end of local Monday.
    assert add_working_days(at(MONDAY, 1), 0) == end_of(MONDAY)


def test_working_days_between_friday_and_monday_is_one():
    assert working_days_between(at(FRIDAY), at(MONDAY)) == 1


def test_working_days_between_the_same_day_is_zero():
    assert working_days_between(at(MONDAY, 9), at(MONDAY, 17)) == 0


def test_working_days_between_counts_a_make_up_day_and_skips_a_holiday():
    HolidayFactory(date=SATURDAY, kind=Holiday.Kind.WORKDAY)
    HolidayFactory(date=TUESDAY, kind=Holiday.Kind.HOLIDAY)

    # Sat (make-up) + Mon; Tue is a holiday; Wed.
    assert working_days_between(at(FRIDAY), at(dt.date(2026, 3, 11))) == 3


def test_working_days_between_backwards_is_zero():
    assert working_days_between(at(MONDAY), at(FRIDAY)) == 0


def test_extend_by_working_days_moves_a_due_time_past_the_weekend():
    assert extend_by_working_days(end_of(FRIDAY), 1) == end_of(MONDAY)


def test_extend_by_zero_days_keeps_the_due_time():
    assert extend_by_working_days(end_of(FRIDAY), 0) == end_of(FRIDAY)
