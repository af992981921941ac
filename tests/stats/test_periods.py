"""Issue 11 point 2: a report covers a month, a quarter, a year or a chosen range, each compared with the period
before (环比) and the same period a year before (同比)."""

import datetime as dt

import pytest

from stats.periods import MONTH, QUARTER, RANGE, YEAR, Period, PeriodError

D = dt.date


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-11", MONTH, D(2026, 11, 1), D(2026, 12, 1), "2026年11月"),
        ("2026-1", MONTH, D(2026, 1, 1), D(2026, 2, 1), "2026年1月"),
        ("2026-12", MONTH, D(2026, 12, 1), D(2027, 1, 1), "2026年12月"),
        ("2026-Q4", QUARTER, D(2026, 10, 1), D(2027, 1, 1), "2026年第四季度"),
        ("2026q1", QUARTER, D(2026, 1, 1), D(2026, 4, 1), "2026年第一季度"),
        ("2026", YEAR, D(2026, 1, 1), D(2027, 1, 1), "2026年"),
        ("2026-11-01..2026-11-15", RANGE, D(2026, 11, 1), D(2026, 11, 16), "2026年11月1日至2026年11月15日"),
        ("2026-11-03..2026-11-03", RANGE, D(2026, 11, 3), D(2026, 11, 4), "2026年11月3日至2026年11月3日"),
    ],
)
def test_a_period_is_read_from_its_text_and_written_as_a_report_title_writes_it(text, kind, start, end, label):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert Period.parse(period.param) == period  # the link form reads back


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-00", "March", "2026/03", "99999-01", "2026-Q5", "2026-02-30..2026-03-01",
             "2026-11-15..2026-11-01", "2000-01-01..2026-01-01"],
)  # fmt: skip
def test_what_is_not_a_period_is_refused_with_a_message(text):
    with pytest.raises(PeriodError) as refused:
        Period.parse(text)
    assert str(refused.value).strip()


@pytest.mark.parametrize(
    ("text", "previous", "year_before"),
    [
        ("2026-03", ("2026-02-01", "2026-03-01"), ("2025-03-01", "2025-04-01")),
        ("2026-01", ("2025-12-01", "2026-01-01"), ("2025-01-01", "2025-02-01")),
        ("2026-Q1", ("2025-10-01", "2026-01-01"), ("2025-01-01", "2025-04-01")),
        ("2026", ("2025-01-01", "2026-01-01"), ("2025-01-01", "2026-01-01")),
        # a range: the same number of days just before it, and the same dates a year before
        ("2026-11-01..2026-11-15", ("2026-10-17", "2026-11-01"), ("2025-11-01", "2025-11-16")),
        # 29 February has no day a year before: 28 February
        ("2028-02-29..2028-03-01", ("2028-02-27", "2028-02-29"), ("2027-02-28", "2027-03-02")),
    ],
)
def test_the_period_before_and_the_year_before(text, previous, year_before):
    period = Period.parse(text)
    assert (period.previous.start.isoformat(), period.previous.end.isoformat()) == previous
    assert (period.year_before.start.isoformat(), period.year_before.end.isoformat()) == year_before
    assert period.previous.kind == period.kind == period.year_before.kind


def test_a_quarter_is_highlighted_as_its_three_months_and_a_range_as_the_months_it_touches():
    assert Period.parse("2026-Q2").months == ["2026-04", "2026-05", "2026-06"]
    assert Period.parse("2026-01-30..2026-02-02").months == ["2026-01", "2026-02"]
    assert Period.parse("2026-Q2").last_month == (2026, 6)


def test_bounds_are_local_midnights():
    start, end = Period.parse("2026-03").bounds()
    assert (start.isoformat(), end.isoformat()) == ("2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00")
