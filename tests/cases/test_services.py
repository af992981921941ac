"""Every case transition (cases/services/): the allowed path, each refused actor, the wrong state, a stale page or a
double submit, and the history event written (STYLE.md, Tests)."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services
from cases.models import Appointment, Case, CaseEvent, CaseStep, Matter, SealUse
from cases.workflow import deadline
from departments.models import DepartmentMember
from tests.factories import (
    DepartmentFactory,
    DepartmentMemberFactory,
    TownFactory,
    TownStaffFactory,
    complete,
    open_case,
    refused,
    reload,
    route_matter,
    stamp,
)
from villages.models import TownStaff

pytestmark = pytest.mark.django_db

A = CaseEvent.Action
S = Case.State
OPEN_APPOINTMENT = [Appointment.State.BOOKED, Appointment.State.CONFIRMED]


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def frozen(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def local(year, month, day, hour=10, minute=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def open_appointment(case: Case) -> Appointment:
    return Appointment.objects.get(case=case, state__in=OPEN_APPOINTMENT)


def shown_appointment(case: Case) -> int:
    """The appointment a page lists for the case: the latest one (a second click posts the same one again)."""
    return Appointment.objects.filter(case=case).latest("pk").pk


def snapshot(case: Case) -> tuple:
    """Everything a transition could change; equal before and after means nothing was done."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.version,
        fresh.state,
        fresh.current_step_id,
        fresh.closed_at,
        CaseEvent.objects.filter(case=case).count(),
        tuple(CaseStep.objects.filter(case=case).order_by("order").values_list("state", "accepted_at", "due_at")),
        tuple(Appointment.objects.filter(case=case).order_by("pk").values_list("state", flat=True)),
        SealUse.objects.filter(case=case).count(),
    )


def new_events(case: Case, after_seq: int) -> list[tuple]:
    return list(
        CaseEvent.objects.filter(case=case, seq__gt=after_seq)
        .order_by("seq")
        .values_list("action", "from_state", "to_state", "actor")
    )


def last_seq(case: Case) -> int:
    return CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", flat=True).first() or 0


# --- cases standing at each station ------------------------------------------------------------------------------


@pytest.fixture
def at_village(cadre, village, referral_matter):
    """The 赵国向 case, just taken in: the village certificate is active."""
    return open_case(actor=cadre, matter=referral_matter, village=village)


@pytest.fixture
def at_desk(at_village, cadre):
    """Stamped: the case is at 民政办 (department)."""
    stamp(at_village, cadre)
    return reload(at_village)


@pytest.fixture
def awaiting(at_desk, clerk):
    """民政办 asked for a missing paper: the clock stopped."""
    services.case_request_materials(actor=clerk, case_id=at_desk.pk, missing="医院诊断证明")
    return reload(at_desk)


@pytest.fixture
def at_second(at_desk, clerk):
    """民政办 done: the case is at 党政办 (other_department)."""
    complete(at_desk, clerk)
    return reload(at_desk)


@pytest.fixture
def at_referral(at_second, other_clerk):
    """党政办 done: the county referral to 县民政局 is active; 党政办 is its desk."""
    complete(at_second, other_clerk)
    return reload(at_second)


@pytest.fixture
def at_county_visit(cadre, clerk, other_clerk, village, appointment_matter):
    """A case whose county step is an appointment at the hall, to be booked by 党政办."""
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return reload(case)


@pytest.fixture
def booked(at_county_visit, other_clerk):
    services.appointment_book(
        actor=other_clerk, case_id=at_county_visit.pk, date=tomorrow(), time=dt.time(9, 30), place="镇政务服务大厅"
    )
    return reload(at_county_visit)


@pytest.fixture
def town_matter(town, department, other_department):
    """Village certificate → 民政办 → 党政办, no county step."""
    return route_matter(town=town, departments=[department, other_department], code="town-only")


# --- the transitions as the pages call them (step and version from the page) --------------------------------------


def _versioned(c: Case) -> dict:
    return {"case_id": c.pk, "step_id": c.current_step_id, "expected_version": c.version}


CALLS = {
    "stamp": lambda actor, c: services.case_stamp(actor=actor, **_versioned(c), seal_confirmed=True, note="属实"),
    "accept": lambda actor, c: services.step_accept(actor=actor, **_versioned(c)),
    "complete": lambda actor, c: services.step_complete(actor=actor, **_versioned(c), outcome="同意救助"),
    "request_materials": lambda actor, c: services.case_request_materials(
        actor=actor, **_versioned(c), missing="医院诊断证明"
    ),
    "materials_brought": lambda actor, c: services.case_materials_brought(
        actor=actor, case_id=c.pk, expected_version=c.version, note="已补齐"
    ),
    "return": lambda actor, c: services.step_return(actor=actor, **_versioned(c), reason="证明缺少签字"),
    "reject": lambda actor, c: services.case_reject(actor=actor, **_versioned(c), reason="不符合救助条件"),
    "withdraw": lambda actor, c: services.case_withdraw(
        actor=actor, case_id=c.pk, expected_version=c.version, reason="群众申请撤回"
    ),
    "skip": lambda actor, c: services.step_skip(actor=actor, **_versioned(c), reason="已在县里办理"),
    "book": lambda actor, c: services.appointment_book(
        actor=actor, **_versioned(c), date=tomorrow(), time=dt.time(9, 30), place="镇政务服务大厅"
    ),
    "confirm": lambda actor, c: services.appointment_confirm(actor=actor, appointment_id=shown_appointment(c)),
    "done": lambda actor, c: services.appointment_done(
        actor=actor, appointment_id=shown_appointment(c), outcome="现场办结"
    ),
    "no_show": lambda actor, c: services.appointment_no_show(
        actor=actor, appointment_id=shown_appointment(c), note="群众未到"
    ),
    "county_outcome": lambda actor, c: services.county_record_outcome(
        actor=actor, **_versioned(c), outcome="县民政局已批准"
    ),
}

