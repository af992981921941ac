"""Issue 11 point 9 / issue 13 point 5: finished months stored (stats.tally) and read instead of their rows — and the
report is the same figure for figure, whatever happens to the rows after the month was stored."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseStep, StaleMonth
from cases.models.recount import mark_stale
from stats import tally
from stats.models import MonthDurations, MonthFigure, StoredMonth, pack_seconds
from stats.periods import Period
from stats.queries import report
from tests.factories import ConsultationFactory, MatterFactory
from tests.stats.conftest import desk_step, local, make_case, mar, rate

pytestmark = pytest.mark.django_db

S = CaseStep.State
NOW = local(2026, 4, 15, 10)
MARCH = Period.month(2026, 3)


@pytest.fixture
def world(town, village, department, town_office):
    matter = MatterFactory(town=town)
    late = make_case(matter=matter, village=village, received_at=mar(10, 9), state="completed", closed_at=mar(25, 9),
                     steps=[desk_step(department, started=mar(10, 9), due=mar(20), finished=mar(25, 9))])  # fmt: skip
    still_open = make_case(matter=matter, village=village, received_at=mar(11, 9), state="in_progress",
                           steps=[desk_step(department, state=S.ACTIVE, started=mar(11, 9), due=mar(20))])  # fmt: skip
    quick = desk_step(department, started=mar(12, 9), due=mar(13), finished=mar(12, 15))
    on_time = make_case(matter=matter, village=village, received_at=mar(12, 9), state="completed",
                        closed_at=mar(12, 15), steps=[quick])  # fmt: skip
    rate(on_time, 5, mar(12, 16))
    ConsultationFactory(town=town, village=village, people=3, recorded_at=mar(3, 9), recorded_by=town_office)
    return type("World", (), {"town": town, "late": late, "still_open": still_open, "on_time": on_time})


def _figures(town, period=MARCH, now=NOW):
    result = report(town=town, period=period, now=now)
    return {key: result[key] for key in ("figures", "previous", "year_before", "by_village", "by_department",
                                         "by_village_desk", "by_matter", "series", "totals")}  # fmt: skip


def _from_rows(town, period=MARCH, now=NOW):
    """The same report with the store set aside."""
    saved = list(StoredMonth.objects.filter(town=town).values())
    StoredMonth.objects.filter(town=town).delete()
    try:
        return _figures(town, period, now)
    finally:
        StoredMonth.objects.bulk_create([StoredMonth(**row) for row in saved])


def test_finished_months_are_stored_and_the_report_reads_them(world):
    stored = tally.store(world.town, now=NOW)
    assert stored == [dt.date(2026, 3, 1)]  # the first month with anything; April is running
    assert MonthFigure.objects.filter(town=world.town, month=dt.date(2026, 3, 1), figure="received",
                                      dimension="").get().value == 3  # fmt: skip
    assert _figures(world.town) == _from_rows(world.town)
    assert tally.store(world.town, now=NOW) == []  # nothing left to store
    assert tally.verify(world.town, now=NOW) == []


def test_a_step_open_when_stored_is_counted_from_its_row_until_done(world):
    tally.store(world.town, now=NOW)
    assert _figures(world.town)["figures"]["overdue_steps"] == 2  # finished late, and still open past due
    # Done after the store, late: still one overdue step of March, now a finished one.
    CaseStep.objects.filter(case=world.still_open).update(state=S.DONE, finished_at=local(2026, 4, 16, 9))
    later = local(2026, 4, 16, 10)
    assert _figures(world.town, now=later)["figures"]["overdue_steps"] == 2
    assert _figures(world.town, now=later) == _from_rows(world.town, now=later)


def test_a_step_sent_back_makes_its_months_stale_until_stored_again(world):
    tally.store(world.town, now=NOW)
    step = CaseStep.objects.get(case=world.late)
    # What step_return does to the step it sends the case back to (cases.services.steps), with its mark.
    mark_stale(town_id=world.town.pk, moments=(step.finished_at, step.due_on), reason="step_return")
    CaseStep.objects.filter(pk=step.pk).update(state=S.ACTIVE, finished_at=None, due_on=dt.date(2026, 4, 20),
                                               due_at=local(2026, 4, 21))  # fmt: skip
    assert _figures(world.town)["figures"]["steps_done"] == 1
    assert _figures(world.town) == _from_rows(world.town)
    # Without the mark the store would still count the step's old finish: the mark is what keeps the report exact.
    StaleMonth.objects.all().delete()
    assert _figures(world.town)["figures"]["steps_done"] == 2
    mark_stale(town_id=world.town.pk, moments=(mar(25, 9),), reason="step_return")
    assert tally.store(world.town, now=NOW) == [dt.date(2026, 3, 1)]  # the stale month is stored again
    assert not StaleMonth.objects.exists()
    assert _figures(world.town) == _from_rows(world.town)


def test_verify_finds_a_stored_figure_that_does_not_match_a_recount(world):
    tally.store(world.town, now=NOW)
    assert tally.verify(world.town, now=NOW) == []
    MonthFigure.objects.filter(figure="received", dimension="").update(value=4)
    assert tally.verify(world.town, now=NOW) != []


def test_a_running_month_or_one_just_ended_is_not_stored(world):
    with pytest.raises(ValueError):
        tally.store_month(world.town, dt.date(2026, 4, 1), now=NOW)
    with pytest.raises(ValueError):  # within the margin for transactions still committing
        tally.store_month(world.town, dt.date(2026, 3, 1), now=local(2026, 4, 1, 0, 30))
    assert tally.store(world.town, now=local(2026, 4, 1, 0, 30)) == []


def test_a_year_of_stored_months_costs_the_same_queries_as_one(world, town_office):
    ConsultationFactory(town=world.town, people=1, recorded_at=local(2025, 1, 5, 9), recorded_by=town_office)
    assert len(tally.store(world.town, now=local(2027, 2, 1, 10))) == 25  # January 2025 to January 2027
    later = local(2027, 2, 1, 10)
    with CaptureQueriesContext(connection) as month:
        report(town=world.town, period=Period.month(2026, 3), now=later)
    with CaptureQueriesContext(connection) as year:
        report(town=world.town, period=Period.year(2026), now=later)
    # A year and the year before it read their stored months in no more queries than one month and its comparisons
    # (fewer: a year's 环比 and 同比 are the same year, counted once).
    assert len(year) <= len(month)
    assert _figures(world.town, Period.year(2026), later) == _from_rows(world.town, Period.year(2026), later)


def test_months_stored_at_different_moments_each_keep_their_own_moment(world, department, village):
    """The stored months are read as runs of months stored at one moment (one condition for ten years stored by one
    `stats_store`); a month stored earlier keeps its own moment: a step still open then is counted from its row."""
    february = make_case(matter=world.late.matter, village=village, received_at=local(2026, 2, 10, 9),
                         state="in_progress",
                         steps=[desk_step(department, state=S.ACTIVE, started=local(2026, 2, 10, 9),
                                          due=local(2026, 2, 20))])  # fmt: skip
    tally.store_month(world.town, dt.date(2026, 2, 1), now=local(2026, 3, 5, 10))
    # Done late, after February was stored and before March was.
    CaseStep.objects.filter(case=february).update(state=S.DONE, finished_at=local(2026, 3, 10, 9))
    tally.store_month(world.town, dt.date(2026, 3, 1), now=NOW)
    ledger = tally.Ledger.load(world.town)
    assert len(tally._runs(sorted(ledger.months), ledger)) == 2

    quarter = Period.quarter(2026, 1)
    assert _figures(world.town, quarter)["figures"]["overdue_steps"] == 3  # February's and March's two
    assert _figures(world.town, quarter) == _from_rows(world.town, quarter)


def test_months_stored_together_are_one_run(world, town_office):
    ConsultationFactory(town=world.town, people=1, recorded_at=local(2025, 1, 5, 9), recorded_by=town_office)
    tally.store(world.town, now=NOW)
    ledger = tally.Ledger.load(world.town)
    assert len(ledger.months) == 15  # January 2025 to March 2026
    assert tally._runs(sorted(ledger.months), ledger) == [
        (dt.date(2025, 1, 1), dt.date(2026, 3, 1), ledger.months[dt.date(2026, 3, 1)])
    ]


def test_a_month_stored_under_other_definitions_is_counted_from_its_rows_until_stored_again(world):
    """A figure added (代办件数) or a definition changed: the months stored before are not read, or they would lack
    it; `stats_store` stores them again."""
    tally.store(world.town, now=NOW)
    StoredMonth.objects.filter(town=world.town).update(definitions="before-proxied")
    MonthFigure.objects.filter(town=world.town, figure="received", dimension="").update(value=99)

    assert _figures(world.town)["figures"]["received"] == 3  # the rows, not the old store's 99
    assert tally.Ledger.load(world.town).months == {}
    assert tally.store(world.town, now=NOW) == [dt.date(2026, 3, 1)]
    assert StoredMonth.objects.get(town=world.town).definitions == tally.DEFINITIONS
    assert _figures(world.town) == _from_rows(world.town)


def test_the_times_to_complete_of_stored_months_are_read_and_give_the_same_median(world):
    from_rows = _figures(world.town)["figures"]
    tally.store(world.town, now=NOW)
    stored = MonthDurations.objects.get(town=world.town, month=dt.date(2026, 3, 1)).seconds
    assert stored == [6 * 3600, 15 * 86400]  # on_time 09:00→15:00, late 10 March → 25 March (both 09:00)
    MonthDurations.objects.filter(town=world.town).update(packed=pack_seconds([3600, 3600]))  # what is now read
    assert _figures(world.town)["figures"]["median_hours"] == 1.0

    MonthDurations.objects.filter(town=world.town).delete()  # a month stored before its times were kept
    assert {key: _figures(world.town)["figures"][key] for key in ("median_hours", "p90_hours")} == {
        "median_hours": from_rows["median_hours"],
        "p90_hours": from_rows["p90_hours"],
    }
