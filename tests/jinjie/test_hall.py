"""The hall board on the TV, the market-day API and the home page's next market days (issue 4, points 5 and 6)."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from tests.factories import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    DepartmentFactory,
    DutyShiftFactory,
    MarketDayFactory,
    VillageCadreFactory,
    VillageFactory,
    complete,
    open_case,
    stamp,
)
from tests.villages.clock import DAY, at

pytestmark = pytest.mark.django_db

HALL = "/hall/"
API = "/api/v1/market-days"
# Nobody is called this: if it shows up on a public page, applicant data leaked.
DISTINCTIVE_NAME = "覃美玲珑"


@pytest.fixture
def hall_day(town, time_machine):
    """It is 10:30 on market day DAY; every clock in the system says so."""
    time_machine.move_to(at(10, 30), tick=False)
    return MarketDayFactory(town=town, date=DAY)


def on_duty(market_day, village, cadre, *, signed_in=None, signed_out=None):
    return DutyShiftFactory(
        market_day=market_day, village=village, cadre=cadre, signed_in_at=signed_in, signed_out_at=signed_out
    )


# --- on a market day ---------------------------------------------------------------------------------------------


def test_board_lists_every_village_desk_with_its_cadre_and_state(
    client, hall_day, town, village, other_village, cadre, other_cadre
):
    third = VillageFactory(town=town, name="高州村", desk_order=other_village.desk_order + 1)
    on_duty(hall_day, village, cadre, signed_in=at(8, 50))
    on_duty(hall_day, other_village, other_cadre, signed_in=at(8, 40), signed_out=at(10, 0))

    response = client.get(HALL)

    assert response.status_code == 200
    desks = response.context["desks"]
    assert [d["village"] for d in desks] == [village, other_village, third]
    assert desks[2]["shift"] is None
    content = response.content.decode()
    for name in ("爱乐村", "印勇村", "高州村", "韦丽华", "黄秀英"):
        assert name in content
    assert content.count("board-desk is-in") == 1
    assert content.count("board-desk is-out") == 1
    assert content.count("board-desk is-empty") == 1
    assert _("At the desk") in content
    assert _("Signed out") in content
    assert _("Not signed in") in content


def test_board_shows_the_stand_in_not_the_absent_cadre(client, hall_day, village, cadre):
    stand_in = VillageCadreFactory(village=village, user__name="农志强").user
    DutyShiftFactory(market_day=hall_day, village=village, cadre=cadre, substitute=stand_in, signed_in_at=at(9, 5))

    content = client.get(HALL).content.decode()

    assert "农志强" in content
    assert "韦丽华" not in content


def test_board_counts_cases_waiting_at_each_department_desk_and_received_and_completed_today(
    client, hall_day, village, cadre, clerk, department, other_department, referral_matter, desk_matter
):
    for _n in range(2):
        stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)  # now at 民政办
    open_case(actor=cadre, matter=referral_matter, village=village)  # still at the village desk
    complete(open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department), clerk)
    empty_desk = DepartmentFactory(town=department.town, name="供电所", desk_label="供电")

    response = client.get(HALL)

    waiting = {row["department"]: row["waiting"] for row in response.context["departments"]}
    assert waiting == {department: 2, other_department: 0, empty_desk: 0}
    assert (response.context["received_today"], response.context["completed_today"]) == (4, 1)
    content = response.content.decode()
    assert "民政" in content
    assert "供电" in content


def test_cases_of_yesterday_are_not_counted_as_today(client, hall_day, village, cadre, clerk, department, desk_matter):
    with time_machine.travel(at(23, 59, day=DAY - dt.timedelta(days=1)), tick=False):
        complete(open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department), clerk)

    response = client.get(HALL)

    assert (response.context["received_today"], response.context["completed_today"]) == (0, 0)


def test_board_shows_no_applicant_data(client, hall_day, village, cadre, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, name=DISTINCTIVE_NAME)
    stamp(case, cadre)

    content = client.get(HALL).content.decode()
    partial = client.get(HALL, headers={"HX-Request": "true"}).content.decode()

    for page in (content, partial):
        assert DISTINCTIVE_NAME not in page
        assert DISTINCTIVE_NAME[0] + "*" not in page
        assert APPLICANT_ID not in page
        assert APPLICANT_ID[-4:] not in page
        assert APPLICANT_PHONE not in page


def test_board_refreshes_itself_and_htmx_gets_only_the_partial(client, hall_day, village, cadre):
    on_duty(hall_day, village, cadre, signed_in=at(8, 50))

    full = client.get(HALL)
    partial = client.get(HALL, headers={"HX-Request": "true"})

    assert "jinjie/hall.html" in [t.name for t in full.templates]
    assert 'hx-get="/hall/"' in full.content.decode()
    assert "every 30s" in full.content.decode()
    assert partial.status_code == 200
    assert "jinjie/hall.html" not in [t.name for t in partial.templates]
    assert "jinjie/_hall_board.html" in [t.name for t in partial.templates]
    assert "<html" not in partial.content.decode()
    assert "韦丽华" in partial.content.decode()


def test_board_queries_do_not_grow_with_villages_desks_and_cases(
    client,
    hall_day,
    town,
    village,
    cadre,
    clerk,
    department,
    referral_matter,
    desk_matter,
    django_assert_num_queries,
):
    on_duty(hall_day, village, cadre, signed_in=at(8, 50))
    stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)
    client.get(HALL)
    cache.clear()  # the page's own cost, not the public cache's copy (jinjie/public_cache.py)
    with CaptureQueriesContext(connection) as one_village:
        assert client.get(HALL).status_code == 200

    for n in range(12):
        extra = VillageFactory(town=town, name=f"样本{n}村")
        extra_cadre = VillageCadreFactory(village=extra).user
        stand_in = VillageCadreFactory(village=extra).user
        DutyShiftFactory(
            market_day=hall_day,
            village=extra,
            cadre=extra_cadre,
            substitute=stand_in if n % 2 else None,
            signed_in_at=at(8, 30),
            signed_out_at=at(10) if n % 3 == 0 else None,
        )
        DepartmentFactory(town=town)
        stamp(open_case(actor=extra_cadre, matter=referral_matter, village=extra), extra_cadre)
        complete(open_case(actor=clerk, matter=desk_matter, village=extra, intake_department=department), clerk)

    cache.clear()
    with django_assert_num_queries(len(one_village)):
        response = client.get(HALL)
    assert len(response.context["desks"]) == 13
    assert response.context["completed_today"] == 12


def test_board_counts_read_only_the_rows_of_now(client, hall_day, village, cadre, referral_matter):
    """Today's numbers with today's range in the WHERE (two case indexes), the waiting numbers from the town's active
    steps: never a count that filters the town's whole history row by row (173 ms at 10,000,000 cases)."""
    stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HALL).status_code == 200

    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
    today = next(sql for sql in counts if '"cases_case"' in sql.split(" FROM ")[1])
    assert '"received_at" >=' in today.split(" WHERE ", 1)[1] and '"closed_at" >=' in today.split(" WHERE ", 1)[1]
    waiting = next(sql for sql in queries.captured_queries if 'FROM "cases_casestep"' in sql["sql"])["sql"]
    assert '"cases_casestep"."town_id" =' in waiting and "JOIN" not in waiting


