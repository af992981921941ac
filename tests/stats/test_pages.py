"""The town office's pages (issue 5, points 2, 5, 6 and 8): monthly statistics in the admin, the oversight list, the
statistics API, and query counts that do not grow with the number of cases."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cases.models import Case, CaseEvent, CaseStep, Matter, MediationOutcome
from stats.periods import Period
from stats.queries import DEFINITIONS
from tests.factories import (
    ConsultationFactory,
    DutyShiftFactory,
    MarketDayFactory,
    MatterFactory,
    TownFactory,
    UserFactory,
    VillageFactory,
)
from tests.stats.conftest import add_event, desk_step, local, make_case, mar, rate, rectify, village_step

NOW = local(2026, 4, 15, 10)  # a Wednesday
CODE = "451425102"
STATS = reverse("admin:stats")
OVERSIGHT = reverse("admin:oversight")
API = reverse("api_stats_monthly")


@pytest.fixture
def now(freeze):
    return freeze(NOW)


def _login_redirect(response, url) -> bool:
    return response.status_code == 302 and response["Location"].startswith(f"{reverse('admin:login')}?next={url}")


# --- /admin/stats/ -----------------------------------------------------------------------------------------------


def test_town_office_sees_the_month_with_every_definition(client_for, town_office, now):
    response = client_for(town_office).get(STATS, {"town": CODE, "month": "2026-03"})

    assert response.status_code == 200
    assert response.context["period"] == Period.month(2026, 3)
    content = response.content.decode()
    for key, definition in DEFINITIONS.items():
        assert escape(str(definition)) in content, key
    assert reverse("admin:stats_xlsx") in content
    assert reverse("admin:stats_csv") in content


def test_supervisor_reads_the_statistics(client_for, supervisor, now):
    client = client_for(supervisor)

    assert client.get(STATS, {"month": "2026-03"}).status_code == 200
    assert client.get(reverse("admin:stats_xlsx"), {"month": "2026-03"}).status_code == 200
    assert client.get(reverse("admin:stats_csv"), {"month": "2026-03"}).status_code == 200


@pytest.mark.parametrize("url", [STATS, reverse("admin:stats_xlsx"), OVERSIGHT])
def test_statistics_pages_are_read_only(client_for, supervisor, town_office, url, now):
    for user in (supervisor, town_office):
        assert client_for(user).post(url, {"month": "2026-03"}).status_code == 405


@pytest.mark.parametrize("who", ["cadre", "clerk", "county_officer", "no_role_user"])
@pytest.mark.parametrize("url", [STATS, reverse("admin:stats_xlsx"), reverse("admin:stats_csv"), OVERSIGHT])
def test_hall_staff_without_the_admin_are_sent_to_the_admin_login(request, client_for, who, url):
    response = client_for(request.getfixturevalue(who)).get(url)

    assert _login_redirect(response, url)


def test_anonymous_is_sent_to_the_admin_login(client):
    assert _login_redirect(client.get(STATS), STATS)


def test_staff_user_without_a_town_is_refused(client_for, db):
    lost = UserFactory(is_staff=True)

    assert client_for(lost).get(STATS).status_code == 403


def test_office_of_one_town_cannot_read_another_towns_month(client_for, town_office):
    elsewhere = TownFactory(name="向都镇")

    response = client_for(town_office).get(STATS, {"town": elsewhere.code, "month": "2026-03"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("month", "previous", "following"),
    [("2026-03", "2026-02", "2026-04"), ("2026-01", "2025-12", "2026-02"), ("2025-12", "2025-11", "2026-01")],
)
def test_month_navigation_links_to_the_months_before_and_after(client_for, town_office, month, previous, following):
    response = client_for(town_office).get(STATS, {"town": CODE, "month": month})

    content = response.content.decode()
    assert f'href="?town={CODE}&amp;period={previous}"' in content
    assert f'href="?town={CODE}&amp;period={following}"' in content
    assert [row["month"] for row in response.context["report"]["series"]][-1] == month


@pytest.mark.parametrize("month", ["2026-13", "March", "2026/03", "", "2026-00", "99999-01"])
def test_bad_month_parameter_falls_back_to_the_current_month(client_for, town_office, now, month):
    response = client_for(town_office).get(STATS, {"town": CODE, "month": month})

    assert response.status_code == 200
    assert response.context["period"] == Period.month(2026, 4)
    assert response.context["report"]["month"] == "2026-04"
    if month:  # a month that cannot be read says so, in Chinese
        assert any("月" in str(m) or "日期" in str(m) for m in response.context["messages"])


def test_stats_page_lists_the_charts_thirteen_months(client_for, town_office, town, village, department, now):
    matter = MatterFactory(town=town, needs_village_certificate=False)
    make_case(
        matter=matter,
        village=village,
        received_at=mar(3, 9),
        state=Case.State.COMPLETED,
        closed_at=mar(3, 10),
        steps=[desk_step(department, started=mar(3, 9), due=mar(4), finished=mar(3, 10))],
    )

    response = client_for(town_office).get(STATS, {"town": CODE, "month": "2026-03"})

    chart = response.context["volume_chart"]
    assert len(chart["labels"]) == 13
    assert [(b["month"], b["key"], b["value"]) for b in chart["bars"] if b["value"]] == [
        ("2026-03", "received", 1),
        ("2026-03", "completed", 1),
    ]
    assert "<svg" in response.content.decode()


# --- /admin/oversight/ -------------------------------------------------------------------------------------------


@pytest.fixture
def oversight_cases(town, village, department, other_department, cadre, clerk, now):
    matter = MatterFactory(town=town, name="城乡医疗救助证明", code="ov-medical")

    def case(received, *steps, state=Case.State.IN_PROGRESS, **kwargs):
        return make_case(matter=matter, village=village, received_at=received, state=state, steps=list(steps), **kwargs)

    done_village = village_step(started=mar(2, 9), due=mar(3), finished=mar(2, 9, 30))
    cases = {
        # 民政办 should have finished by the end of 10 April
        "overdue": case(
            local(2026, 4, 8, 9),
            village_step(started=local(2026, 4, 8, 9), due=local(2026, 4, 9), finished=local(2026, 4, 8, 9, 30)),
            desk_step(department, state="active", started=local(2026, 4, 8, 9, 30), due=local(2026, 4, 11)),
        ),
        # waiting at 民政办 since 2 March: the longest wait of all; its clock is stopped, so it is not overdue
        "longest": case(
            mar(2, 9),
            done_village,
            desk_step(department, state="active", started=mar(2, 9, 30), due=mar(4)),
            state=Case.State.AWAITING,
            paused_at=mar(3, 9),
        ),
        # sent back twice from 党政办 to 民政办, now at 民政办 again (not yet due)
        "returned": case(
            local(2026, 4, 13, 9),
            village_step(started=local(2026, 4, 13, 9), due=local(2026, 4, 14), finished=local(2026, 4, 13, 9, 5)),
            desk_step(department, state="active", started=local(2026, 4, 14, 9), due=local(2026, 4, 20)),
            desk_step(other_department, state="returned", return_count=2),
        ),
        "late_evening": case(
            local(2026, 4, 14, 9),
            village_step(state="active", started=local(2026, 4, 14, 9), due=local(2026, 4, 20)),
        ),
        "sunday": case(
            local(2026, 4, 14, 10),
            village_step(state="active", started=local(2026, 4, 14, 10), due=local(2026, 4, 20)),
        ),
        "ordinary": case(
            local(2026, 4, 14, 11),
            village_step(state="active", started=local(2026, 4, 14, 11), due=local(2026, 4, 20)),
        ),
    }
    returned = cases["returned"]
    for at in (local(2026, 4, 13, 15), local(2026, 4, 14, 9)):
        add_event(returned, action=CaseEvent.Action.RETURNED, at=at, actor=clerk)
    add_event(cases["overdue"], action=CaseEvent.Action.RETURNED, at=local(2026, 4, 8, 11), actor=clerk)  # once only
    add_event(cases["late_evening"], action=CaseEvent.Action.STAMPED, at=local(2026, 4, 7, 22), actor=cadre)
    add_event(cases["sunday"], action=CaseEvent.Action.STAMPED, at=local(2026, 4, 12, 10), actor=cadre)
    for at in (local(2026, 4, 14, 8), local(2026, 4, 14, 17, 59, 59)):  # within working hours on a Tuesday
        add_event(cases["ordinary"], action=CaseEvent.Action.ACCEPTED, at=at, actor=clerk)
    add_event(cases["ordinary"], action=CaseEvent.Action.ACCEPTED, at=local(2026, 4, 14, 23), actor=None)  # system
    add_event(cases["ordinary"], action=CaseEvent.Action.ACCEPTED, at=local(2025, 12, 1, 23), actor=clerk)  # >90 d
    return cases


def _sections(content: str) -> dict[str, str]:
    """The oversight page's four tables, in order: overdue, bounced, odd hours, longest."""
    parts = content.split("<h2>")[1:]
    assert len(parts) == 5
    return dict(zip(("overdue", "bounced", "odd_hours", "longest", "rectifications"), parts, strict=True))


