"""Working days: weekends and holidays off, make-up working days (调休) on (cases/calendar.py), and the due dates
the workflow counts with them (cases/workflow.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.calendar import working_days_between
from cases.models import Holiday
from cases.workflow import deadline, extended
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


def due_on(start: dt.datetime, days: int) -> dt.date:
    return deadline(start, days).due_on


def test_zero_days_on_a_working_day_is_due_that_day():
    assert due_on(at(FRIDAY), 0) == FRIDAY


def test_one_day_from_friday_skips_the_weekend():
    assert due_on(at(FRIDAY), 1) == MONDAY


def test_three_days_from_friday_counts_monday_to_wednesday():
    assert due_on(at(FRIDAY, 16), 3) == dt.date(2026, 3, 11)


def test_zero_days_on_a_sunday_is_due_on_monday():
    assert due_on(at(SUNDAY), 0) == MONDAY


def test_one_day_from_saturday_is_monday():
    assert due_on(at(SATURDAY), 1) == MONDAY


def test_a_holiday_on_monday_is_not_counted():
    HolidayFactory(date=MONDAY, kind=Holiday.Kind.HOLIDAY, name="清明节")

    assert due_on(at(FRIDAY), 1) == TUESDAY


def test_zero_days_on_a_holiday_is_due_on_the_next_working_day():
    HolidayFactory(date=MONDAY, kind=Holiday.Kind.HOLIDAY)

    assert due_on(at(MONDAY), 0) == TUESDAY


def test_a_make_up_working_saturday_is_counted():
    HolidayFactory(date=SATURDAY, kind=Holiday.Kind.WORKDAY, name="调休上班")

    assert due_on(at(FRIDAY), 1) == SATURDAY


def test_zero_days_on_a_make_up_working_sunday_is_due_that_sunday():
    HolidayFactory(date=SUNDAY, kind=Holiday.Kind.WORKDAY)

    assert due_on(at(SUNDAY), 0) == SUNDAY


def test_a_long_holiday_week_is_skipped_entirely():
    for offset in range(7):
        HolidayFactory(date=dt.date(2026, 10, 1) + dt.timedelta(days=offset), kind=Holiday.Kind.HOLIDAY)

    # Wednesday 30 September + 1 working day: the whole National Day week is off, then the weekend ends it.
    assert due_on(at(dt.date(2026, 9, 30)), 1) == dt.date(2026, 10, 8)


def test_the_local_date_decides_not_the_utc_date():
    # 01:00 on Monday in Asia/Shanghai is still Sunday in UTC: the step is due on local Monday.
    assert due_on(at(MONDAY, 1), 0) == MONDAY


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
    assert extended(FRIDAY, 1).due_on == MONDAY


def test_extend_by_zero_days_keeps_the_due_time():
    assert extended(FRIDAY, 0).due_on == FRIDAY
