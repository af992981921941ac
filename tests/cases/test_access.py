"""The access matrix (issue 3, point 12): every role over every case page and action, with hand-typed URLs.

One case per situation; each role either may not see it (404, nothing changes), may see it but not act (an error
message, nothing changes), or may act (the page offers exactly the actions the services accept).
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Appointment, Case, CaseEvent, CaseStep
from tests.factories import APPLICANT_ID, APPLICANT_PHONE, complete, open_case, reload, route_matter, stamp

pytestmark = pytest.mark.django_db

ROLES = [
    "cadre",
    "other_cadre",
    "clerk",
    "other_clerk",
    "town_office",
    "supervisor",
    "county_officer",
    "no_role_user",
]
SITUATIONS = ["own_village", "other_village", "reached", "pending", "appointment"]

# Who sees which case. "cadre" is of 爱乐村 (village), "clerk" of 民政办 (department), "other_clerk" of 党政办.
VISIBLE = {
    "own_village": {"cadre", "town_office", "supervisor"},
    "other_village": {"other_cadre", "town_office", "supervisor"},
    "reached": {"other_cadre", "clerk", "town_office", "supervisor"},
    "pending": {"other_cadre", "other_clerk", "town_office", "supervisor"},
    "appointment": {"other_cadre", "clerk", "other_clerk", "town_office", "supervisor", "county_officer"},
}

# What each of them may do there; everything else must change nothing.
DESK = {"accept", "complete", "request_materials", "return", "reject", "withdraw"}
ALLOWED = {
    ("own_village", "cadre"): {"stamp", "reject", "request_materials", "withdraw"},
    ("own_village", "town_office"): {"skip"},
    ("other_village", "other_cadre"): {"stamp", "reject", "request_materials", "withdraw"},
    ("other_village", "town_office"): {"skip"},
    ("reached", "clerk"): DESK,
    ("reached", "other_cadre"): {"withdraw"},
    ("reached", "town_office"): {"skip"},
    ("pending", "other_clerk"): DESK,
    ("pending", "other_cadre"): {"withdraw"},
    ("pending", "town_office"): {"skip"},
    ("appointment", "other_clerk"): {"request_materials", "withdraw"},  # already booked: no second booking
    ("appointment", "other_cadre"): {"withdraw"},
    ("appointment", "town_office"): {"skip"},
}

ACTIONS = [
    "stamp",
    "accept",
    "complete",
    "request_materials",
    "materials_brought",
    "return",
    "reject",
    "withdraw",
    "skip",
    "book",
    "county_outcome",
]
PAPERS = ["receipt", "certificate", "missing", "referral", "notice"]


@pytest.fixture
def reverse_matter(town, department, other_department):
    """党政办 first, then 民政办: a case at 党政办 has not yet reached 民政办."""
    return route_matter(town=town, departments=[other_department, department], code="reverse", name="林木采伐证明")


@pytest.fixture
def cases(
    village,
    other_village,
    cadre,
    other_cadre,
    clerk,
    other_clerk,
    referral_matter,
    reverse_matter,
    appointment_matter,
):
    own = open_case(actor=cadre, matter=referral_matter, village=village)
    other = open_case(actor=other_cadre, matter=referral_matter, village=other_village)
    reached = open_case(actor=other_cadre, matter=referral_matter, village=other_village)
    stamp(reached, other_cadre)
    pending = open_case(actor=other_cadre, matter=reverse_matter, village=other_village)
    stamp(pending, other_cadre)
    visit = open_case(actor=other_cadre, matter=appointment_matter, village=other_village)
    stamp(visit, other_cadre)
    complete(visit, clerk)
    complete(visit, other_clerk)
    services.appointment_book(
        actor=other_clerk,
        case_id=visit.pk,
        date=timezone.localdate() + dt.timedelta(days=2),
        time=dt.time(9, 30),
        place="镇政务服务大厅",
    )
    return {
        "own_village": reload(own),
        "other_village": reload(other),
        "reached": reload(reached),
        "pending": reload(pending),
        "appointment": reload(visit),
    }


def client_as(request, role: str) -> Client:
    if role == "anonymous":
        return Client()
    client = Client()
    client.force_login(request.getfixturevalue(role))
    return client


def snapshot(case: Case) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.version,
        fresh.state,
        fresh.current_step_id,
        CaseEvent.objects.filter(case=case).count(),
        tuple(CaseStep.objects.filter(case=case).order_by("order").values_list("state", "accepted_at")),
        tuple(Appointment.objects.filter(case=case).order_by("pk").values_list("state", flat=True)),
    )


def hand_typed(case: Case) -> dict:
    """Everything any action form could ask for, typed by hand, with the case's real step and version."""
    return {
        "version": case.version,
        "step": case.current_step_id or "",
        "seal_confirmed": "on",
        "note": "手工提交",
        "outcome": "手工提交",
        "missing": "手工提交",
        "reason": "手工提交",
        "date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "time": "10:00",
        "place": "大厅",
    }