def _linked(section: str) -> set[str]:
    return set(re.findall(r'href="/cases/([^/"]+)/"', section))


@pytest.mark.parametrize("who", ["town_office", "supervisor"])
def test_oversight_lists_slow_bounced_and_odd_hour_cases_with_links(request, client_for, oversight_cases, who):
    response = client_for(request.getfixturevalue(who)).get(OVERSIGHT)

    assert response.status_code == 200
    numbers = {name: case.number for name, case in oversight_cases.items()}
    sections = _sections(response.content.decode())
    assert _linked(sections["overdue"]) == {numbers["overdue"]}
    assert _linked(sections["bounced"]) == {numbers["returned"]}
    assert _linked(sections["odd_hours"]) == {numbers["late_evening"], numbers["sunday"]}
    longest = response.context["longest"]
    assert longest[0].case.number == numbers["longest"]
    assert f'href="/cases/{numbers["longest"]}/"' in sections["longest"]
    bounced = response.context["bounced"]
    assert [(row["case__number"], row["returned"], row["rejected"]) for row in bounced] == [(numbers["returned"], 2, 0)]


def test_oversight_marks_times_in_local_time(client_for, town_office, oversight_cases):
    response = client_for(town_office).get(OVERSIGHT)

    times = sorted(event.at for event in response.context["odd_hours"])
    assert times == [local(2026, 4, 7, 22), local(2026, 4, 12, 10)]
    assert "2026-04-07" in _sections(response.content.decode())["odd_hours"]


