"""Which dates a market-day rule gives: a fixed cycle, solar or lunar days of the month (issue 4, point 1)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from lunar_python import Solar

from tests.factories import MarketScheduleFactory
from villages.models import MarketSchedule
from villages.schedule import rule_dates

D = dt.date
LONG_AGO = D(2000, 1, 1)


def cycle(every: int, anchor: dt.date, *, valid_from: dt.date | None = None, valid_until=None) -> MarketSchedule:
    return MarketSchedule(
        kind=MarketSchedule.Kind.CYCLE,
        cycle_days=every,
        anchor_date=anchor,
        valid_from=valid_from or anchor,
        valid_until=valid_until,
    )


def solar(digits: str, *, valid_from: dt.date = LONG_AGO, valid_until=None) -> MarketSchedule:
    return MarketSchedule(kind=MarketSchedule.Kind.SOLAR, digits=digits, valid_from=valid_from, valid_until=valid_until)


def lunar(digits: str, *, valid_from: dt.date = LONG_AGO, valid_until=None) -> MarketSchedule:
    return MarketSchedule(kind=MarketSchedule.Kind.LUNAR, digits=digits, valid_from=valid_from, valid_until=valid_until)


def dates(start: dt.date, end: dt.date, *schedules: MarketSchedule) -> list[dt.date]:
    return list(rule_dates(list(schedules), start, end))


def days_of(year: int, month: int, *days: int) -> list[dt.date]:
    return [D(year, month, day) for day in days]


# --- a fixed cycle -----------------------------------------------------------------------------------------------


def test_cycle_gives_every_third_day_from_the_anchor():
    assert dates(D(2025, 3, 10), D(2025, 3, 22), cycle(3, D(2025, 3, 10))) == days_of(2025, 3, 10, 13, 16, 19, 22)


def test_cycle_gives_dates_before_the_anchor_when_the_rule_is_already_valid():
    rule = cycle(3, D(2025, 3, 10), valid_from=D(2025, 3, 1))

    assert dates(D(2025, 3, 1), D(2025, 3, 13), rule) == days_of(2025, 3, 1, 4, 7, 10, 13)


def test_cycle_runs_on_across_a_leap_february_and_the_year_end():
    rule = cycle(3, D(2024, 2, 26), valid_from=D(2024, 1, 1))

    assert dates(D(2024, 2, 25), D(2024, 3, 4), rule) == [D(2024, 2, 26), D(2024, 2, 29), D(2024, 3, 3)]
    assert dates(D(2024, 12, 27), D(2025, 1, 5), rule) == [D(2024, 12, 28), D(2024, 12, 31), D(2025, 1, 3)]


def test_cycle_of_five_days_skips_the_days_between():
    assert dates(D(2025, 3, 1), D(2025, 3, 20), cycle(5, D(2025, 3, 2))) == days_of(2025, 3, 2, 7, 12, 17)


# --- solar days of the month (逢1、4、7) ---------------------------------------------------------------------------


def test_solar_147_in_a_31_day_month_includes_the_31st():
    assert dates(D(2025, 3, 1), D(2025, 3, 31), solar("1,4,7")) == days_of(2025, 3, 1, 4, 7, 11, 14, 17, 21, 24, 27, 31)


def test_solar_147_in_a_30_day_month_goes_from_the_27th_to_the_next_1st():
    assert dates(D(2025, 4, 25), D(2025, 5, 4), solar("1,4,7")) == [D(2025, 4, 27), D(2025, 5, 1), D(2025, 5, 4)]


def test_solar_147_in_february():
    assert dates(D(2025, 2, 1), D(2025, 3, 1), solar("1,4,7")) == [
        *days_of(2025, 2, 1, 4, 7, 11, 14, 17, 21, 24, 27),
        D(2025, 3, 1),
    ]


def test_solar_digit_9_gives_the_29th_only_in_a_leap_february():
    assert dates(D(2024, 2, 1), D(2024, 2, 29), solar("9")) == days_of(2024, 2, 9, 19, 29)
    assert dates(D(2025, 2, 1), D(2025, 3, 9), solar("9")) == [D(2025, 2, 9), D(2025, 2, 19), D(2025, 3, 9)]


def test_solar_digit_0_gives_the_10th_20th_and_30th_but_no_30th_in_february():
    assert dates(D(2025, 1, 1), D(2025, 3, 10), solar("0")) == [
        *days_of(2025, 1, 10, 20, 30),
        *days_of(2025, 2, 10, 20),
        D(2025, 3, 10),
    ]


@pytest.mark.parametrize("digits", ["1、4、7", "1，4，7", " 1, 4 ,7 "])
def test_solar_digits_may_be_separated_the_chinese_way(digits):
    assert dates(D(2025, 3, 1), D(2025, 3, 31), solar(digits)) == dates(D(2025, 3, 1), D(2025, 3, 31), solar("1,4,7"))


# --- lunar days of the month (农历逢一、四、七) ---------------------------------------------------------------------

# The 2025 lunar year has a leap sixth month: 六月 runs 2025-06-25 … 07-24 (30 days),
# 闰六月 2025-07-25 … 08-22 (29 days), 七月 starts 2025-08-23.
LEAP_FIRST = D(2025, 7, 25)
LEAP_LAST = D(2025, 8, 22)


def test_the_leap_month_dates_used_here_are_what_the_lunar_library_says():
    first = Solar.fromYmd(2025, 7, 25).getLunar()
    last = Solar.fromYmd(2025, 8, 22).getLunar()
    after = Solar.fromYmd(2025, 8, 23).getLunar()

    assert (first.getMonth(), first.getDay()) == (-6, 1)  # negative month: leap
    assert (last.getMonth(), last.getDay()) == (-6, 29)
    assert (after.getMonth(), after.getDay()) == (7, 1)


def test_lunar_147_in_the_2025_leap_sixth_month():
    assert dates(LEAP_FIRST, LEAP_LAST, lunar("1,4,7")) == [
        D(2025, 7, 25),  # 闰六月初一
        D(2025, 7, 28),  # 初四
        D(2025, 7, 31),  # 初七
        D(2025, 8, 4),  # 十一
        D(2025, 8, 7),  # 十四
        D(2025, 8, 10),  # 十七
        D(2025, 8, 14),  # 廿一
        D(2025, 8, 17),  # 廿四
        D(2025, 8, 20),  # 廿七
    ]


def test_lunar_market_goes_on_from_the_sixth_month_through_the_leap_month_into_the_seventh():
    assert dates(D(2025, 7, 20), D(2025, 8, 27), lunar("1,4,7")) == [
        D(2025, 7, 21),  # 六月廿七
        D(2025, 7, 25),  # 闰六月初一
        D(2025, 7, 28),
        D(2025, 7, 31),
        D(2025, 8, 4),
        D(2025, 8, 7),
        D(2025, 8, 10),
        D(2025, 8, 14),
        D(2025, 8, 17),
        D(2025, 8, 20),  # 闰六月廿七
        D(2025, 8, 23),  # 七月初一
        D(2025, 8, 26),  # 七月初四
    ]


def test_lunar_29_day_leap_month_has_no_day_30_but_the_30_day_month_before_it_has():
    assert dates(D(2025, 7, 20), D(2025, 9, 1), lunar("0")) == [
        D(2025, 7, 24),  # 六月三十
        D(2025, 8, 3),  # 闰六月初十
        D(2025, 8, 13),  # 闰六月二十
        D(2025, 9, 1),  # 七月初十: no 闰六月三十 in between
    ]


# --- validity bounds and several rules ---------------------------------------------------------------------------


def test_rule_gives_nothing_outside_valid_from_and_valid_until_which_are_inclusive():
    rule = solar("1,4,7", valid_from=D(2025, 3, 4), valid_until=D(2025, 3, 21))

    assert dates(D(2025, 2, 1), D(2025, 4, 30), rule) == days_of(2025, 3, 4, 7, 11, 14, 17, 21)


def test_cycle_stops_at_valid_until():
    rule = cycle(3, D(2025, 3, 1), valid_until=D(2025, 3, 9))

    assert dates(D(2025, 3, 1), D(2025, 3, 31), rule) == days_of(2025, 3, 1, 4, 7)


def test_a_new_rule_taking_over_gives_each_date_once_in_order():
    old = solar("1,4,7", valid_from=D(2025, 1, 1), valid_until=D(2025, 3, 10))
    new = cycle(3, D(2025, 3, 10), valid_from=D(2025, 3, 10))

    assert dates(D(2025, 3, 1), D(2025, 3, 16), new, old) == days_of(2025, 3, 1, 4, 7, 10, 13, 16)


# --- validation and the database ---------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", ["", "a,b", "12", "1,4,10", " , "])
def test_clean_refuses_digits_that_are_not_single_digits(digits):
    with pytest.raises(ValidationError) as refused:
        solar(digits).clean()

    assert "digits" in refused.value.message_dict


def test_clean_refuses_digits_with_a_stray_character():
    with pytest.raises(ValidationError):
        solar("1,4,7x").clean()


@pytest.mark.parametrize("digits", ["1,4,7", "2、5、8", "0"])
def test_clean_accepts_digits(digits):
    lunar(digits).clean()

    assert lunar(digits).digit_set


@pytest.mark.parametrize(("every", "anchor"), [(None, D(2025, 3, 1)), (3, None), (0, D(2025, 3, 1))])
def test_clean_refuses_an_incomplete_cycle(every, anchor):
    rule = MarketSchedule(
        kind=MarketSchedule.Kind.CYCLE, cycle_days=every, anchor_date=anchor, valid_from=D(2025, 1, 1)
    )

    with pytest.raises(ValidationError):
        rule.clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(
            {"cycle_days": None},
            id="cycle-without-length",
        ),
        pytest.param({"anchor_date": None}, id="cycle-without-anchor"),
        pytest.param({"cycle_days": 0}, id="cycle-of-zero-days"),
        pytest.param({"solar": True, "digits": ""}, id="solar-without-digits"),
        pytest.param({"lunar": True, "digits": ""}, id="lunar-without-digits"),
    ],
)
def test_database_refuses_an_incomplete_rule(town, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketScheduleFactory(town=town, **fields)


@pytest.mark.django_db
def test_database_refuses_valid_until_before_valid_from(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketScheduleFactory(town=town, valid_from=D(2025, 3, 1), valid_until=D(2025, 2, 28))


@pytest.mark.django_db
def test_database_keeps_complete_rules(town):
    MarketScheduleFactory(town=town)
    MarketScheduleFactory(town=town, solar=True)
    MarketScheduleFactory(town=town, lunar=True, digits="2,5,8")

    assert MarketSchedule.objects.filter(town=town).count() == 3