def message_levels(response) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


def expected_paper_status(situation: str, paper: str) -> int:
    """A paper prints once it was issued: the receipt at 受理; the village certificate once stamped; no case here
    was asked for materials, refused or has reached its county step."""
    if paper == "receipt":
        return 200
    if paper == "certificate":
        return 404 if situation in ("own_village", "other_village") else 200
    return 404


# --- reading -----------------------------------------------------------------------------------------------------


def read_problems(client: Client, role: str, situation: str, case: Case) -> list[str]:
    """What differs from the matrix when `role` opens the case page and every printable paper of `case`."""
    visible = role in VISIBLE[situation]
    allowed = ALLOWED.get((situation, role), set())
    urls = {"page": f"/cases/{case.number}/"}
    urls |= {paper: f"/cases/{case.number}/print/{paper}/" for paper in PAPERS}
    urls |= {"receipt_short": f"/cases/{case.number}/receipt/", "notice_short": f"/cases/{case.number}/notice/"}
    problems = []
    for name, url in urls.items():
        response = client.get(url)
        if not visible:
            expected = 404
        elif name == "page":
            expected = 200
        else:
            expected = expected_paper_status(situation, name.removesuffix("_short"))
        if response.status_code != expected:
            problems.append(f"{situation} {name}: {response.status_code} instead of {expected}")
        if name == "page" and response.status_code == 200:
            offered = {a for a in ACTIONS if f'action="/cases/{case.number}/{a}/"' in response.content.decode()}
            if set(response.context["actions"]) != allowed or offered != allowed:
                problems.append(f"{situation}: offers {sorted(offered)}, may do {sorted(allowed)}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_case_page_and_papers_are_404_unless_the_role_may_see_the_case(request, cases, role):
    """Each role over every situation: 404 where it may not see; where it may, the page offers exactly what the
    services allow (and nothing for the supervisor)."""
    client = client_as(request, role)

    problems = [p for situation in SITUATIONS for p in read_problems(client, role, situation, cases[situation])]

    assert problems == []


def test_rejection_notice_prints_for_who_may_see_the_case(client_for, cadre, other_cadre, supervisor, cases):
    case = cases["own_village"]
    services.case_reject(actor=cadre, case_id=case.pk, reason="非本村户籍")

    assert client_for(cadre).get(f"/cases/{case.number}/notice/").status_code == 200
    assert client_for(supervisor).get(f"/cases/{case.number}/notice/").status_code == 200
    assert client_for(other_cadre).get(f"/cases/{case.number}/notice/").status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "county_officer", "clerk"])
def test_roles_without_a_need_see_the_id_number_and_phone_masked(request, cases, role):
    case = cases["appointment"]  # the clerk's desk has handed it on: no action left for 民政办

    content = client_as(request, role).get(f"/cases/{case.number}/").content.decode()

    assert APPLICANT_ID not in content
    assert APPLICANT_PHONE not in content
    assert case.masked_id_number in content


def test_cadre_of_the_village_sees_the_full_id_number(client_for, cadre, cases):
    case = cases["own_village"]

    content = client_for(cadre).get(f"/cases/{case.number}/").content.decode()

    assert APPLICANT_ID in content


def test_unknown_case_number_is_404_for_the_town_office(client_for, town_office, cases):
    assert client_for(town_office).get("/cases/451425102-20000101-9999/").status_code == 404