def test_oversight_shows_no_other_towns_cases(client_for, town_office, oversight_cases, now):
    elsewhere = TownFactory(name="向都镇")
    x_village = VillageFactory(town=elsewhere)
    x_matter = MatterFactory(town=elsewhere, needs_village_certificate=True)
    x_case = make_case(
        matter=x_matter,
        village=x_village,
        received_at=mar(2, 9),
        state=Case.State.RECEIVED,
        steps=[village_step(state="active", started=mar(2, 9), due=mar(3))],
    )
    add_event(x_case, action=CaseEvent.Action.STAMPED, at=local(2026, 4, 12, 23), actor=UserFactory())

    content = client_for(town_office).get(OVERSIGHT).content.decode()

    assert x_case.number not in content


# --- the API ------------------------------------------------------------------------------------------------------


def test_api_needs_a_login(client, town):
    response = client.get(API, {"town": CODE, "month": "2026-03"})

    assert response.status_code == 401
    assert response.json() == {"error": "authentication_required"}


@pytest.mark.parametrize("who", ["cadre", "clerk", "county_officer", "no_role_user"])
def test_api_refuses_staff_without_the_town(request, client_for, town, who):
    response = client_for(request.getfixturevalue(who)).get(API, {"town": CODE, "month": "2026-03"})

    assert response.status_code == 403


