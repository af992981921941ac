"""Speed (issue 3, point 13): the desk, queue, one-stop view, tracking and appointment pages run the same number of
queries with 1 row and with 50 (STYLE.md: CaptureQueriesContext for the small set, then django_assert_num_queries)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Matter, Rating
from cases.views import DESK_WAITING_LIMIT, QUEUE_COUNTY_LIMIT, QUEUE_PAGE_SIZE
from tests.factories import HamletFactory, complete, open_case, reload, route_matter, stamp

pytestmark = pytest.mark.django_db

MANY = 50


@pytest.fixture(autouse=True)
def _every_request_renders(monkeypatch):
    """The pages' own queries: a request answered from a kept copy renders nothing (jinjie/kept_pages.py, whose own
    cost is tested in tests/jinjie/test_kept_pages.py), so no page is kept here."""
    monkeypatch.setattr("jinjie.kept_pages.PAGES", {})


def assert_same_queries(client, url: str, grow, django_assert_num_queries):
    """Count the queries of `url`, add rows with `grow()`, and require the same count again."""
    client.get(url)  # warm-up: nothing per-process (content types, translations) is counted below
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.status_code == 200
    grow()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    return response


def numbers_listed(response, cases) -> int:
    content = response.content.decode()
    return sum(case.number in content for case in cases)


# --- the village desk ----------------------------------------------------------------------------------------------


def test_desk_runs_constant_queries(client_for, cadre, clerk, village, referral_matter, django_assert_num_queries):
    hamlets = [HamletFactory(village=village, name=f"第{i}屯") for i in range(3)]
    made = [open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlets[0])]

    def grow():
        for i in range(MANY - 1):
            case = open_case(
                actor=cadre,
                matter=referral_matter,
                village=village,
                hamlet=hamlets[i % 3] if i % 4 else None,
                bring_all=i % 5 != 0,
                open_awaiting=i % 5 == 0,
            )
            if i % 3 == 1 and i % 5:
                stamp(case, cadre)
                if i % 2:
                    complete(case, clerk)
            made.append(case)

    response = assert_same_queries(client_for(cadre), "/desk/", grow, django_assert_num_queries)

    assert response.context["waiting_count"] > 30
    assert len(response.context["waiting"]) == DESK_WAITING_LIMIT
    assert len(response.context["recent"]) == 30


# --- the department queue ------------------------------------------------------------------------------------------


def test_queue_runs_constant_queries(
    client_for, cadre, clerk, other_clerk, village, referral_matter, appointment_matter, django_assert_num_queries
):
    def at_second(matter):
        case = open_case(actor=cadre, matter=matter, village=village)
        stamp(case, cadre)
        complete(case, clerk)
        return case

    def at_county(matter):
        case = at_second(matter)
        complete(case, other_clerk)
        return case

    desk = [at_second(referral_matter)]
    county = [at_county(referral_matter)]

    def grow():
        for i in range(MANY - 1):
            case = at_second(referral_matter)
            if i % 3 == 0:
                services.step_accept(actor=other_clerk, case_id=case.pk)
            if i % 7 == 0:
                services.case_request_materials(actor=other_clerk, case_id=case.pk, missing="诊断证明")
            desk.append(case)
        for i in range(MANY - 1):
            case = at_county(appointment_matter if i % 2 else referral_matter)
            if i % 4 == 1:
                services.appointment_book(
                    actor=other_clerk,
                    case_id=case.pk,
                    date=timezone.localdate() + dt.timedelta(days=i % 5),
                    time=dt.time(9, 30),
                    place="大厅",
                )
            county.append(case)

    response = assert_same_queries(client_for(other_clerk), "/queue/", grow, django_assert_num_queries)

    assert len(response.context["page"]) == QUEUE_PAGE_SIZE
    assert response.context["counts"]["total"] == MANY
    assert len(response.context["county_steps"]) == QUEUE_COUNTY_LIMIT
    assert response.context["county_count"] == MANY
    assert numbers_listed(response, desk) == QUEUE_PAGE_SIZE


def test_queue_page_two_runs_the_same_queries(client_for, cadre, clerk, village, referral_matter):
    for _ in range(QUEUE_PAGE_SIZE + 2):
        stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)
    client = client_for(clerk)
    client.get("/queue/")

    with CaptureQueriesContext(connection) as first:
        client.get("/queue/")
    with CaptureQueriesContext(connection) as second:
        response = client.get("/queue/?page=2")

    assert len(response.context["page"]) == 2
    assert len(second.captured_queries) == len(first.captured_queries)


# --- the one-stop view ---------------------------------------------------------------------------------------------


def test_case_view_runs_constant_queries_for_1_and_50_steps_and_events(
    client_for, town, cadre, clerk, village, department, django_assert_num_queries
):
    small_matter = route_matter(town=town, departments=[department], code="short")
    long_matter = route_matter(town=town, departments=[department] * MANY, code="long")
    small = open_case(actor=cadre, matter=small_matter, village=village)
    stamp(small, cadre)
    big = open_case(actor=cadre, matter=long_matter, village=village)
    stamp(big, cadre)
    for _ in range(MANY // 2):
        services.step_accept(actor=clerk, case_id=big.pk)
        complete(big, clerk)
    big = reload(big)
    assert big.steps.count() == MANY + 1
    assert CaseEvent.objects.filter(case=big).count() > MANY
    client = client_for(clerk)
    client.get(f"/cases/{small.number}/")

    with CaptureQueriesContext(connection) as one:
        response = client.get(f"/cases/{small.number}/")
    assert response.status_code == 200
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/cases/{big.number}/")

    assert response.status_code == 200
    assert len(response.context["case"].events.all()) > MANY


def test_case_view_with_appointments_runs_constant_queries(
    client_for, cadre, other_clerk, clerk, village, county_department, town_office, django_assert_num_queries
):
    matter = route_matter(
        town=village.town,
        departments=[],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
    )
    small = open_case(actor=cadre, matter=matter, village=village)
    stamp(small, cadre)
    services.appointment_book(actor=cadre, case_id=small.pk, date=timezone.localdate(), time=dt.time(9), place="厅")
    big = open_case(actor=cadre, matter=matter, village=village)
    stamp(big, cadre)
    for i in range(MANY // 2):
        appointment = services.appointment_book(
            actor=cadre, case_id=big.pk, date=timezone.localdate(), time=dt.time(9), place=f"厅{i}"
        )
        services.appointment_no_show(actor=cadre, appointment_id=appointment.pk)
    services.appointment_book(actor=cadre, case_id=big.pk, date=timezone.localdate(), time=dt.time(9), place="厅")
    client = client_for(town_office)
    client.get(f"/cases/{small.number}/")

    with CaptureQueriesContext(connection) as one:
        client.get(f"/cases/{small.number}/")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/cases/{big.number}/")

    assert len(response.context["case"].appointments.all()) == MANY // 2 + 1


# --- public tracking -----------------------------------------------------------------------------------------------


def test_public_page_runs_constant_queries_for_1_and_50_steps(
    client, town, cadre, clerk, village, department, django_assert_num_queries
):
    small = open_case(actor=cadre, matter=route_matter(town=town, departments=[department], code="s"), village=village)
    big = open_case(
        actor=cadre, matter=route_matter(town=town, departments=[department] * MANY, code="b"), village=village
    )
    for case in (small, big):
        stamp(case, cadre)
    for _ in range(MANY // 2):
        complete(big, clerk)
    client.get(f"/t/{small.token}/")
    cache.clear()  # the page's own queries, not those of its kept copy (jinjie/kept_pages.py)

    with CaptureQueriesContext(connection) as one:
        client.get(f"/t/{small.token}/")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/t/{big.token}/")

    assert len(response.context["data"]["steps"]) == MANY + 1


def test_public_page_runs_the_same_queries_for_open_referred_finished_and_rated_cases(
    client, town, cadre, clerk, other_clerk, village, referral_matter, django_assert_num_queries
):
    at_village = open_case(actor=cadre, matter=referral_matter, village=village)
    referred = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(referred, cadre)
    complete(referred, clerk)
    complete(referred, other_clerk)
    finished = open_case(actor=cadre, matter=referral_matter, village=village)
    services.case_reject(actor=cadre, case_id=finished.pk, reason="不符合条件")
    rated = open_case(actor=cadre, matter=referral_matter, village=village)
    services.case_reject(actor=cadre, case_id=rated.pk, reason="不符合条件")
    services.rating_submit(case_id=rated.pk, level=Rating.Level.SATISFIED, channel=Rating.Channel.QR)
    client.get(f"/t/{at_village.token}/")
    cache.clear()  # the page's own queries, not those of its kept copy (jinjie/kept_pages.py)

    with CaptureQueriesContext(connection) as one:
        client.get(f"/t/{at_village.token}/")
    for case in (referred, finished, rated):
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(f"/t/{case.token}/")
        assert response.status_code == 200
    assert reload(referred).current_step.kind == "county"


def test_tracking_api_runs_constant_queries_for_1_and_50_steps(
    client, town, cadre, clerk, village, department, django_assert_num_queries
):
    cache.clear()
    small = open_case(actor=cadre, matter=route_matter(town=town, departments=[department], code="s"), village=village)
    big = open_case(
        actor=cadre, matter=route_matter(town=town, departments=[department] * MANY, code="b"), village=village
    )
    phone4 = small.applicant_phone[-4:]
    client.get(f"/api/v1/cases/{small.number}", {"phone4": phone4})

    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/v1/cases/{small.number}", {"phone4": phone4})
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/api/v1/cases/{big.number}", {"phone4": phone4})

    assert len(response.json()["steps"]) == MANY + 1


# --- the county officer --------------------------------------------------------------------------------------------


def test_appointments_page_runs_constant_queries(
    client_for, cadre, village, county_department, county_officer, django_assert_num_queries
):
    matter = route_matter(
        town=village.town,
        departments=[],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
    )
    today = timezone.localdate()

    def booked(day_offset: int) -> Case:
        case = open_case(actor=cadre, matter=matter, village=village)
        stamp(case, cadre)
        services.appointment_book(
            actor=cadre, case_id=case.pk, date=today + dt.timedelta(days=day_offset), time=dt.time(9, 30), place="大厅"
        )
        return case

    made = [booked(0)]

    def grow():
        for i in range(MANY - 1):
            case = booked(i % 6)
            appointment = case.appointments.get()
            if i % 3 == 1:
                services.appointment_confirm(actor=county_officer, appointment_id=appointment.pk)
            made.append(case)

    response = assert_same_queries(client_for(county_officer), "/appointments/", grow, django_assert_num_queries)

    assert sum(len(items) for _, items in response.context["days"]) == MANY
    assert len(response.context["days"]) == 6
    assert numbers_listed(response, made) == MANY


# --- flat cost (issue 13 point 5): the open work is read from the open steps, not joined across history -------------


def test_the_desks_waiting_list_reads_the_steps_own_village_without_joining_cases(
    client_for, cadre, village, other_village, referral_matter
):
    from tests.factories import VillageCadreFactory

    mine = open_case(actor=cadre, matter=referral_matter, village=village)
    neighbour = VillageCadreFactory(village=other_village, user__town=other_village.town).user
    other = open_case(actor=neighbour, matter=referral_matter, village=other_village)  # not this desk's village
    client = client_for(cadre)
    client.get("/desk/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/desk/")

    assert [step.case_id for step in response.context["waiting"]] == [mine.pk]
    assert other.pk not in {step.case_id for step in response.context["waiting"]}
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and '"cases_casestep"' in q["sql"]]
    assert counts, "the waiting count is a query"
    for sql in counts:
        assert '"cases_case"' not in sql.replace('"cases_casestep"', ""), sql  # no join to every case of history
        assert '"cases_casestep"."village_id" IN' in sql


def test_the_queue_counts_its_open_steps_once_and_pages_from_that_count(
    client_for, cadre, clerk, village, referral_matter
):
    for _ in range(3):
        stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)
    client = client_for(clerk)
    client.get("/queue/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/queue/")

    assert response.context["page"].paginator.count == response.context["counts"]["total"] == 3
    over_department_steps = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"] and '"cases_casestep"."kind" = \'department\'' in q["sql"]
    ]
    assert len(over_department_steps) == 1, over_department_steps  # the totals; the paginator asks no count