@pytest.mark.parametrize("page", ["", "receipt/", "print/certificate/", "print/missing/", "stamp/"])
def test_anonymous_user_is_sent_to_login(client, cases, page):
    case = cases["own_village"]
    url = f"/cases/{case.number}/{page}"
    before = snapshot(case)

    response = client.post(url, hand_typed(case)) if page == "stamp/" else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert snapshot(case) == before


def test_actions_are_post_only(client_for, cadre, cases):
    case = cases["own_village"]
    before = snapshot(case)

    response = client_for(cadre).get(f"/cases/{case.number}/stamp/", hand_typed(case))

    assert response.status_code == 405
    assert snapshot(case) == before


def test_unknown_action_is_404(client_for, cadre, cases):
    case = cases["own_village"]

    assert client_for(cadre).post(f"/cases/{case.number}/approve/", hand_typed(case)).status_code == 404


# --- acting ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_hand_typed_posts_change_nothing_unless_allowed(request, cases, role):
    """Every action URL of every case, typed by hand: 404 where the role may not see the case, the case page with
    the refusal (403 or 409) where it may see but not act, the login page for the anonymous user; and the case
    never changes."""
    client = client_as(request, role)
    problems = []

    for situation, case in cases.items():
        allowed = ALLOWED.get((situation, role), set())
        for action in ACTIONS:
            if action in allowed:
                continue
            before = snapshot(case)
            response = client.post(f"/cases/{case.number}/{action}/", hand_typed(reload(case)))
            where = f"{situation} {action}"
            if snapshot(case) != before:
                problems.append(f"{where}: the case changed")
            if role == "anonymous":
                if response.status_code != 302 or not response.url.startswith("/accounts/login/"):
                    problems.append(f"{where}: {response.status_code} instead of the login page")
            elif role not in VISIBLE[situation]:
                if response.status_code != 404:
                    problems.append(f"{where}: {response.status_code} instead of 404")
            elif response.status_code not in (403, 409) or constants.ERROR not in message_levels(response):
                # Not this role's to do (403), or not at a step where it can be done (409): the page comes back
                # with the case as it is and the reason.
                problems.append(f"{where}: {response.status_code} without a refusal and its message")
            elif response.templates[0].name != "cases/detail.html":
                problems.append(f"{where}: refused without the case page")

    assert problems == []


@pytest.mark.parametrize(
    ("situation", "role", "action"),
    [(situation, role, action) for (situation, role), actions in ALLOWED.items() for action in sorted(actions)],
)
def test_allowed_post_changes_the_case(request, cases, situation, role, action):
    case = cases[situation]
    before = snapshot(case)

    response = client_as(request, role).post(f"/cases/{case.number}/{action}/", hand_typed(case))

    assert response.status_code == 302
    assert message_levels(response) == [constants.SUCCESS]
    after = snapshot(case)
    assert after != before
    assert after[0] > before[0]  # version moved on
    assert CaseEvent.objects.filter(case=case).order_by("-seq").first().actor == request.getfixturevalue(role)


def test_supervisor_posting_every_action_on_every_case_changes_nothing(client_for, supervisor, cases):
    client = client_for(supervisor)
    before = {name: snapshot(case) for name, case in cases.items()}

    for case in cases.values():
        for action in ACTIONS:
            client.post(f"/cases/{case.number}/{action}/", hand_typed(reload(case)))

    assert {name: snapshot(case) for name, case in cases.items()} == before


def test_stale_page_post_shows_an_error_and_changes_nothing(client_for, cadre, cases):
    case = cases["own_village"]
    page = hand_typed(case)
    client = client_for(cadre)
    client.post(f"/cases/{case.number}/request_materials/", page)
    before = snapshot(case)

    response = client.post(f"/cases/{case.number}/stamp/", page)

    assert response.status_code == 409
    assert constants.ERROR in message_levels(response)
    assert snapshot(case) == before


def test_double_click_on_complete_completes_once(client_for, clerk, cases):
    case = cases["reached"]
    page = hand_typed(case)
    client = client_for(clerk)

    first = client.post(f"/cases/{case.number}/complete/", page)
    second = client.post(f"/cases/{case.number}/complete/", page)

    assert message_levels(first) == [constants.SUCCESS]
    assert constants.ERROR in message_levels(second)
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.STEP_DONE).count() == 1


