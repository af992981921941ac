"""The oversight page knows the town's calendar (issue 11, point 6): an action is outside working hours before
08:00, from 18:00 or on a day the hall does not work — weekends and holidays are off, 调休 make-up days and the
town's market days are on — and every open rectification is listed, however old."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from cases.calendar import WORKING_DAY_RULE
from cases.models import Case, CaseEvent, Holiday
from tests.factories import HolidayFactory, MarketDayFactory, MatterFactory, TownFactory, UserFactory, VillageFactory
from tests.stats.conftest import add_event, local, make_case, rate, rectify, village_step

NOW = local(2026, 10, 20, 10)  # a Tuesday; the window of 90 days starts on 22 July
OVERSIGHT = reverse("admin:oversight")

SATURDAY_MARKET = local(2026, 10, 17, 10)
NATIONAL_DAY = local(2026, 10, 1, 10)  # a Thursday
MAKE_UP_SATURDAY = local(2026, 10, 10, 10)
EARLY_WEDNESDAY = local(2026, 10, 14, 7, 30)


@pytest.fixture
def now(db):
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def calendar(town):
    HolidayFactory(date=NATIONAL_DAY.date(), kind=Holiday.Kind.HOLIDAY, name="国庆节")
    HolidayFactory(date=MAKE_UP_SATURDAY.date(), kind=Holiday.Kind.WORKDAY, name="国庆节调休")
    MarketDayFactory(town=town, date=SATURDAY_MARKET.date())


SEPTEMBER_30 = local(2026, 9, 30, 9)


def _case(village, received=SEPTEMBER_30) -> Case:
    matter = MatterFactory(town=village.town)
    return make_case(
        matter=matter,
        village=village,
        received_at=received,
        state=Case.State.IN_PROGRESS,
        steps=[village_step(state="active", started=received, due=local(2026, 12, 31))],
    )


def _sections(content: str) -> dict[str, str]:
    parts = content.split("<h2>")[1:]
    return dict(zip(("overdue", "bounced", "odd_hours", "longest", "rectifications"), parts, strict=True))


def _odd_hours(client_for, user) -> list:
    return sorted(event.at for event in client_for(user).get(OVERSIGHT).context["odd_hours"])


@pytest.mark.parametrize(
    ("at", "listed"),
    [
        pytest.param(SATURDAY_MARKET, False, id="market-day-on-a-saturday-is-a-working-day"),
        pytest.param(NATIONAL_DAY, True, id="weekday-holiday-is-not-a-working-day"),
        pytest.param(MAKE_UP_SATURDAY, False, id="make-up-saturday-is-a-working-day"),
        pytest.param(EARLY_WEDNESDAY, True, id="before-eight-on-a-working-day"),
        pytest.param(local(2026, 10, 14, 18), True, id="from-six-on-a-working-day"),
        pytest.param(local(2026, 10, 14, 17, 59), False, id="within-hours-on-a-working-day"),
        pytest.param(local(2026, 10, 18, 10), True, id="plain-sunday"),
        pytest.param(local(2026, 10, 17, 7, 30), True, id="before-eight-on-a-market-day"),
    ],
)
def test_outside_working_hours_follows_the_towns_calendar(
    client_for, town_office, village, cadre, calendar, now, at, listed
):
    add_event(_case(village), action=CaseEvent.Action.STAMPED, at=at, actor=cadre)

    assert _odd_hours(client_for, town_office) == ([at] if listed else [])


def test_a_cancelled_market_day_on_a_saturday_is_not_a_working_day(client_for, town_office, town, village, cadre, now):
    MarketDayFactory(town=town, date=SATURDAY_MARKET.date(), is_cancelled=True)
    add_event(_case(village), action=CaseEvent.Action.STAMPED, at=SATURDAY_MARKET, actor=cadre)

    assert _odd_hours(client_for, town_office) == [SATURDAY_MARKET]


def test_a_market_day_kept_on_a_holiday_is_a_working_day(client_for, town_office, town, village, cadre, calendar, now):
    MarketDayFactory(town=town, date=NATIONAL_DAY.date())
    add_event(_case(village), action=CaseEvent.Action.STAMPED, at=NATIONAL_DAY, actor=cadre)

    assert _odd_hours(client_for, town_office) == []


def test_another_towns_market_day_does_not_make_a_working_day(client_for, town_office, village, cadre, now):
    MarketDayFactory(town=TownFactory(name="向都镇"), date=SATURDAY_MARKET.date())
    add_event(_case(village), action=CaseEvent.Action.STAMPED, at=SATURDAY_MARKET, actor=cadre)

    assert _odd_hours(client_for, town_office) == [SATURDAY_MARKET]


def test_another_towns_actions_are_not_shown(client_for, town_office, village, cadre, calendar, now):
    elsewhere = VillageFactory(town=TownFactory(name="向都镇"))
    mine = add_event(_case(village), action=CaseEvent.Action.STAMPED, at=NATIONAL_DAY, actor=cadre)
    theirs = _case(elsewhere)
    add_event(theirs, action=CaseEvent.Action.STAMPED, at=NATIONAL_DAY, actor=UserFactory())

    response = client_for(town_office).get(OVERSIGHT)

    assert [event.pk for event in response.context["odd_hours"]] == [mine.pk]
    assert theirs.number not in response.content.decode()


def test_the_page_states_the_rule(client_for, town_office, now):
    content = client_for(town_office).get(OVERSIGHT).content.decode()

    with translation.override("zh-hans"):
        assert escape(str(WORKING_DAY_RULE)) in _sections(content)["odd_hours"]


# --- open rectifications -----------------------------------------------------------------------------------------


def _rectification(village, department, *, opened, due, done=None):
    case = _case(village, received=opened)
    return rectify(rate(case, 1, opened), department=department, opened=opened, due=due, done=done)


def test_an_open_rectification_of_a_year_ago_is_listed_with_its_days_overdue(
    client_for, town_office, village, department, now
):
    old = _rectification(village, department, opened=local(2025, 10, 20, 10), due=local(2025, 11, 8))
    recent = _rectification(village, department, opened=local(2026, 10, 19, 10), due=local(2026, 11, 6))

    response = client_for(town_office).get(OVERSIGHT)

    listed = response.context["open_rectifications"]
    assert [r.pk for r in listed] == [old.pk, recent.pk]
    assert [r.days_overdue for r in listed] == [(NOW.date() - old.due_on).days, 0]
    assert response.context["open_rectifications_total"] == 2
    section = _sections(response.content.decode())["rectifications"]
    assert old.rating.case.number in section
    assert "2025年11月7日" in section  # due on the last day before the test's end-of-day due time


def test_a_done_rectification_is_not_listed(client_for, town_office, village, department, now):
    _rectification(
        village, department, opened=local(2025, 10, 20, 10), due=local(2025, 11, 8), done=local(2025, 11, 3, 10)
    )

    response = client_for(town_office).get(OVERSIGHT)

    assert response.context["open_rectifications"] == []
    assert response.context["open_rectifications_total"] == 0


def test_another_towns_rectification_is_not_listed(client_for, town_office, department, now):
    elsewhere = VillageFactory(town=TownFactory(name="向都镇"))
    theirs = _rectification(elsewhere, department, opened=local(2025, 10, 20, 10), due=local(2025, 11, 8))

    response = client_for(town_office).get(OVERSIGHT)

    assert response.context["open_rectifications"] == []
    assert theirs.rating.case.number not in response.content.decode()


# --- queries -----------------------------------------------------------------------------------------------------


def test_queries_do_not_grow_with_events_or_rectifications(
    client_for, town_office, village, department, cadre, calendar, now, django_assert_num_queries
):
    client = client_for(town_office)
    add_event(_case(village), action=CaseEvent.Action.STAMPED, at=NATIONAL_DAY, actor=cadre)
    _rectification(village, department, opened=local(2025, 10, 20, 10), due=local(2025, 11, 8))
    client.get(OVERSIGHT)  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(OVERSIGHT).context["odd_hours"]) == 1

    for day in range(1, 26):
        case = _case(village)
        add_event(case, action=CaseEvent.Action.STAMPED, at=local(2026, 9, day, 22), actor=cadre)
        add_event(case, action=CaseEvent.Action.STAMPED, at=local(2026, 9, day, 6), actor=cadre)
        _rectification(village, department, opened=local(2025, 10, day, 10), due=local(2025, 11, 20))

    with django_assert_num_queries(len(one)):
        response = client.get(OVERSIGHT)
    assert len(response.context["odd_hours"]) == 51
    assert response.context["open_rectifications_total"] == 26
