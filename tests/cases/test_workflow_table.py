"""The workflow's table (issue 9, point 3): the case and step states, the moves allowed in each, and the services,
the one-stop view's buttons and the history all keeping to it."""

import datetime as dt

import pytest
from django.utils import timezone

from cases import services, workflow
from cases.models import Appointment, Case, CaseEvent, CaseStep, Rating
from cases.presenters import actions_for
from cases.workflow import Move
from tests.factories import complete, open_case, refused, reload, stamp

pytestmark = pytest.mark.django_db

S = Case.State


def test_every_move_names_a_history_action_and_states_that_exist():
    actions = set(CaseEvent.Action.values)
    for move, rule in workflow.MOVES.items():
        assert rule.event in actions, move
        assert set(rule.sources) <= {"", *S.values}, move
        assert rule.target in {workflow.SAME, workflow.RESUMED, *S.values}, move
        assert rule.step_to in {"", *CaseStep.State.values}, move


def test_no_move_leaves_a_closed_case_except_the_feedback_on_a_decided_one():
    feedback = (Move.RATE, Move.RECTIFY, Move.APPEAL, Move.DECIDE_APPEAL, Move.REASSIGN)
    for move, rule in workflow.MOVES.items():
        for state in workflow.CLOSED_STATES:
            if state in rule.sources:
                assert move in feedback, move
                assert rule.target == workflow.SAME