def test_reject_redirects_to_the_printable_notice(client_for, clerk, cases):
    case = cases["reached"]

    response = client_for(clerk).post(f"/cases/{case.number}/reject/", hand_typed(case))

    assert response.status_code == 302
    assert response.url == f"/cases/{case.number}/notice/"
    assert reload(case).state == Case.State.REJECTED


def test_invalid_action_form_shows_an_error_and_changes_nothing(client_for, clerk, cases):
    case = cases["reached"]
    before = snapshot(case)

    response = client_for(clerk).post(f"/cases/{case.number}/complete/", {"version": case.version, "outcome": ""})

    assert response.status_code == 200  # the page again, the form with its error
    assert constants.ERROR in message_levels(response)
    assert response.context["kept"]["action"] == "complete"
    assert snapshot(case) == before


# --- the county officer's appointments ----------------------------------------------------------------------------

APPOINTMENT_ACTIONS = ["confirm", "done", "no_show"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "county_officer"] + ["other_county_officer"])
def test_appointment_actions_are_404_for_everyone_but_its_county_officer(request, cases, role):
    case = cases["appointment"]
    appointment = Appointment.objects.get(case=case)
    client = client_as(request, role)
    before = snapshot(case)

    statuses = {
        action: client.post(f"/appointments/{appointment.pk}/{action}/", {"outcome": "办结"}).status_code
        for action in APPOINTMENT_ACTIONS
    }

    assert statuses == dict.fromkeys(APPOINTMENT_ACTIONS, 404)
    assert snapshot(case) == before


@pytest.mark.parametrize("action", APPOINTMENT_ACTIONS)
def test_appointment_actions_send_anonymous_user_to_login(client, cases, action):
    appointment = Appointment.objects.get(case=cases["appointment"])

    response = client.post(f"/appointments/{appointment.pk}/{action}/", {"outcome": "办结"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("confirm", Appointment.State.CONFIRMED),
        ("done", Appointment.State.DONE),
        ("no_show", Appointment.State.NO_SHOW),
    ],
)
def test_county_officer_acts_on_the_appointment(client_for, county_officer, cases, action, state):
    case = cases["appointment"]
    appointment = Appointment.objects.get(case=case)

    response = client_for(county_officer).post(f"/appointments/{appointment.pk}/{action}/", {"outcome": "现场办结"})

    assert response.status_code == 302
    assert response.url == "/appointments/"
    appointment.refresh_from_db()
    assert appointment.state == state


def test_county_officer_sees_only_appointment_cases(client_for, county_officer, other_county_officer, cases):
    visible = {
        name
        for name, case in cases.items()
        if client_for(county_officer).get(f"/cases/{case.number}/").status_code == 200
    }
    other = {
        name
        for name, case in cases.items()
        if client_for(other_county_officer).get(f"/cases/{case.number}/").status_code == 200
    }

    assert visible == {"appointment"}
    assert other == set()


def test_appointments_page_lists_only_the_officers_department(client_for, county_officer, other_county_officer, cases):
    number = cases["appointment"].number

    assert number in client_for(county_officer).get("/appointments/").content.decode()
    assert number not in client_for(other_county_officer).get("/appointments/").content.decode()


# --- lists ---------------------------------------------------------------------------------------------------------


def test_queue_never_lists_a_case_that_has_not_reached_the_department(client_for, clerk, other_clerk, cases):
    clerk_queue = client_for(clerk).get("/queue/").content.decode()
    other_queue = client_for(other_clerk).get("/queue/").content.decode()

    assert cases["reached"].number in clerk_queue
    assert cases["pending"].number not in clerk_queue
    assert cases["pending"].number in other_queue
    assert cases["reached"].number not in other_queue


def test_desk_lists_only_the_cadres_village(client_for, cadre, other_cadre, cases):
    desk = client_for(cadre).get("/desk/").content.decode()

    assert cases["own_village"].number in desk
    for name in ("other_village", "reached", "pending", "appointment"):
        assert cases[name].number not in desk