@pytest.mark.parametrize("who", ["town_office", "supervisor", "superuser"])
def test_api_gives_figures_and_definitions(request, client_for, who, town, village, department, now):
    matter = MatterFactory(town=town, needs_village_certificate=False)
    case = make_case(
        matter=matter,
        village=village,
        received_at=mar(3, 9),
        state=Case.State.COMPLETED,
        closed_at=mar(3, 11),
        steps=[desk_step(department, started=mar(3, 9), due=mar(4), finished=mar(3, 11))],
    )
    rate(case, 4, mar(3, 12))

    response = client_for(request.getfixturevalue(who)).get(API, {"town": CODE, "month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["month"] == "2026-03"
    assert data["town"] == {"code": CODE, "name": "进结镇", "government": "天等县进结镇人民政府"}
    assert (data["figures"]["received"], data["figures"]["completed"], data["figures"]["median_hours"]) == (1, 1, 2.0)
    assert data["figures"]["satisfaction_rate"] == 100.0
    assert data["definitions"] == {key: str(text) for key, text in DEFINITIONS.items()}
    assert set(data) >= {"headline", "by_village", "by_department", "by_matter", "attendance", "series", "totals"}
    assert data["generated_at"].startswith("2026-04-15T10:00:00")
    # no personal data in the statistics
    assert case.applicant_name not in response.content.decode()
    assert case.applicant_phone not in response.content.decode()


def test_api_unknown_town_is_404(client_for, town_office):
    response = client_for(town_office).get(API, {"town": "999999999", "month": "2026-03"})

    assert response.status_code == 404


def test_api_another_towns_figures_are_forbidden(client_for, town_office):
    elsewhere = TownFactory(name="向都镇")

    assert client_for(town_office).get(API, {"town": elsewhere.code, "month": "2026-03"}).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "2026/03", "March", "", None])
def test_api_bad_month_is_400(client_for, town_office, month):
    params = {"town": CODE} if month is None else {"town": CODE, "month": month}

    response = client_for(town_office).get(API, params)

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_api_is_get_only(client_for, town_office):
    assert client_for(town_office).post(API, {"town": CODE, "month": "2026-03"}).status_code == 405


# --- query counts do not grow with the cases --------------------------------------------------------------------


def _add_month_of_cases(*, town, count: int, start: int = 0):
    """`count` cases of March 2026 of every kind, spread over several villages, desks and matters."""
    villages = list(town.villages.order_by("desk_order")) or [VillageFactory(town=town)]
    departments = list(town.departments.order_by("desk_order"))
    matters = [
        MatterFactory(town=town, category=category, code=f"qc-{category}-{start}")
        for category in (Matter.Category.CERTIFICATE, Matter.Category.DISPUTE)
    ]
    user = UserFactory()
    for i in range(start, start + count):
        village = villages[i % len(villages)]
        department = departments[i % len(departments)]
        matter = matters[i % 2]
        day = 2 + i % 25
        received = mar(day, 9)
        kind = i % 4
        if kind == 0:
            case = make_case(
                matter=matter,
                village=village,
                received_at=received,
                state=Case.State.COMPLETED,
                closed_at=mar(day, 11),
                mediation_outcome=MediationOutcome.SUCCESS if matter.category == Matter.Category.DISPUTE else "",
                steps=[
                    village_step(started=received, due=mar(day + 1), finished=mar(day, 10)),
                    desk_step(department, started=mar(day, 10), due=mar(day, 10, 30), finished=mar(day, 11)),
                ],
            )
            rating = rate(case, 1 + i % 5, mar(day, 12))
            if rating.is_bad:
                rectify(rating, department=department, opened=mar(day, 12), due=mar(day + 3))
        elif kind == 1:
            case = make_case(
                matter=matter,
                village=village,
                received_at=received,
                state=Case.State.IN_PROGRESS,
                steps=[
                    village_step(started=received, due=mar(day + 1), finished=mar(day, 10)),
                    desk_step(department, state=CaseStep.State.ACTIVE, started=mar(day, 10), due=mar(day + 1)),
                ],
            )
        elif kind == 2:
            case = make_case(
                matter=matter,
                village=village,
                received_at=received,
                state=Case.State.REJECTED,
                closed_at=mar(day, 10),
                steps=[village_step(started=received, due=mar(day + 1), finished=mar(day, 10))],
            )
            rate(case, 3, mar(day, 11))
        else:
            case = make_case(
                matter=matter,
                village=village,
                received_at=received,
                state=Case.State.RECEIVED,
                steps=[village_step(state=CaseStep.State.ACTIVE, started=received, due=mar(day + 1))],
            )
        add_event(case, action=CaseEvent.Action.RETURNED, at=mar(day, 22), actor=user)
        add_event(case, action=CaseEvent.Action.RETURNED, at=mar(day, 23), actor=user)
        ConsultationFactory(town=town, village=village, people=1 + i % 3, recorded_at=mar(day, 9), recorded_by=user)
        market_day = MarketDayFactory(town=town, date=mar(day).date()) if i < 25 else None
        if market_day is not None:
            DutyShiftFactory(market_day=market_day, village=village, signed_in_at=mar(day, 8 + i % 3))