IP = S.IN_PROGRESS

# name: (case fixture, allowed actor, refused actors, events written as (action, from, to))
TRANSITIONS = {
    "stamp": (
        "at_village",
        "cadre",
        ["other_cadre", "clerk", "other_clerk", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.STAMPED, S.RECEIVED, S.RECEIVED), (A.STEP_STARTED, S.RECEIVED, IP)],
    ),
    "accept": (
        "at_desk",
        "clerk",
        ["other_clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.ACCEPTED, IP, IP)],
    ),
    "complete": (
        "at_desk",
        "clerk",
        ["other_clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.STEP_DONE, IP, IP), (A.STEP_STARTED, IP, IP)],
    ),
    "request_materials": (
        "at_desk",
        "clerk",
        ["other_clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.MATERIALS_REQUESTED, IP, S.AWAITING)],
    ),
    "materials_brought": (
        "awaiting",
        "clerk",
        ["other_clerk", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.MATERIALS_BROUGHT, S.AWAITING, IP)],
    ),
    "return": (
        "at_second",
        "other_clerk",
        ["clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.RETURNED, IP, IP)],
    ),
    "reject": (
        "at_desk",
        "clerk",
        ["other_clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.REJECTED, IP, S.REJECTED)],
    ),
    "withdraw": (
        "at_desk",
        "clerk",
        ["other_clerk", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.WITHDRAWN, IP, S.WITHDRAWN)],
    ),
    "skip": (
        "at_desk",
        "town_office",
        ["cadre", "clerk", "other_clerk", "supervisor", "county_officer", "no_role_user"],
        [(A.SKIPPED, IP, IP), (A.STEP_STARTED, IP, IP)],
    ),
    "book": (
        "at_county_visit",
        "other_clerk",
        ["clerk", "cadre", "other_cadre", "town_office", "supervisor", "county_officer", "no_role_user"],
        [(A.BOOKED, IP, IP)],
    ),
    "confirm": (
        "booked",
        "county_officer",
        ["other_county_officer", "other_clerk", "clerk", "cadre", "town_office", "supervisor", "no_role_user"],
        [(A.CONFIRMED, IP, IP)],
    ),
    "done": (
        "booked",
        "county_officer",
        ["other_county_officer", "other_clerk", "clerk", "cadre", "town_office", "supervisor", "no_role_user"],
        [(A.COUNTY_DONE, IP, IP), (A.COMPLETED, IP, S.COMPLETED)],
    ),
    "no_show": (
        "booked",
        "county_officer",
        ["other_county_officer", "clerk", "cadre", "other_cadre", "town_office", "supervisor", "no_role_user"],
        [(A.NO_SHOW, IP, IP)],
    ),
    "county_outcome": (
        "at_referral",
        "other_clerk",
        ["clerk", "cadre", "other_cadre", "county_officer", "town_office", "supervisor", "no_role_user"],
        [(A.COUNTY_DONE, IP, IP), (A.COMPLETED, IP, S.COMPLETED)],
    ),
}

VERSIONED = [name for name in TRANSITIONS if name not in ("confirm", "done", "no_show")]


@pytest.mark.parametrize("name", TRANSITIONS)
def test_allowed_actor_makes_the_transition_and_its_events_are_written(request, name):
    fixture, allowed, _, events = TRANSITIONS[name]
    case = request.getfixturevalue(fixture)
    actor = request.getfixturevalue(allowed)
    before = snapshot(case)
    seq = last_seq(case)

    CALLS[name](actor, case)

    assert new_events(case, seq) == [(action, frm, to, actor.pk) for action, frm, to in events]
    after = Case.objects.get(pk=case.pk)
    assert after.version > before[0]
    assert after.state == events[-1][2]


@pytest.mark.parametrize(
    ("name", "role"), [(name, role) for name, (_, _, refused, _) in TRANSITIONS.items() for role in refused]
)
def test_refused_actor_gets_an_error_and_nothing_changes(request, name, role):
    fixture = TRANSITIONS[name][0]
    case = request.getfixturevalue(fixture)
    actor = request.getfixturevalue(role)
    before = snapshot(case)

    with refused("not_allowed"):
        CALLS[name](actor, case)

    assert snapshot(case) == before


@pytest.mark.parametrize("name", VERSIONED)
def test_stale_page_is_refused_and_nothing_changes(request, name):
    fixture, allowed, _, _ = TRANSITIONS[name]
    case = request.getfixturevalue(fixture)
    before = snapshot(case)
    stale = reload(case)
    stale.version -= 1

    with refused("stale"):
        CALLS[name](request.getfixturevalue(allowed), stale)

    assert snapshot(case) == before


@pytest.mark.parametrize("name", TRANSITIONS)
def test_double_submit_is_applied_once(request, name):
    fixture, allowed, _, events = TRANSITIONS[name]
    case = request.getfixturevalue(fixture)
    actor = request.getfixturevalue(allowed)
    page = reload(case)
    CALLS[name](actor, page)
    after_first = snapshot(case)

    with refused("stale"):
        CALLS[name](actor, page)

    assert snapshot(case) == after_first
    assert CaseEvent.objects.filter(case=case, action=events[0][0]).count() == 1


@pytest.mark.parametrize("closing", ["reject", "withdraw"])
@pytest.mark.parametrize("name", [n for n in TRANSITIONS if TRANSITIONS[n][0] in ("at_desk", "awaiting")])
def test_closed_case_refuses_every_further_action(request, at_desk, clerk, name, closing):
    if name == "materials_brought":
        services.case_request_materials(actor=clerk, case_id=at_desk.pk, missing="诊断证明")
    CALLS[closing](clerk, reload(at_desk))
    before = snapshot(at_desk)
    actor = request.getfixturevalue(TRANSITIONS[name][1])

    with refused("wrong_state"):
        CALLS[name](actor, reload(at_desk))

    assert snapshot(at_desk) == before


# --- the village certificate -------------------------------------------------------------------------------------


def test_stamp_records_the_seal_use_and_activates_the_first_desk(cadre, village, referral_matter, department):
    moment = local(2026, 3, 2, 9, 40)
    with frozen(moment):
        case = open_case(actor=cadre, matter=referral_matter, village=village)
        stamp(case, cadre)

    case = reload(case)
    seal = SealUse.objects.get()
    village_step, desk = case.steps.order_by("order")[:2]
    assert (seal.case, seal.step, seal.village, seal.used_by, seal.used_at) == (
        case,
        village_step,
        village,
        cadre,
        moment,
    )
    assert village.name in seal.seal
    assert case.number in seal.purpose
    assert referral_matter.name in seal.purpose
    assert village_step.state == CaseStep.State.DONE
    assert (village_step.finished_by, village_step.finished_at) == (cadre, moment)
    assert village_step.outcome
    assert case.current_step == desk
    assert desk.department == department
    assert desk.state == CaseStep.State.ACTIVE
    assert desk.started_at == moment
    assert (desk.due_on, desk.due_at) == (
        deadline(moment, desk.time_limit_days).due_on,
        deadline(moment, desk.time_limit_days).overdue_at,
    )
    assert case.state == S.IN_PROGRESS


def test_stamp_needs_the_seal_confirmed(at_village, cadre):
    before = snapshot(at_village)

    with refused("invalid_input"):
        services.case_stamp(actor=cadre, case_id=at_village.pk, seal_confirmed=False)

    assert snapshot(at_village) == before


def test_stamp_when_the_case_already_left_the_village_is_stale(at_desk, cadre):
    before = snapshot(at_desk)

    with refused("stale"):
        services.case_stamp(actor=cadre, case_id=at_desk.pk, expected_version=at_desk.version, seal_confirmed=True)

    assert snapshot(at_desk) == before


def test_stamp_while_awaiting_materials_is_refused(cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, bring_all=False, open_awaiting=True)
    before = snapshot(case)

    with refused("wrong_state"):
        stamp(case, cadre)

    assert snapshot(case) == before


def test_inactive_cadre_membership_cannot_stamp(at_village, cadre):
    cadre.village_memberships.update(is_active=False)
    before = snapshot(at_village)

    with refused("not_allowed"):
        stamp(at_village, cadre)

    assert snapshot(at_village) == before


# --- the department desks ----------------------------------------------------------------------------------------


def test_accept_records_who_received_the_file(at_desk, clerk):
    services.step_accept(actor=clerk, case_id=at_desk.pk)

    step = reload(at_desk).current_step
    assert step.accepted_by == clerk
    assert step.accepted_at is not None
    assert step.state == CaseStep.State.ACTIVE


def test_accept_on_the_village_step_is_refused(at_village, clerk):
    before = snapshot(at_village)

    with refused("wrong_state"):
        services.step_accept(actor=clerk, case_id=at_village.pk)

    assert snapshot(at_village) == before


def test_complete_hands_the_case_to_the_next_desk(at_desk, clerk, other_department):
    services.step_complete(actor=clerk, case_id=at_desk.pk, outcome="同意救助")

    case = reload(at_desk)
    done, nxt = case.steps.order_by("order")[1:3]
    assert (done.state, done.finished_by, done.outcome) == (CaseStep.State.DONE, clerk, "同意救助")
    assert done.accepted_by == clerk  # completing without 接件 counts as received
    assert (nxt.state, nxt.department) == (CaseStep.State.ACTIVE, other_department)
    assert case.current_step == nxt
    assert case.events.order_by("-seq")[1].note == "同意救助"


def test_complete_needs_a_result(at_desk, clerk):
    before = snapshot(at_desk)

    with refused("invalid_input"):
        services.step_complete(actor=clerk, case_id=at_desk.pk, outcome="   ")

    assert snapshot(at_desk) == before


def test_complete_of_the_last_step_completes_the_case(cadre, clerk, other_clerk, village, town_matter):
    case = open_case(actor=cadre, matter=town_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    seq = last_seq(case)

    services.step_complete(actor=other_clerk, case_id=case.pk, outcome="已登记")

    case = reload(case)
    assert case.state == S.COMPLETED
    assert case.closed_at is not None
    assert case.current_step is None
    assert not case.steps.filter(state=CaseStep.State.ACTIVE).exists()
    assert new_events(case, seq) == [
        (A.STEP_DONE, IP, IP, other_clerk.pk),
        (A.COMPLETED, IP, S.COMPLETED, other_clerk.pk),
    ]


def test_complete_while_awaiting_materials_is_refused(awaiting, clerk):
    before = snapshot(awaiting)

    with refused("wrong_state"):
        services.step_complete(actor=clerk, case_id=awaiting.pk, outcome="同意")

    assert snapshot(awaiting) == before


def test_complete_by_the_previous_desk_after_hand_on_is_stale(at_second, clerk, department):
    """The 民政办 page still shows its own step: that page is stale."""
    before = snapshot(at_second)
    own_step = at_second.steps.get(department=department)

    with refused("stale"):
        services.step_complete(actor=clerk, case_id=at_second.pk, step_id=own_step.pk, outcome="同意")

    assert snapshot(at_second) == before


def test_complete_by_the_previous_desk_without_its_page_is_not_allowed(at_second, clerk):
    """Without a page (the service asked directly), the case is simply not at this clerk's desk."""
    before = snapshot(at_second)

    with refused("not_allowed"):
        services.step_complete(actor=clerk, case_id=at_second.pk, outcome="同意")

    assert snapshot(at_second) == before

    assert snapshot(at_second) == before


def test_clerk_of_two_departments_may_work_both(at_desk, clerk, other_department):
    DepartmentMemberFactory(user=clerk, department=other_department, role=DepartmentMember.Role.CLERK)

    complete(at_desk, clerk)
    complete(at_desk, clerk)

    assert reload(at_desk).current_step.kind == CaseStep.Kind.COUNTY


# --- missing materials (the clock stops) -------------------------------------------------------------------------


def test_request_materials_stops_the_clock(at_desk, clerk):
    services.case_request_materials(actor=clerk, case_id=at_desk.pk, missing="医院诊断证明")

    case = reload(at_desk)
    assert case.state == S.AWAITING
    assert case.paused_from == IP
    assert case.paused_at is not None
    assert case.current_step.state == CaseStep.State.ACTIVE
    assert case.events.order_by("-seq").first().note == "医院诊断证明"


def test_request_materials_needs_the_list(at_desk, clerk):
    before = snapshot(at_desk)

    with refused("invalid_input"):
        services.case_request_materials(actor=clerk, case_id=at_desk.pk, missing=" ")

    assert snapshot(at_desk) == before


def test_request_materials_twice_is_refused(awaiting, clerk):
    before = snapshot(awaiting)

    with refused("stale"):
        services.case_request_materials(actor=clerk, case_id=awaiting.pk, missing="又缺")

    assert snapshot(awaiting) == before


def test_cadre_of_the_village_may_record_the_materials_brought(awaiting, cadre):
    services.case_materials_brought(actor=cadre, case_id=awaiting.pk)

    assert reload(awaiting).state == IP


def test_materials_brought_when_not_awaiting_is_stale(at_desk, clerk):
    before = snapshot(at_desk)

    with refused("stale"):
        services.case_materials_brought(actor=clerk, case_id=at_desk.pk)

    assert snapshot(at_desk) == before


def test_materials_brought_extends_the_due_time_by_the_working_days_waited(cadre, clerk, village, referral_matter):
    monday = local(2026, 3, 2, 10)
    with frozen(monday):
        case = open_case(actor=cadre, matter=referral_matter, village=village)
        stamp(case, cadre)
        services.case_request_materials(actor=clerk, case_id=case.pk, missing="医院诊断证明")
    paused = reload(case)
    expected_before = paused.expected_on
    assert paused.current_step.due_on == dt.date(2026, 3, 3)  # one working day: Tuesday

    with frozen(local(2026, 3, 4, 15)):  # Wednesday: waited Tuesday and Wednesday
        services.case_materials_brought(actor=clerk, case_id=case.pk)

    resumed = reload(case)
    assert resumed.state == IP
    assert resumed.paused_at is None
    assert resumed.current_step.due_on == dt.date(2026, 3, 5)  # Thursday
    assert resumed.current_step.due_at == local(2026, 3, 6, 0)  # overdue from Friday
    assert expected_before == dt.date(2026, 3, 9)  # five promised working days: Monday 9 March
    assert resumed.expected_on == dt.date(2026, 3, 11)  # two more: Wednesday 11 March
    assert resumed.events.order_by("-seq").first().action == A.MATERIALS_BROUGHT


def test_materials_brought_over_a_weekend_counts_only_working_days(cadre, clerk, village, referral_matter):
    with frozen(local(2026, 3, 6, 10)):  # Friday
        case = open_case(actor=cadre, matter=referral_matter, village=village)
        stamp(case, cadre)
        services.case_request_materials(actor=clerk, case_id=case.pk, missing="医院诊断证明")
    due_before = reload(case).current_step.due_on
    assert due_before == dt.date(2026, 3, 9)  # Monday

    with frozen(local(2026, 3, 9, 9)):  # Monday: only Monday was waited
        services.case_materials_brought(actor=clerk, case_id=case.pk)

    assert reload(case).current_step.due_on == dt.date(2026, 3, 10)  # Tuesday


def test_materials_brought_the_same_day_keeps_the_due_time(awaiting, clerk):
    due = (awaiting.current_step.due_on, awaiting.current_step.due_at)

    services.case_materials_brought(actor=clerk, case_id=awaiting.pk)

    assert (reload(awaiting).current_step.due_on, reload(awaiting).current_step.due_at) == due


def test_case_opened_awaiting_returns_to_received_when_materials_are_brought(cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, bring_all=False, open_awaiting=True)

    services.case_materials_brought(actor=cadre, case_id=case.pk)

    case = reload(case)
    assert case.state == S.RECEIVED
    assert case.missing_materials == []


# --- return ------------------------------------------------------------------------------------------------------


def test_return_sends_the_case_back_to_the_previous_desk(at_second, clerk, other_clerk, department):
    services.step_return(actor=other_clerk, case_id=at_second.pk, reason="证明缺少签字")

    case = reload(at_second)
    first_desk, second_desk = case.steps.order_by("order")[1:3]
    assert second_desk.state == CaseStep.State.RETURNED
    assert second_desk.return_count == 1
    assert first_desk.state == CaseStep.State.ACTIVE
    assert first_desk.department == department
    assert first_desk.accepted_at is None  # the paper file has to be received again
    assert case.current_step == first_desk
    event = case.events.order_by("-seq").first()
    assert (event.action, event.note, event.actor, event.step) == (A.RETURNED, "证明缺少签字", other_clerk, first_desk)

    # The desk it went back to completes again: the returned desk gets it once more.
    complete(case, clerk)
    assert reload(case).current_step == second_desk
    second_desk.refresh_from_db()
    assert second_desk.state == CaseStep.State.ACTIVE
    assert second_desk.return_count == 1


def test_return_to_the_village_desk_needs_a_second_stamp(at_desk, cadre, clerk):
    services.step_return(actor=clerk, case_id=at_desk.pk, reason="村委证明信息不全")

    case = reload(at_desk)
    assert case.current_step.kind == CaseStep.Kind.VILLAGE
    stamp(case, cadre)
    assert SealUse.objects.filter(case=case).count() == 2
    assert reload(case).current_step.department is not None


def test_return_needs_a_reason(at_second, other_clerk):
    before = snapshot(at_second)

    with refused("invalid_input"):
        services.step_return(actor=other_clerk, case_id=at_second.pk, reason="")

    assert snapshot(at_second) == before


def test_return_from_the_first_step_is_refused(clerk, department, village, desk_matter):
    case = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
    before = snapshot(case)

    with refused("wrong_state"):
        services.step_return(actor=clerk, case_id=case.pk, reason="退回")

    assert snapshot(case) == before


# --- reject and withdraw -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("name", ["reject", "withdraw"])
def test_reject_and_withdraw_need_a_reason(at_desk, clerk, name, reason):
    service = services.case_reject if name == "reject" else services.case_withdraw
    before = snapshot(at_desk)

    with refused("invalid_input"):
        service(actor=clerk, case_id=at_desk.pk, reason=reason)

    assert snapshot(at_desk) == before


def test_reject_closes_the_case_with_its_reason(at_desk, clerk):
    services.case_reject(actor=clerk, case_id=at_desk.pk, reason="不符合救助条件")

    case = reload(at_desk)
    assert case.state == S.REJECTED
    assert case.closing_reason == "不符合救助条件"
    assert case.closed_at is not None
    assert case.current_step is None
    assert not case.steps.filter(state=CaseStep.State.ACTIVE).exists()


def test_cadre_rejects_at_the_village_desk(at_village, cadre):
    services.case_reject(actor=cadre, case_id=at_village.pk, reason="非本村户籍")

    assert reload(at_village).state == S.REJECTED


def test_other_cadre_cannot_reject_at_the_village_desk(at_village, other_cadre):
    before = snapshot(at_village)

    with refused("not_allowed"):
        services.case_reject(actor=other_cadre, case_id=at_village.pk, reason="x")

    assert snapshot(at_village) == before


def test_reject_while_awaiting_materials_is_allowed(awaiting, clerk):
    services.case_reject(actor=clerk, case_id=awaiting.pk, reason="逾期未补正")

    case = reload(awaiting)
    assert case.state == S.REJECTED
    assert case.paused_at is None


def test_cadre_of_the_village_may_withdraw_wherever_the_case_is(at_second, cadre):
    services.case_withdraw(actor=cadre, case_id=at_second.pk, reason="群众申请撤回")

    case = reload(at_second)
    assert case.state == S.WITHDRAWN
    assert case.closing_reason == "群众申请撤回"


def test_desk_that_already_handed_on_cannot_withdraw(at_second, clerk):
    before = snapshot(at_second)

    with refused("not_allowed"):
        services.case_withdraw(actor=clerk, case_id=at_second.pk, reason="撤回")

    assert snapshot(at_second) == before


def test_completed_case_cannot_be_withdrawn(at_referral, other_clerk, cadre):
    services.county_record_outcome(actor=other_clerk, case_id=at_referral.pk, outcome="已批准")
    before = snapshot(at_referral)

    with refused("wrong_state"):
        services.case_withdraw(actor=cadre, case_id=at_referral.pk, reason="撤回")

    assert snapshot(at_referral) == before


# --- skip (town office only) -------------------------------------------------------------------------------------


def test_town_office_skips_a_step_with_a_reason(at_desk, town_office):
    services.step_skip(actor=town_office, case_id=at_desk.pk, reason="该环节已在县里办理")

    case = reload(at_desk)
    skipped, nxt = case.steps.order_by("order")[1:3]
    assert (skipped.state, skipped.finished_by, skipped.outcome) == (
        CaseStep.State.SKIPPED,
        town_office,
        "该环节已在县里办理",
    )
    assert case.current_step == nxt
    assert case.events.get(action=A.SKIPPED).note == "该环节已在县里办理"


def test_skip_needs_a_reason(at_desk, town_office):
    before = snapshot(at_desk)

    with refused("invalid_input"):
        services.step_skip(actor=town_office, case_id=at_desk.pk, reason="")

    assert snapshot(at_desk) == before


def test_town_office_of_another_town_cannot_skip(at_desk):
    stranger = TownStaffFactory(town=TownFactory(), role=TownStaff.Role.OFFICE).user
    before = snapshot(at_desk)

    with refused("not_allowed"):
        services.step_skip(actor=stranger, case_id=at_desk.pk, reason="跳过")

    assert snapshot(at_desk) == before


def test_skipping_the_last_step_completes_the_case(at_referral, town_office):
    services.step_skip(actor=town_office, case_id=at_referral.pk, reason="县里已当场办结")

    case = reload(at_referral)
    assert case.state == S.COMPLETED
    assert case.events.order_by("-seq").first().action == A.COMPLETED


# --- the county step: appointment --------------------------------------------------------------------------------


def test_book_creates_one_open_appointment_for_the_county_department(at_county_visit, other_clerk, county_department):
    appointment = services.appointment_book(
        actor=other_clerk, case_id=at_county_visit.pk, date=tomorrow(), time=dt.time(9, 30), place="  "
    )

    assert appointment.state == Appointment.State.BOOKED
    assert appointment.department == county_department
    assert appointment.step == reload(at_county_visit).current_step
    assert appointment.booked_by == other_clerk
    assert appointment.place  # the hall by default
    assert county_department.name in at_county_visit.events.get(action=A.BOOKED).note


def test_second_open_appointment_is_refused(booked, other_clerk):
    before = snapshot(booked)

    with refused("stale"):
        services.appointment_book(
            actor=other_clerk, case_id=booked.pk, date=tomorrow(), time=dt.time(14, 0), place="大厅"
        )

    assert snapshot(booked) == before


def test_database_allows_only_one_open_appointment_per_step(booked, other_clerk):
    first = open_appointment(booked)

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            case=booked,
            step=first.step,
            department=first.department,
            date=first.date,
            time=first.time,
            place="大厅",
            booked_by=other_clerk,
            booked_at=timezone.now(),
        )


def test_appointment_in_the_past_is_refused(at_county_visit, other_clerk):
    before = snapshot(at_county_visit)

    with refused("invalid_input"):
        services.appointment_book(
            actor=other_clerk,
            case_id=at_county_visit.pk,
            date=timezone.localdate() - dt.timedelta(days=1),
            time=dt.time(9, 30),
            place="大厅",
        )

    assert snapshot(at_county_visit) == before


def test_booking_a_referral_step_is_refused(at_referral, other_clerk):
    before = snapshot(at_referral)

    with refused("wrong_state"):
        services.appointment_book(
            actor=other_clerk, case_id=at_referral.pk, date=tomorrow(), time=dt.time(9, 30), place="大厅"
        )

    assert snapshot(at_referral) == before


def test_booking_before_the_county_step_is_refused(at_second, other_clerk):
    before = snapshot(at_second)

    with refused("wrong_state"):
        services.appointment_book(
            actor=other_clerk, case_id=at_second.pk, date=tomorrow(), time=dt.time(9, 30), place="大厅"
        )

    assert snapshot(at_second) == before


def test_county_officer_confirms_the_appointment(booked, county_officer):
    appointment = services.appointment_confirm(actor=county_officer, appointment_id=open_appointment(booked).pk)

    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.CONFIRMED
    assert appointment.confirmed_by == county_officer
    assert appointment.confirmed_at is not None


def test_appointment_done_completes_the_county_step_and_the_case(booked, county_officer):
    appointment = open_appointment(booked)
    services.appointment_confirm(actor=county_officer, appointment_id=appointment.pk)

    services.appointment_done(actor=county_officer, appointment_id=appointment.pk, outcome="现场审核通过")

    appointment.refresh_from_db()
    case = reload(booked)
    county = case.steps.get(kind=CaseStep.Kind.COUNTY)
    assert appointment.state == Appointment.State.DONE
    assert (county.state, county.finished_by, county.outcome) == (
        CaseStep.State.DONE,
        county_officer,
        "现场审核通过",
    )
    assert case.state == S.COMPLETED


def test_appointment_done_needs_the_result(booked, county_officer):
    before = snapshot(booked)

    with refused("invalid_input"):
        services.appointment_done(actor=county_officer, appointment_id=open_appointment(booked).pk, outcome="")

    assert snapshot(booked) == before


def test_appointment_done_while_awaiting_materials_is_refused(booked, other_clerk, county_officer):
    services.case_request_materials(actor=other_clerk, case_id=booked.pk, missing="残疾评定表")
    before = snapshot(booked)

    with refused("wrong_state"):
        services.appointment_done(actor=county_officer, appointment_id=open_appointment(booked).pk, outcome="办结")

    assert snapshot(booked) == before


def test_no_show_then_the_desk_books_again(booked, other_clerk, county_officer):
    first = open_appointment(booked)
    services.appointment_no_show(actor=county_officer, appointment_id=first.pk, note="群众未到")

    second = services.appointment_book(
        actor=other_clerk, case_id=booked.pk, date=tomorrow() + dt.timedelta(days=3), time=dt.time(9, 30), place="大厅"
    )

    first.refresh_from_db()
    assert first.state == Appointment.State.NO_SHOW
    assert second.state == Appointment.State.BOOKED
    assert second.pk != first.pk
    actions = list(booked.events.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == [A.BOOKED, A.NO_SHOW, A.BOOKED]
    assert reload(booked).current_step.state == CaseStep.State.ACTIVE


def test_desk_clerk_may_record_a_no_show(booked, other_clerk):
    services.appointment_no_show(actor=other_clerk, appointment_id=open_appointment(booked).pk)

    assert not Appointment.objects.filter(case=booked, state__in=OPEN_APPOINTMENT).exists()


def test_no_show_after_done_is_refused(booked, county_officer):
    appointment = open_appointment(booked)
    services.appointment_done(actor=county_officer, appointment_id=appointment.pk, outcome="办结")
    before = snapshot(booked)

    with refused("stale"):
        services.appointment_no_show(actor=county_officer, appointment_id=appointment.pk)

    assert snapshot(booked) == before


@pytest.mark.parametrize("closing", ["withdraw", "skipped_by_office"])
@pytest.mark.parametrize("name", ["confirm", "no_show", "done"])
def test_appointment_of_a_closed_case_cannot_be_acted_on(booked, cadre, county_officer, town_office, name, closing):
    """A withdrawn (or otherwise closed) case must not get new history from its old appointment."""
    if closing == "withdraw":
        services.case_withdraw(actor=cadre, case_id=booked.pk, reason="群众申请撤回")
    else:
        services.step_skip(actor=town_office, case_id=booked.pk, reason="县里已另行办结")
    appointment_id = Appointment.objects.get(case=booked).pk
    before = snapshot(booked)

    with refused("wrong_state"):
        {
            "confirm": lambda: services.appointment_confirm(actor=county_officer, appointment_id=appointment_id),
            "no_show": lambda: services.appointment_no_show(actor=county_officer, appointment_id=appointment_id),
            "done": lambda: services.appointment_done(
                actor=county_officer, appointment_id=appointment_id, outcome="办结"
            ),
        }[name]()

    assert snapshot(booked) == before


@pytest.mark.parametrize("closing", ["withdraw", "skipped_by_office"])
def test_closing_the_case_leaves_no_open_appointment(booked, cadre, town_office, closing):
    if closing == "withdraw":
        services.case_withdraw(actor=cadre, case_id=booked.pk, reason="群众申请撤回")
    else:
        services.step_skip(actor=town_office, case_id=booked.pk, reason="县里已另行办结")

    assert not Appointment.objects.filter(case=booked, state__in=OPEN_APPOINTMENT).exists()


# --- the county step: referral -----------------------------------------------------------------------------------


def test_reaching_a_referral_writes_the_referred_event(at_referral, other_clerk, county_department):
    event = at_referral.events.get(action=A.REFERRED)

    assert event.actor == other_clerk
    assert event.step == at_referral.current_step
    assert county_department.name in event.note


def test_county_outcome_recorded_by_the_desk_completes_the_case(at_referral, other_clerk):
    services.county_record_outcome(actor=other_clerk, case_id=at_referral.pk, outcome="县民政局已批准")

    case = reload(at_referral)
    county = case.steps.get(kind=CaseStep.Kind.COUNTY)
    assert (county.state, county.outcome, county.finished_by) == (CaseStep.State.DONE, "县民政局已批准", other_clerk)
    assert case.state == S.COMPLETED


def test_county_outcome_for_an_appointment_step_is_refused(booked, other_clerk):
    before = snapshot(booked)

    with refused("wrong_state"):
        services.county_record_outcome(actor=other_clerk, case_id=booked.pk, outcome="已办")

    assert snapshot(booked) == before


def test_county_outcome_needs_the_result(at_referral, other_clerk):
    before = snapshot(at_referral)

    with refused("invalid_input"):
        services.county_record_outcome(actor=other_clerk, case_id=at_referral.pk, outcome="")

    assert snapshot(at_referral) == before


def test_village_books_the_county_when_the_route_has_no_town_desk(cadre, other_cadre, village, county_department):
    matter = route_matter(
        town=village.town,
        departments=[],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
    )
    case = open_case(actor=cadre, matter=matter, village=village)
    stamp(case, cadre)

    with refused("not_allowed"):
        services.appointment_book(
            actor=other_cadre, case_id=case.pk, date=tomorrow(), time=dt.time(9, 30), place="大厅"
        )
    services.appointment_book(actor=cadre, case_id=case.pk, date=tomorrow(), time=dt.time(9, 30), place="大厅")

    assert open_appointment(case).booked_by == cadre


# --- intake (service level) --------------------------------------------------------------------------------------


def test_intake_with_a_used_key_raises_duplicate_and_names_the_first_case(cadre, village, referral_matter):
    key = uuid.uuid4()
    applicant = services.Applicant(name="赵国向", id_number="451425200305151230", phone="13907711234")
    materials = list(referral_matter.materials.values_list("pk", flat=True))
    first = services.case_intake(
        actor=cadre,
        matter=referral_matter,
        village=village,
        applicant=applicant,
        received_material_ids=materials,
        intake_key=key,
    )

    with pytest.raises(services.DuplicateIntake) as excinfo:
        services.case_intake(
            actor=cadre,
            matter=referral_matter,
            village=village,
            applicant=applicant,
            received_material_ids=materials,
            intake_key=key,
        )

    assert excinfo.value.case == first
    assert Case.objects.count() == 1


def test_intake_refuses_a_material_of_another_matter(cadre, village, referral_matter, town_matter):
    foreign = town_matter.materials.first()

    with refused("invalid_input"):
        services.case_intake(
            actor=cadre,
            matter=referral_matter,
            village=village,
            applicant=services.Applicant(name="赵国向", id_number="451425200305151230", phone="13907711234"),
            received_material_ids=[*referral_matter.materials.values_list("pk", flat=True), foreign.pk],
        )

    assert not Case.objects.exists()


def test_intake_of_a_matter_of_another_town_is_refused(cadre, village):
    other_town = TownFactory()
    foreign = route_matter(town=other_town, departments=[DepartmentFactory(town=other_town)])

    with refused("not_allowed"):
        open_case(actor=cadre, matter=foreign, village=village)

    assert not Case.objects.exists()


def test_intake_sets_due_and_expected_times_in_working_days(cadre, village, referral_matter):
    moment = local(2026, 3, 6, 11)  # Friday
    with frozen(moment):
        case = open_case(actor=cadre, matter=referral_matter, village=village)

    case = reload(case)
    assert case.received_at == moment
    assert case.current_step.started_at == moment
    assert case.current_step.due_on == deadline(moment, referral_matter.village_time_limit_days).due_on
    assert case.expected_on == deadline(moment, referral_matter.promised_days).due_on
    assert case.expected_at == deadline(moment, referral_matter.promised_days).overdue_at


def test_return_marks_the_months_the_reopened_step_leaves_for_a_recount(at_second, other_clerk):
    from cases.models import StaleMonth
    from cases.models.recount import month_of

    reopened = at_second.steps.order_by("order")[1]
    finished_at, due_on = reopened.finished_at, reopened.due_on
    assert not StaleMonth.objects.exists()
    services.step_return(actor=other_clerk, case_id=at_second.pk, reason="证明缺少签字")
    marked = set(StaleMonth.objects.filter(town=at_second.town).values_list("month", flat=True))
    assert marked == {month_of(finished_at), month_of(due_on)}


def test_intake_copies_how_the_result_is_delivered_onto_the_case(at_desk):
    assert at_desk.result_delivery == at_desk.matter.result_delivery != ""