# --- on other days -----------------------------------------------------------------------------------------------


def test_on_other_days_the_board_shows_the_next_market_days(client, town, time_machine):
    time_machine.move_to(at(10, day=DAY - dt.timedelta(days=1)), tick=False)
    MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3))
    MarketDayFactory(town=town, date=DAY)
    MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3), is_cancelled=True, note="台风")
    MarketDayFactory(town=town, date=DAY + dt.timedelta(days=6))

    response = client.get(HALL)

    assert response.context["market_day"] is None
    assert [d.date for d in response.context["next_days"]] == [DAY, DAY + dt.timedelta(days=6)]
    content = response.content.decode()
    assert _("Today is not a market day.") in content
    assert "7月25日" in content
    assert "7月28日" not in content
    assert "desks" not in response.context


def test_a_cancelled_market_day_is_not_a_market_day_on_the_board(client, hall_day):
    hall_day.is_cancelled = True
    hall_day.save()

    response = client.get(HALL)

    assert response.context["market_day"] is None
    assert _("Today is not a market day.") in response.content.decode()


def test_board_without_any_town_is_404(client, db):
    assert client.get(HALL).status_code == 404


# --- the market-day API ------------------------------------------------------------------------------------------


@pytest.fixture
def july(town, village, cadre):
    days = [MarketDayFactory(town=town, date=dt.date(2025, 7, d)) for d in (1, 4, 7)]
    days[1].is_cancelled = True
    days[1].note = "暴雨"
    days[1].source = "manual"
    days[1].save()
    MarketDayFactory(town=town, date=dt.date(2025, 8, 1))
    on_duty(days[0], village, cadre, signed_in=at(8, 50, day=days[0].date))
    return days