def test_queue_lists_oldest_first_marks_overdue_and_stops_the_clock_while_awaiting(
    client_for, cadre, clerk, village, referral_matter
):
    def opened_at(when: dt.datetime):
        with time_machine.travel(when, tick=False):
            case = open_case(actor=cadre, matter=referral_matter, village=village)
            stamp(case, cadre)
        return case

    now = timezone.now()
    late = opened_at(now - dt.timedelta(days=20))
    late_awaiting = opened_at(now - dt.timedelta(days=15))
    fresh = opened_at(now)
    services.case_request_materials(actor=clerk, case_id=late_awaiting.pk, missing="诊断证明")
    client = client_for(clerk)

    everything = client.get("/queue/")
    overdue_only = client.get("/queue/?overdue=1")

    assert [s.case_id for s in everything.context["page"]] == [late.pk, late_awaiting.pk, fresh.pk]
    assert [s.is_overdue for s in everything.context["page"]] == [True, False, False]
    assert [s.case_id for s in overdue_only.context["page"]] == [late.pk]
    counts = everything.context["counts"]
    assert (counts["total"], counts["overdue"], counts["awaiting"], counts["not_accepted"]) == (3, 1, 1, 3)
    # The pages are counted from the same totals (no second count): the whole queue 3, the overdue list 1.
    assert everything.context["page"].paginator.count == 3
    assert overdue_only.context["page"].paginator.count == 1


# --- refused actions come back with what was typed ----------------------------------------------------------------


def test_a_refused_reason_comes_back_in_its_form(client_for, clerk, cases):
    """A stale page (someone else acted first): the case page as it is now, the reason still typed in the form."""
    case = cases["reached"]
    page = hand_typed(case)
    client = client_for(clerk)
    client.post(f"/cases/{case.number}/accept/", page)  # the version moves on

    response = client.post(f"/cases/{case.number}/reject/", {**page, "reason": "申请人户籍不在本镇，请到户籍地办理"})

    assert response.status_code == 409
    content = response.content.decode()
    assert ">申请人户籍不在本镇，请到户籍地办理</textarea>" in content
    assert 'id="form-reject"' in content
    assert reload(case).state == Case.State.IN_PROGRESS


def test_not_allowed_is_403_with_the_case_page(client_for, town_office, cases):
    case = cases["reached"]
    before = snapshot(case)

    response = client_for(town_office).post(f"/cases/{case.number}/complete/", hand_typed(case))

    assert response.status_code == 403
    assert response.context["case"].pk == case.pk
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["该办件不在您的窗口。"]
    assert snapshot(case) == before


def test_invalid_input_is_a_form_error_with_the_text_kept(client_for, cadre, cases):
    """The seal not confirmed: the stamp form again, the note kept, the error beside it."""
    case = cases["own_village"]
    data = {**hand_typed(case), "note": "户籍和居住情况已核实"}
    del data["seal_confirmed"]

    response = client_for(cadre).post(f"/cases/{case.number}/stamp/", data)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="户籍和居住情况已核实"' in content
    assert "invalid-feedback" in content
    assert reload(case).state == Case.State.RECEIVED


def test_all_of_a_users_roles_are_read_in_one_query(
    cadre, department, other_department, county_department, town, django_assert_num_queries
):
    from cases.access import roles_for
    from departments.models import DepartmentMember
    from tests.factories import DepartmentMemberFactory, TownStaffFactory
    from villages.models import TownStaff

    DepartmentMemberFactory(user=cadre, department=department, role=DepartmentMember.Role.CLERK)
    DepartmentMemberFactory(user=cadre, department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER)
    TownStaffFactory(user=cadre, town=town, role=TownStaff.Role.SUPERVISOR)
    ended = DepartmentMemberFactory(user=cadre, department=other_department, role=DepartmentMember.Role.CLERK)
    ended.is_active = False
    ended.save()

    with django_assert_num_queries(1):
        roles = roles_for(cadre, fresh=True)

    assert roles.village_ids and roles.clerk_department_ids == {department.pk}
    assert roles.county_department_ids == {county_department.pk}
    assert roles.supervisor_town_ids == {town.pk} and not roles.office_town_ids