@pytest.mark.parametrize(
    ("state", "move", "code"),
    [
        (S.COMPLETED, Move.COMPLETE, "wrong_state"),
        (S.WITHDRAWN, Move.WITHDRAW, "wrong_state"),
        (S.AWAITING, Move.STAMP, "wrong_state"),
        (S.AWAITING, Move.REQUEST_MATERIALS, "stale"),  # already asked: a second click
        (S.IN_PROGRESS, Move.MATERIALS_BROUGHT, "stale"),
        (S.IN_PROGRESS, Move.RATE, "wrong_state"),
        (S.WITHDRAWN, Move.RATE, "wrong_state"),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused_with_its_kind(state, move, code):
    assert not workflow.allows(state, move, accepted=True)
    with refused(code):
        workflow.enter(state, move)


@pytest.mark.parametrize(
    ("state", "move", "after"),
    [
        (S.RECEIVED, Move.ACCEPT, S.IN_PROGRESS),
        (S.RECEIVED, Move.STAMP, S.RECEIVED),
        (S.IN_PROGRESS, Move.REQUEST_MATERIALS, S.AWAITING),
        (S.AWAITING, Move.REJECT, S.REJECTED),
        (S.AWAITING, Move.WITHDRAW, S.WITHDRAWN),
        (S.IN_PROGRESS, Move.FINISH, S.COMPLETED),
        (S.COMPLETED, Move.RATE, S.COMPLETED),
    ],
)
def test_the_table_gives_the_next_state(state, move, after):
    assert workflow.enter(state, move) == after


def test_materials_brought_resumes_the_state_before_awaiting():
    assert workflow.enter(S.AWAITING, Move.MATERIALS_BROUGHT, paused_from=S.RECEIVED) == S.RECEIVED
    assert workflow.enter(S.AWAITING, Move.MATERIALS_BROUGHT, paused_from=S.IN_PROGRESS) == S.IN_PROGRESS


def test_a_step_starts_from_waiting_returned_or_done_and_ends_only_while_active():
    assert workflow.step_started(CaseStep.State.PENDING) == CaseStep.State.ACTIVE
    assert workflow.step_started(CaseStep.State.DONE) == CaseStep.State.ACTIVE  # a later desk sent it back
    with refused("wrong_state"):
        workflow.step_started(CaseStep.State.SKIPPED)
    assert workflow.step_after(CaseStep.State.ACTIVE, Move.SKIP) == CaseStep.State.SKIPPED
    assert workflow.step_after(CaseStep.State.ACTIVE, Move.REJECT) == CaseStep.State.DONE
    assert workflow.step_after(CaseStep.State.ACTIVE, Move.WITHDRAW) == CaseStep.State.SKIPPED
    with refused("stale"):
        workflow.step_after(CaseStep.State.DONE, Move.COMPLETE)


def _play_everything(cadre, clerk, other_clerk, town_office, county_officer, village, referral_matter, appointment):
    """Every move the services make, on four cases."""
    # 1: opened awaiting, brought, stamped, received, asked again, brought, sent back, stamped, handed on, referred.
    first = open_case(actor=cadre, matter=referral_matter, village=village, bring_all=False, open_awaiting=True)
    services.case_materials_brought(actor=cadre, case_id=first.pk)
    stamp(first, cadre)
    services.step_accept(actor=clerk, case_id=first.pk)
    services.case_request_materials(actor=clerk, case_id=first.pk, missing="收入证明")
    services.case_materials_brought(actor=clerk, case_id=first.pk)
    services.step_return(actor=clerk, case_id=first.pk, reason="证明缺少签名")
    stamp(first, cadre)
    complete(first, clerk)
    services.step_skip(actor=town_office, case_id=first.pk, reason="党政办已在线上审核")
    services.county_record_outcome(actor=other_clerk, case_id=first.pk, outcome="县民政局审批同意")
    services.rating_submit(
        case_id=first.pk, level=Rating.Level.DISSATISFIED, reasons=[Rating.Reason.SLOW], channel=Rating.Channel.QR
    )
    # …rated 差评, appealed by the desk, the appeal dismissed, the rectification handed to the village, answered.
    rectification = reload(first).rating.rectification
    feedback = services.ratings
    desk = rectification.department.members.first().user
    feedback.appeal_file(actor=desk, rectification_id=rectification.pk, reason="群众未带齐材料")
    feedback.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="dismissed", note="评价属实")
    feedback.rectification_reassign(
        actor=town_office, rectification_id=rectification.pk, department_id=None, note="村里未讲清材料"
    )
    services.rectification_answer(
        actor=cadre,
        rectification_id=rectification.pk,
        action_taken="当面解释",
        callback_note="已回访",
        callback_result="satisfied",
    )
    # 2: to the county by appointment: booked, missed, booked again, confirmed, done.
    second = open_case(actor=cadre, matter=appointment, village=village)
    stamp(second, cadre)
    complete(second, clerk)
    complete(second, other_clerk)
    day = timezone.localdate() + dt.timedelta(days=3)
    booked = services.appointment_book(actor=other_clerk, case_id=second.pk, date=day, time=dt.time(9), place="大厅")
    services.appointment_no_show(actor=other_clerk, appointment_id=booked.pk, note="群众未到")
    again = services.appointment_book(actor=other_clerk, case_id=second.pk, date=day, time=dt.time(10), place="大厅")
    services.appointment_confirm(actor=county_officer, appointment_id=again.pk)
    services.appointment_done(actor=county_officer, appointment_id=again.pk, outcome="现场办结")
    # 3: rejected after it was asked for materials; 4: withdrawn.
    third = open_case(actor=cadre, matter=referral_matter, village=village)
    services.case_request_materials(actor=cadre, case_id=third.pk, missing="户口簿")
    services.case_reject(actor=cadre, case_id=third.pk, reason="逾期未补正")
    fourth = open_case(actor=cadre, matter=referral_matter, village=village)
    services.case_withdraw(actor=cadre, case_id=fourth.pk, reason="群众申请撤回")
    # 5: opened without its materials, never brought: 不予受理.
    fifth = open_case(actor=cadre, matter=referral_matter, village=village, bring_all=False, open_awaiting=True)
    services.case_refuse(actor=cadre, case_id=fifth.pk, reason="逾期未补正材料")
    return [first, second, third, fourth, fifth]


def test_every_event_the_services_write_is_a_move_of_the_table(
    cadre, clerk, other_clerk, town_office, county_officer, village, referral_matter, appointment_matter
):
    cases = _play_everything(
        cadre, clerk, other_clerk, town_office, county_officer, village, referral_matter, appointment_matter
    )

    problems = []
    seen = set()
    for case in cases:
        events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        for before, after in zip([None, *events], events, strict=False):
            seen.add(after.action)
            if not workflow.history_allows(after.action, after.from_state, after.to_state):
                problems.append(f"{case.number}#{after.seq} {after.action}: {after.from_state} → {after.to_state}")
            if before is not None and before.to_state != after.from_state:
                problems.append(f"{case.number}#{after.seq}: from {after.from_state}, was {before.to_state}")
        assert events[-1].to_state == reload(case).state

    assert problems == []
    assert seen == set(CaseEvent.Action.values)  # every kind of event was played
    assert [reload(c).state for c in cases] == [S.COMPLETED, S.COMPLETED, S.REJECTED, S.WITHDRAWN, S.REFUSED]
    assert Appointment.objects.filter(case=cases[1]).count() == 2


def test_the_buttons_are_the_moves_the_table_allows_at_the_step(cadre, clerk, village, referral_matter):
    """The one-stop view asks the same table: while materials are awaited, only what the table allows then."""
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    assert actions_for(cadre, reload(case)) == {"stamp", "reject", "request_materials", "withdraw"}

    services.case_request_materials(actor=cadre, case_id=case.pk, missing="户口簿")

    allowed_while_awaiting = {m.value for m in workflow.DESK_MOVES if workflow.allows(S.AWAITING, m, accepted=True)}
    assert actions_for(cadre, reload(case)) == {"materials_brought", "reject", "withdraw"}
    assert allowed_while_awaiting == {"materials_brought", "reject", "withdraw"}