def test_api_lists_the_market_days_in_the_range_with_the_cancelled_flag(client, town, july):
    response = client.get(API, {"town": town.code, "from": "2025-07-01", "to": "2025-07-31"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["town"] == {"code": town.code, "name": "进结镇"}
    assert (data["from"], data["to"]) == ("2025-07-01", "2025-07-31")
    assert data["market_days"] == [
        {"date": "2025-07-01", "cancelled": False, "note": ""},
        {"date": "2025-07-04", "cancelled": True, "note": "暴雨"},
        {"date": "2025-07-07", "cancelled": False, "note": ""},
    ]


def test_api_range_bounds_are_inclusive(client, town, july):
    data = client.get(API, {"town": town.code, "from": "2025-07-04", "to": "2025-07-07"}).json()

    assert [d["date"] for d in data["market_days"]] == ["2025-07-04", "2025-07-07"]


def test_api_defaults_to_the_coming_thirty_days(client, town, july, time_machine):
    time_machine.move_to(at(10, day=dt.date(2025, 7, 5)), tick=False)

    data = client.get(API, {"town": town.code}).json()

    assert (data["from"], data["to"]) == ("2025-07-05", "2025-08-04")
    assert [d["date"] for d in data["market_days"]] == ["2025-07-07", "2025-08-01"]


def test_api_gives_no_personal_data(client, town, july, cadre, village, referral_matter):
    open_case(actor=cadre, matter=referral_matter, village=village, name=DISTINCTIVE_NAME)

    response = client.get(API, {"town": town.code, "from": "2025-07-01", "to": "2025-07-31"})

    text = response.content.decode()
    assert set(response.json()) == {"town", "from", "to", "market_days"}
    assert {key for day in response.json()["market_days"] for key in day} == {"date", "cancelled", "note"}
    for secret in ("韦丽华", cadre.phone, DISTINCTIVE_NAME, APPLICANT_PHONE, APPLICANT_ID):
        assert secret not in text


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-07-01", "to": "2025-07-31"},
        {"town": "451425102", "from": "2025-07-31", "to": "2025-07-01"},
        {"town": "451425102", "from": "2025-01-01", "to": "2026-01-03"},
        {"town": "451425102", "from": "2025-13-01"},
        {"town": "451425102", "to": "tomorrow"},
    ],
    ids=["no-town", "to-before-from", "more-than-a-year", "bad-month", "not-a-date"],
)
def test_api_refuses_a_bad_query_with_400(client, town, july, params):
    response = client.get(API, params)

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_api_of_an_unknown_town_is_404(client, town):
    response = client.get(API, {"town": "999999999", "from": "2025-07-01", "to": "2025-07-31"})

    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "not_found"}


def test_api_takes_no_post(client, town):
    assert client.post(API, {"town": town.code}).status_code == 405


# --- the public home page ----------------------------------------------------------------------------------------


def test_home_shows_the_next_market_days(client, town, time_machine):
    time_machine.move_to(at(10, day=DAY), tick=False)
    MarketDayFactory(town=town, date=DAY - dt.timedelta(days=3))
    coming = [MarketDayFactory(town=town, date=DAY + dt.timedelta(days=3 * n)) for n in range(8)]
    coming[1].is_cancelled = True
    coming[1].save()

    response = client.get("/")

    expected = [coming[0], *coming[2:7]]
    assert response.context["next_days"] == expected
    content = response.content.decode()
    assert "7月25日" in content  # today is one of them
    assert "7月22日" not in content
    assert "7月28日" not in content
    last = expected[-1].date
    assert f"{last.month}月{last.day}日" in content  # no leading zeros (GB/T 9704)


def test_home_says_when_no_market_days_are_planned(client, town):
    response = client.get("/")

    assert response.context["next_days"] == []
    assert _("The market days are not yet planned.") in response.content.decode()
