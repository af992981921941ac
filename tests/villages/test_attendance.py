"""Attendance that counts empty desks (issue 11 point 5, with point 3's drill-down): villages.attendance."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from tests.factories import DutyShiftFactory, MarketDayFactory, TownFactory, UserFactory, VillageFactory
from tests.villages.clock import DAY, at
from villages import attendance
from villages.attendance import (
    COUNTS,
    FIGURES,
    NO_RECORD,
    UNASSIGNED,
    attendance_by_cadre,
    attendance_by_village,
    attendance_items,
)

pytestmark = pytest.mark.django_db

NEXT_DAY = DAY + dt.timedelta(days=1)
NOW = at(10, day=NEXT_DAY)
ZERO = {key: 0 for key in COUNTS if key not in ("expected", "attended", "absent")}


def desk(day, village, signed_in=None, signed_out=None, *, seal=True, cadre="auto", substitute=None):
    """A shift of `village` on `day`; times are (hour, minute, second, microsecond) of that day."""
    if cadre == "auto":
        cadre = UserFactory()
    return DutyShiftFactory(
        market_day=day,
        village=village,
        cadre=cadre,
        substitute=substitute,
        signed_in_at=at(*signed_in, day=day.date) if signed_in else None,
        signed_out_at=at(*signed_out, day=day.date) if signed_out else None,
        seal_carried=seal if signed_in else False,
    )


def row_of(table, pk):
    return next(row for row in table["rows"] if row["pk"] == pk)


def counts(row):
    return {key: row[key] for key in COUNTS}


def table(town, start=DAY, end=DAY, now=NOW):
    return attendance_by_village(town=town, start=start, end=end, now=now)


@pytest.fixture
def day(town):
    return MarketDayFactory(town=town, date=DAY)


# --- one desk, one status ----------------------------------------------------------------------------------------


def test_village_with_no_duty_record_is_absent(town, village, day):
    assert counts(row_of(table(town), village.pk)) == {"expected": 1, "attended": 0, "absent": 1, **ZERO}


def test_record_nobody_signed_in_to_is_absent(town, village, day):
    desk(day, village)

    assert counts(row_of(table(town), village.pk)) == {"expected": 1, "attended": 0, "absent": 1, **ZERO}


@pytest.mark.parametrize(
    ("signed_in", "signed_out", "seal", "flags"),
    [
        pytest.param((9, 0, 0, 400000), (16, 0, 0), True, {"on_time"}, id="in-09:00:00.4-is-on-time"),
        pytest.param((9, 0, 1), (16, 0, 1), True, {"late"}, id="in-09:00:01-is-late"),
        pytest.param((8, 50), None, True, {"not_signed_out"}, id="not-signed-out-is-not-early"),
        pytest.param((8, 50), (15, 59), True, {"early"}, id="out-15:59-is-early"),
        pytest.param((8, 50), (15, 59, 59, 900000), True, {"early"}, id="out-15:59:59.9-is-early"),
        pytest.param((9, 0), (15, 59, 59), True, {"early", "short"}, id="in-09:00-out-15:59:59-is-short"),
        pytest.param((9, 30), (16, 20), True, {"late", "short"}, id="short-without-leaving-early"),
        pytest.param((9, 0, 0, 900000), (16, 0, 0, 100000), True, {"on_time"}, id="seven-hours-to-the-second"),
        pytest.param((8, 55), (16, 5), False, {"on_time", "seal_unconfirmed"}, id="seal-not-confirmed"),
    ],
)
def test_attended_desk_is_judged_against_the_947_times(town, village, day, signed_in, signed_out, seal, flags):
    desk(day, village, signed_in, signed_out, seal=seal)

    row = row_of(table(town), village.pk)

    assert counts(row) == {"expected": 1, "attended": 1, "absent": 0, **ZERO, **dict.fromkeys(flags, 1)}


def test_short_follows_the_towns_own_times_not_a_fixed_seven_hours(village, day):
    town = village.town
    town.sign_in_by, town.sign_out_from = dt.time(8, 30), dt.time(17, 0)
    town.save()
    desk(day, village, (8, 30), (17, 0))
    other = VillageFactory(town=town)
    desk(day, other, (8, 0), (15, 30))  # 7½ hours: enough under 947, short of 8½

    result = table(town)

    assert row_of(result, village.pk)["short"] == 0
    assert row_of(result, other.pk)["short"] == 1
    assert dict(result["columns"])["short"] == _("Under %(hours)s hours") % {"hours": "8.5"}


def test_hours_on_duty_add_up_to_a_tenth(town, village, day):
    later = MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3))
    desk(day, village, (8, 0), (16, 6))  # 8.1 h
    desk(later, village, (9, 0), (16, 0))  # 7 h
    desk(MarketDayFactory(town=town, date=DAY - dt.timedelta(days=6)), village, (9, 0))  # not signed out: no hours

    result = table(town, start=DAY - dt.timedelta(days=6))

    assert row_of(result, village.pk)["hours"] == 15.1
    assert result["total"]["hours"] == 15.1


# --- which desks are expected -------------------------------------------------------------------------------------


def test_cancelled_market_day_expects_no_desk(town, village):
    cancelled = MarketDayFactory(town=town, date=DAY, is_cancelled=True)
    desk(cancelled, village)

    assert counts(row_of(table(town), village.pk)) == {"expected": 0, "attended": 0, "absent": 0, **ZERO}


def test_todays_and_coming_market_days_expect_no_desk_yet(town, village, day):
    desk(day, village, (9, 30))
    MarketDayFactory(town=town, date=NEXT_DAY)

    result = table(town, end=NEXT_DAY, now=at(17, day=DAY))

    assert counts(row_of(result, village.pk)) == {"expected": 0, "attended": 0, "absent": 0, **ZERO}


def test_span_counts_its_first_and_last_day_and_nothing_outside(town, village):
    for offset in (-3, 0, 3, 6):
        desk(MarketDayFactory(town=town, date=DAY + dt.timedelta(days=offset)), village, (8, 50), (16, 5))

    result = table(town, start=DAY, end=DAY + dt.timedelta(days=3), now=at(10, day=DAY + dt.timedelta(days=30)))

    assert row_of(result, village.pk)["expected"] == 2
    assert row_of(result, village.pk)["on_time"] == 2


def test_second_towns_desks_are_not_counted(town, village, day):
    other_town = TownFactory()
    other_day = MarketDayFactory(town=other_town, date=DAY)
    stranger = VillageFactory(town=other_town)
    desk(other_day, stranger, (9, 30), (15, 0))

    result = table(town)

    assert [row["pk"] for row in result["rows"]] == [village.pk]
    assert counts(result["total"]) == {"expected": 1, "attended": 0, "absent": 1, **ZERO}


def test_every_village_has_a_row_zeros_included(town, village, other_village):
    result = table(town)

    assert [row["name"] for row in result["rows"]] == ["爱乐村", "印勇村"]
    assert [row["expected"] for row in result["rows"]] == [0, 0]
    assert result["total"]["name"] == _("Total") == "合计"


# --- the per-cadre table -------------------------------------------------------------------------------------------


@pytest.fixture
def month(town, village, other_village, cadre, other_cadre):
    """Five market days of 爱乐村 and 印勇村 with every kind of desk, a stand-in and a record naming nobody."""
    days = [MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3 * n)) for n in range(5)]
    stand_in = UserFactory(name="农志强")
    desk(days[0], village, (8, 50), (16, 5), cadre=cadre)
    desk(days[1], village, (9, 20), (15, 0), cadre=cadre, seal=False)
    desk(days[2], village, (8, 58), None, cadre=cadre, substitute=stand_in)
    desk(days[3], village, cadre=cadre)  # nobody came
    desk(days[0], other_village, (8, 40), (16, 30), cadre=other_cadre)
    desk(days[1], other_village, (9, 0, 5), (16, 0), cadre=other_cadre)
    desk(days[2], other_village, cadre=None)  # nobody on the roster, nobody came
    desk(days[3], other_village, (8, 45), (16, 10), cadre=None, substitute=stand_in)
    # days[4]: no record for either village.
    return {"days": days, "stand_in": stand_in, "start": days[-1].date, "end": DAY}


def tables(town, month):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}
    return attendance_by_village(**span), attendance_by_cadre(**span)


def test_totals_are_the_sum_of_the_rows(town, month):
    for result in tables(town, month):
        for key in COUNTS:
            assert result["total"][key] == sum(row[key] for row in result["rows"]), key
        assert result["total"]["hours"] == pytest.approx(sum(row["hours"] for row in result["rows"]), abs=1e-9)


def test_expected_is_attended_plus_absent_in_every_row(town, month):
    for result in tables(town, month):
        for row in [*result["rows"], result["total"]]:
            assert row["expected"] == row["attended"] + row["absent"]


def test_hours_of_the_rows_add_up_to_the_total_rounded_once(town, village, other_village, day):
    desk(day, village, (9, 0), (16, 3))  # 7.05 h
    desk(day, other_village, (9, 0), (16, 3))

    result = table(town)

    assert result["total"]["hours"] == 14.1
    assert sorted(row["hours"] for row in result["rows"]) == [7.0, 7.1]


def test_per_cadre_total_is_the_per_village_total(town, month):
    by_village, by_cadre = tables(town, month)

    assert by_cadre["total"] == {**by_village["total"]}
    assert by_village["total"]["expected"] == 10


def test_desks_go_to_the_cadre_on_duty_and_empty_desks_to_their_own_rows(town, month, cadre, other_cadre):
    by_cadre = tables(town, month)[1]

    assert [row["name"] for row in by_cadre["rows"]] == sorted([cadre.name, other_cadre.name, "农志强"]) + [
        _("Not assigned"),
        _("No duty record"),
    ]
    assert counts(row_of(by_cadre, cadre.pk)) == {
        **ZERO,
        **{"expected": 3, "attended": 2, "absent": 1, "on_time": 1, "late": 1, "early": 1, "short": 1},
        "seal_unconfirmed": 1,
    }
    assert row_of(by_cadre, month["stand_in"].pk)["attended"] == 2
    assert row_of(by_cadre, month["stand_in"].pk)["not_signed_out"] == 1
    assert counts(row_of(by_cadre, UNASSIGNED)) == {"expected": 1, "attended": 0, "absent": 1, **ZERO}
    assert counts(row_of(by_cadre, NO_RECORD)) == {"expected": 2, "attended": 0, "absent": 2, **ZERO}


def test_columns_are_the_contract(town, month):
    for result in tables(town, month):
        assert [key for key, _label in result["columns"]] == ["name", *FIGURES]


# --- the lists behind the figures ---------------------------------------------------------------------------------


def test_every_figure_lists_as_many_desks_as_it_counts(town, month):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}
    by_village, by_cadre = tables(town, month)
    checked = 0
    for figure in COUNTS:
        assert len(attendance_items(**span, figure=figure)) == by_village["total"][figure], figure
        for row in by_village["rows"]:
            assert len(attendance_items(**span, figure=figure, village_id=row["pk"])) == row[figure], (figure, row)
            checked += 1
        for row in by_cadre["rows"]:
            assert len(attendance_items(**span, figure=figure, cadre_id=row["pk"])) == row[figure], (figure, row)
            checked += 1
    assert checked == len(COUNTS) * (2 + 5)


def test_cadre_given_as_text_from_a_link_is_read_as_a_pk(town, month, cadre):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}

    assert len(attendance_items(**span, figure="absent", cadre_id=str(cadre.pk))) == 1


def test_hours_list_adds_up_to_the_figure(town, month, village):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}
    items = attendance_items(**span, figure="hours", village_id=village.pk)

    figure = row_of(table(town, **_span(month)), village.pk)["hours"]
    assert [item["date"] for item in items] == [month["days"][1].date, month["days"][0].date]
    assert sum(item["hours"] for item in items) == pytest.approx(figure, abs=0.1 * len(items))


def _span(month):
    return {"start": month["start"], "end": month["end"]}


def test_listed_desk_carries_its_times_cadre_and_marks(town, month, village, cadre):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}

    (item,) = attendance_items(**span, figure="seal_unconfirmed", village_id=village.pk)

    assert item["date"] == month["days"][1].date
    assert item["village"] == "爱乐村"
    assert item["cadre"] == cadre.name
    assert item["signed_in_at"] == at(9, 20, day=month["days"][1].date)
    assert item["flags"] == ["late", "early", "short", "seal_unconfirmed"]
    assert [key for key, _label in item["marks"]] == ["late", "early", "short", "seal_unconfirmed"]


def test_absent_list_holds_the_desks_with_no_record(town, month, village):
    span = {"town": town, "start": month["start"], "end": month["end"], "now": NOW}

    items = attendance_items(**span, figure="absent", village_id=village.pk)

    assert [(item["date"], item["shift_id"] is None) for item in items] == [
        (month["days"][4].date, True),
        (month["days"][3].date, False),
    ]
    assert all(item["status"] == "absent" for item in items)


def test_unknown_figure_is_refused(town):
    with pytest.raises(ValueError, match="unknown attendance figure"):
        attendance_items(town=town, start=DAY, end=DAY, now=NOW, figure="rate")


def test_definitions_cover_every_figure():
    assert set(attendance.ATTENDANCE_DEFINITIONS) == set(FIGURES)


# --- cost follows the span ----------------------------------------------------------------------------------------


def span_of(town, village, other_village, n_days: int) -> dict:
    days = [MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3 * n)) for n in range(n_days)]
    for index, market_day in enumerate(days):
        desk(market_day, village, (8, 50 + index % 10), (16, 0), cadre=UserFactory())
        desk(market_day, other_village, substitute=UserFactory())
    return {"town": town, "start": days[-1].date, "end": DAY, "now": NOW}


@pytest.mark.parametrize("n_days", [1, 10])
def test_tables_and_lists_cost_the_same_queries_for_1_and_10_market_days(
    django_assert_num_queries, town, village, other_village, n_days
):
    span = span_of(town, village, other_village, n_days)

    with django_assert_num_queries(3):
        by_village = attendance_by_village(**span)
    with django_assert_num_queries(4):
        attendance_by_cadre(**span)
    with django_assert_num_queries(1):
        attendance_items(**span, figure="late")
    with django_assert_num_queries(4):
        items = attendance_items(**span, figure="expected")
    assert len(items) == by_village["total"]["expected"] == 2 * n_days