@pytest.fixture
def busy_town(town, village, other_village, department, other_department):
    return town


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (STATS, {"town": CODE, "month": "2026-03"}),
        (OVERSIGHT, {}),
        (API, {"town": CODE, "month": "2026-03"}),
        (reverse("admin:stats_xlsx"), {"town": CODE, "month": "2026-03"}),
    ],
)
def test_query_count_is_the_same_for_one_case_and_forty(
    client_for, town_office, busy_town, url, params, django_assert_num_queries, freeze
):
    freeze(local(2026, 4, 1, 10))
    _add_month_of_cases(town=busy_town, count=1)
    client = client_for(town_office)
    client.get(url, params)  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as one_case:
        first = client.get(url, params)
    assert first.status_code == 200

    _add_month_of_cases(town=busy_town, count=39, start=1)
    assert Case.objects.count() == 40

    with django_assert_num_queries(len(one_case.captured_queries)):
        response = client.get(url, params)
    assert response.status_code == 200


def test_query_count_test_sees_the_forty_cases(client_for, town_office, busy_town, freeze):
    """The forty cases really are in the month the page shows (so the query count above compares like with like)."""
    freeze(local(2026, 4, 1, 10))
    _add_month_of_cases(town=busy_town, count=40)

    response = client_for(town_office).get(STATS, {"town": CODE, "month": "2026-03"})

    figures = response.context["report"]["figures"]
    assert figures["received"] == 40
    assert figures["completed"] == 10
    assert figures["rejected"] == 10
    attendance = response.context["report"]["attendance"]["by_village"]
    assert len(attendance["rows"]) == 2
    # 25 market days expect both villages (50 desks); one village signed in to each
    assert (attendance["total"]["expected"], attendance["total"]["attended"]) == (50, 25)
    overdue = client_for(town_office).get(OVERSIGHT).context
    assert len(overdue["bounced"]) == 40


# --- any period (issue 11 point 2) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "param", "title"),
    [
        ({"quarter": "2026-Q1"}, "2026-Q1", "2026年第一季度"),
        ({"year": "2025"}, "2025", "2025年"),
        ({"from": "2026-03-02", "to": "2026-03-08"}, "2026-03-02..2026-03-08", "2026年3月2日至2026年3月8日"),
        ({"period": "2026-Q1"}, "2026-Q1", "2026年第一季度"),
    ],
)
def test_the_report_covers_a_quarter_a_year_or_a_range(client_for, town_office, now, params, param, title):
    response = client_for(town_office).get(STATS, {"town": CODE, **params})

    assert response.status_code == 200
    assert response.context["period"].param == param
    assert f"进结镇“村事镇办”便民服务站{title}工作情况统计表" in response.content.decode()
    assert reverse("admin:stats_xlsx") + f"?town={CODE}&amp;period={param.replace('..', '..')}" in (
        response.content.decode()
    )


def test_a_range_that_ends_before_it_starts_says_so_and_shows_the_month(client_for, town_office, now):
    response = client_for(town_office).get(STATS, {"town": CODE, "from": "2026-03-08", "to": "2026-03-02"})

    assert response.status_code == 200
    assert response.context["period"] == Period.month(2026, 4)
    assert len(list(response.context["messages"])) == 1


def test_api_takes_a_period_and_refuses_a_year_as_a_month(client_for, town_office, now):
    client = client_for(town_office)

    response = client.get(API, {"town": CODE, "period": "2026-Q1"})
    assert response.status_code == 200
    assert response.json()["period"]["label"] == "2026年第一季度"
    assert client.get(API, {"town": CODE, "month": "2026"}).status_code == 400
