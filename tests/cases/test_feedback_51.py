"""好差评 as 国办发〔2019〕51号 asks (issue 10, point 8): a 差评 says why; the rectification records what was done and
the 回访 result, with a second call when the villager is still dissatisfied; the rated desk may appeal (申诉) and the
town office decides; the town office may answer or reassign a rectification; the admin lists ratings,
rectifications and appeals with filters; overdue rectifications are on the oversight list. Every step is in the
case's history."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from cases import history, services, workflow
from cases.models import Case, CaseEvent, Rating, RatingAppeal, Rectification
from cases.services import ratings
from jinjie.management.commands.seed_demo import group_permissions
from tests.factories import (
    DepartmentFactory,
    DepartmentMemberFactory,
    TownFactory,
    TownStaffFactory,
    complete,
    open_case,
    refused,
    reload,
)
from tests.stats.conftest import local, mar
from villages.models import TownStaff

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026: the case is finished and rated at 10:00; the rectification is due by the end of Tuesday
# 31 March (15 working days), so overdue from 1 April 00:00.
RATED = mar(10, 10)
DUE = local(2026, 4, 1)
PAGE = reverse("cases:rectifications")
OVERSIGHT = reverse("admin:oversight")
A = CaseEvent.Action


@pytest.fixture
def clock(time_machine):
    def move(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    move(mar(10, 9))
    return move


@pytest.fixture
def finished(clock, clerk, village, desk_matter, department):
    """A desk-only case 民政办 (department, clerk) took in and completed."""
    case = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
    complete(case, clerk)
    clock(RATED)
    return reload(case)


@pytest.fixture
def rejected_at_village(clock, cadre, village, referral_matter):
    """Decided at the village desk: a 差评 of it is the village's to answer."""
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    services.case_reject(actor=cadre, case_id=case.pk, reason="不属于本村村民")
    clock(RATED)
    return reload(case)


def _bad(case, reasons=("slow",), level=Rating.Level.VERY_DISSATISFIED, comment="") -> Rectification:
    services.rating_submit(case_id=case.pk, level=level, reasons=list(reasons), comment=comment, channel="qr")
    return Rectification.objects.get(rating__case=case)


@pytest.fixture
def rectification(finished):
    return _bad(finished, reasons=["slow", "attitude"], comment="窗口态度差")


@pytest.fixture
def other_town(db):
    return TownFactory(code="451425203", name="向都镇")


@pytest.fixture
def other_town_office(other_town):
    user = TownStaffFactory(
        town=other_town, role=TownStaff.Role.OFFICE, user__is_staff=True, user__town=other_town
    ).user
    group, _ = Group.objects.get_or_create(name="镇办")
    group.permissions.set(group_permissions(view_only=False))
    user.groups.add(group)
    return user


@pytest.fixture
def other_town_clerk(other_town):
    return DepartmentMemberFactory(department=DepartmentFactory(town=other_town, name="向都镇民政办")).user


def answer(user, r, result="satisfied", action="已对窗口人员批评教育", note="电话回访"):
    return ratings.rectification_answer(
        actor=user, rectification_id=r.pk, action_taken=action, callback_note=note, callback_result=result
    )


def events(case) -> list[tuple[str, str]]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "note"))


def actions(case) -> list[str]:
    return [action for action, _ in events(case)]


def fresh(r: Rectification) -> Rectification:
    return Rectification.objects.select_related("rating").get(pk=r.pk)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- 1. a 差评 needs a reason --------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [Rating.Level.DISSATISFIED, Rating.Level.VERY_DISSATISFIED])
def test_bad_rating_without_a_reason_is_refused(finished, level):
    with refused("invalid_input"):
        services.rating_submit(case_id=finished.pk, level=level, reasons=[], comment="不满意", channel="qr")

    assert not Rating.objects.exists()
    assert not Rectification.objects.exists()
    assert A.RATED not in actions(finished)


def test_bad_rating_keeps_its_reasons_in_the_lists_order_and_names_them_in_the_history(finished):
    rating = services.rating_submit(
        case_id=finished.pk, level=Rating.Level.DISSATISFIED, reasons=["attitude", "slow"], channel="qr"
    )

    assert Rating.objects.get(pk=rating.pk).reasons == ["slow", "attitude"]
    note = dict(events(finished))[A.RATED]
    assert gettext("Took too long") in note and gettext("Staff attitude") in note
    assert Rectification.objects.filter(rating=rating).exists()


def test_reason_other_needs_words(finished):
    with refused("invalid_input"):
        services.rating_submit(case_id=finished.pk, level=1, reasons=["other"], comment="  ", channel="qr")

    rating = services.rating_submit(case_id=finished.pk, level=1, reasons=["other"], comment="要求送礼", channel="qr")

    assert (rating.reasons, rating.comment) == (["other"], "要求送礼")


def test_reason_outside_the_list_is_refused(finished):
    with refused("invalid_input"):
        services.rating_submit(case_id=finished.pk, level=1, reasons=["slow", "bribe"], channel="qr")

    assert not Rating.objects.exists()


def test_reasons_ticked_with_a_good_rating_are_not_kept(finished):
    rating = services.rating_submit(case_id=finished.pk, level=4, reasons=["slow"], channel="qr")

    assert Rating.objects.get(pk=rating.pk).reasons == []
    assert not Rectification.objects.exists()


def test_bad_rating_submitted_twice_is_stale_and_opens_one_rectification(finished):
    _bad(finished)

    with refused("stale"):
        services.rating_submit(case_id=finished.pk, level=1, reasons=["slow"], channel="qr")

    assert Rectification.objects.count() == 1


def test_qr_page_offers_the_reasons_with_the_hint(client, finished):
    content = client.get(reverse("cases:public_token", args=[finished.token])).content.decode()

    assert content.count('name="reasons"') == len(Rating.Reason.values)
    assert gettext("For a bad rating tick at least one.") in content


def test_qr_bad_rating_without_a_reason_comes_back_with_what_was_chosen(client, finished):
    response = client.post(
        reverse("cases:public_rate", args=[finished.token]), {"level": "2", "comment": "跑了三趟还没办好"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert gettext("A bad rating needs a reason: tick at least one.") in content
    assert ">跑了三趟还没办好</textarea>" in content
    assert 'value="2" required checked' in content
    assert not Rating.objects.exists()


def test_qr_bad_rating_with_reasons_is_recorded(client, finished):
    response = client.post(
        reverse("cases:public_rate", args=[finished.token]), {"level": "1", "reasons": ["trips", "unclear"]}
    )

    assert response.status_code == 302
    assert Rating.objects.get(case=finished).reasons == ["trips", "unclear"]


def test_desk_bad_rating_without_a_reason_comes_back_with_what_was_chosen(client_for, finished, clerk):
    response = client_for(clerk).post(
        reverse("cases:desk_rate", args=[finished.number]),
        {"level": "1", "reasons": [], "comment": "群众当面表示不满"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert gettext("A bad rating needs a reason: tick at least one.") in content
    assert ">群众当面表示不满</textarea>" in content
    assert 'value="1" required checked' in content
    assert not Rating.objects.exists()


def test_desk_bad_rating_keeps_the_ticked_reasons_when_refused(client_for, finished, clerk):
    response = client_for(clerk).post(
        reverse("cases:desk_rate", args=[finished.number]), {"level": "1", "reasons": ["other"], "comment": ""}
    )

    assert response.status_code == 200
    assert 'value="other" aria-describedby="rating-reasons-hint" checked' in response.content.decode()
    assert not Rating.objects.exists()


# --- 2. the 回访: satisfied ends it, still dissatisfied asks for a second call ----------------------------------------


def test_villager_satisfied_at_the_follow_up_call_ends_the_rectification(rectification, clerk, clock):
    clock(mar(16, 15))

    answer(clerk, rectification, "satisfied")

    done = fresh(rectification)
    assert (done.callback_result, done.callback_at, done.done_at, done.done_by) == (
        "satisfied",
        mar(16, 15),
        mar(16, 15),
        clerk,
    )
    action, note = events(rectification.rating.case)[-1]
    assert action == A.RECTIFIED and gettext("Satisfied") in note


def test_villager_still_dissatisfied_keeps_it_open_until_the_second_call(rectification, clerk, clock):
    clock(mar(16, 15))
    answer(clerk, rectification, "dissatisfied")

    open_ = fresh(rectification)
    assert (open_.callback_result, open_.done_at, open_.awaits_second_call) == ("dissatisfied", None, True)

    clock(mar(20, 10))
    ratings.rectification_call_again(
        actor=clerk, rectification_id=rectification.pk, note="  重新办理并上门解释  ", result="satisfied"
    )

    done = fresh(rectification)
    assert (done.second_callback_note, done.second_callback_result, done.second_callback_at) == (
        "重新办理并上门解释",
        "satisfied",
        mar(20, 10),
    )
    assert (done.done_at, done.done_by, done.due_at) == (mar(20, 10), clerk, DUE)
    assert actions(rectification.rating.case)[-2:] == [A.RECTIFIED, A.RECTIFIED]


def test_second_call_after_the_due_date_is_late(rectification, clerk, clock):
    answer(clerk, rectification, "dissatisfied")
    clock(DUE + dt.timedelta(hours=9))

    ratings.rectification_call_again(
        actor=clerk, rectification_id=rectification.pk, note="再回访", result="dissatisfied"
    )

    done = fresh(rectification)
    assert (done.done_at is not None, done.is_late, done.second_callback_result) == (True, True, "dissatisfied")


def test_second_call_before_a_dissatisfied_first_call_is_the_wrong_state(rectification, clerk):
    with refused("wrong_state"):
        ratings.rectification_call_again(
            actor=clerk, rectification_id=rectification.pk, note="回访", result="satisfied"
        )

    assert fresh(rectification).second_callback_at is None


def test_second_call_twice_is_stale(rectification, clerk):
    answer(clerk, rectification, "dissatisfied")
    ratings.rectification_call_again(actor=clerk, rectification_id=rectification.pk, note="第一次", result="satisfied")

    with refused("stale"):
        ratings.rectification_call_again(
            actor=clerk, rectification_id=rectification.pk, note="第二次", result="satisfied"
        )

    assert fresh(rectification).second_callback_note == "第一次"


def test_first_call_recorded_twice_is_stale(rectification, clerk):
    answer(clerk, rectification, "dissatisfied", action="第一次")

    with refused("stale"):
        answer(clerk, rectification, "satisfied", action="第二次")

    assert fresh(rectification).action_taken == "第一次"


@pytest.mark.parametrize("result", ["", "ok", "满意"])
def test_follow_up_call_without_a_known_result_is_refused(rectification, clerk, result):
    with refused("invalid_input"):
        answer(clerk, rectification, result)

    assert fresh(rectification).callback_at is None


def test_second_call_needs_a_note_and_a_result(rectification, clerk):
    answer(clerk, rectification, "dissatisfied")

    with refused("invalid_input"):
        ratings.rectification_call_again(actor=clerk, rectification_id=rectification.pk, note=" ", result="satisfied")
    with refused("invalid_input"):
        ratings.rectification_call_again(actor=clerk, rectification_id=rectification.pk, note="回访", result="")

    assert fresh(rectification).done_at is None


@pytest.mark.parametrize("who", ["other_clerk", "cadre", "supervisor", "other_town_office"])
def test_second_call_by_anyone_but_the_desk_or_its_town_office_is_refused(request, rectification, clerk, who):
    answer(clerk, rectification, "dissatisfied")

    with refused("not_allowed"):
        ratings.rectification_call_again(
            actor=request.getfixturevalue(who), rectification_id=rectification.pk, note="回访", result="satisfied"
        )

    assert fresh(rectification).done_at is None


def test_town_office_answers_a_rectification_itself(rectification, town_office):
    answer(town_office, rectification, "satisfied")

    assert fresh(rectification).done_by == town_office


def test_office_of_another_town_may_not_answer(rectification, other_town_office):
    with refused("not_allowed"):
        answer(other_town_office, rectification)

    assert fresh(rectification).callback_at is None


# --- 3. 申诉: the desk appeals, the town office decides ---------------------------------------------------------------


def test_the_desk_appeals_a_rating_once_with_a_reason(rectification, clerk, clock):
    clock(mar(11, 9))

    appeal = ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="  群众要求办理不符合条件  ")

    row = RatingAppeal.objects.get(pk=appeal.pk)
    assert (row.rating_id, row.filed_by, row.filed_at, row.reason, row.decision) == (
        rectification.rating_id,
        clerk,
        mar(11, 9),
        "群众要求办理不符合条件",
        "",
    )
    assert events(rectification.rating.case)[-1] == (A.APPEALED, "群众要求办理不符合条件")

    with refused("stale"):
        ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="再申诉一次")
    assert RatingAppeal.objects.count() == 1


@pytest.mark.parametrize("who", ["other_clerk", "cadre", "town_office", "supervisor", "other_town_clerk"])
def test_only_the_desk_of_the_rectification_may_appeal(request, rectification, who):
    with refused("not_allowed"):
        ratings.appeal_file(actor=request.getfixturevalue(who), rectification_id=rectification.pk, reason="不公正")

    assert not RatingAppeal.objects.exists()


def test_appeal_without_a_reason_is_refused(rectification, clerk):
    with refused("invalid_input"):
        ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="   ")

    assert not RatingAppeal.objects.exists()


def test_the_village_appeals_when_the_village_desk_was_rated(rejected_at_village, cadre, clerk):
    rectification = _bad(rejected_at_village, reasons=["result"])

    with refused("not_allowed"):
        ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="不公正")
    ratings.appeal_file(actor=cadre, rectification_id=rectification.pk, reason="申请人不是本村村民")

    assert RatingAppeal.objects.get().filed_by == cadre


@pytest.fixture
def appealed(rectification, clerk):
    ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="群众要求办理不符合条件")
    return rectification


def test_town_office_upholds_an_appeal_and_the_desk_owes_nothing(appealed, town_office, clerk, clock):
    clock(mar(12, 9))

    ratings.appeal_decide(actor=town_office, rectification_id=appealed.pk, decision="upheld", note="经核实，差评不实")

    appeal = RatingAppeal.objects.get()
    assert (appeal.decision, appeal.decided_by, appeal.decided_at, appeal.decision_note) == (
        "upheld",
        town_office,
        mar(12, 9),
        "经核实，差评不实",
    )
    action, note = events(appealed.rating.case)[-1]
    assert action == A.APPEAL_DECIDED and "经核实，差评不实" in note
    rectification = fresh(appealed)
    assert (rectification.rating.is_counted, rectification.is_owed) == (False, False)
    with refused("wrong_state"):
        answer(clerk, appealed)


def test_dismissed_appeal_leaves_the_rating_standing(appealed, town_office, clerk):
    ratings.appeal_decide(actor=town_office, rectification_id=appealed.pk, decision="dismissed", note="评价属实")

    assert fresh(appealed).rating.is_counted is True
    answer(clerk, appealed)
    assert fresh(appealed).done_at is not None


def test_appeal_is_decided_once(appealed, town_office):
    ratings.appeal_decide(actor=town_office, rectification_id=appealed.pk, decision="dismissed", note="评价属实")

    with refused("stale"):
        ratings.appeal_decide(actor=town_office, rectification_id=appealed.pk, decision="upheld", note="改判")

    assert RatingAppeal.objects.get().decision == "dismissed"


@pytest.mark.parametrize("who", ["supervisor", "clerk", "other_clerk", "cadre", "other_town_office"])
def test_only_the_town_office_of_the_case_decides_an_appeal(request, appealed, who):
    with refused("not_allowed"):
        ratings.appeal_decide(
            actor=request.getfixturevalue(who), rectification_id=appealed.pk, decision="upheld", note="成立"
        )

    assert RatingAppeal.objects.get().decision == ""


@pytest.mark.parametrize(("decision", "note"), [("", "成立"), ("maybe", "成立"), ("upheld", "  ")])
def test_decision_needs_upheld_or_dismissed_and_its_reasons(appealed, town_office, decision, note):
    with refused("invalid_input"):
        ratings.appeal_decide(actor=town_office, rectification_id=appealed.pk, decision=decision, note=note)

    assert RatingAppeal.objects.get().decision == ""


def test_no_appeal_to_decide_is_the_wrong_state(rectification, town_office):
    with refused("wrong_state"):
        ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="upheld", note="成立")

    assert not RatingAppeal.objects.exists()
    assert A.APPEAL_DECIDED not in actions(rectification.rating.case)


# --- 4. the town office reassigns ----------------------------------------------------------------------------------


def test_town_office_reassigns_to_another_department_of_the_town(
    rectification, town_office, clerk, other_clerk, other_department
):
    ratings.rectification_reassign(
        actor=town_office, rectification_id=rectification.pk, department_id=other_department.pk, note="问题出在党政办"
    )

    moved = fresh(rectification)
    assert moved.department.name == "党政办"
    assert moved.due_at == DUE
    action, note = events(rectification.rating.case)[-1]
    assert action == A.REASSIGNED and "党政办" in note and "问题出在党政办" in note
    with refused("not_allowed"):
        answer(clerk, rectification)
    answer(other_clerk, rectification)
    assert fresh(rectification).done_by == other_clerk


def test_town_office_reassigns_to_the_village(rectification, town_office, cadre):
    ratings.rectification_reassign(
        actor=town_office, rectification_id=rectification.pk, department_id=None, note="村里未讲清材料"
    )

    assert fresh(rectification).department is None
    answer(cadre, rectification)
    assert fresh(rectification).done_by == cadre


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "cadre", "supervisor", "other_town_office"])
def test_only_the_town_office_of_the_case_reassigns(request, rectification, other_department, who):
    with refused("not_allowed"):
        ratings.rectification_reassign(
            actor=request.getfixturevalue(who),
            rectification_id=rectification.pk,
            department_id=other_department.pk,
            note="改派",
        )

    assert fresh(rectification).department_id == rectification.department_id


def test_reassign_to_a_department_of_another_town_is_refused(rectification, town_office, other_town_clerk):
    elsewhere = other_town_clerk.department_memberships.get().department

    with refused("invalid_input"):
        ratings.rectification_reassign(
            actor=town_office, rectification_id=rectification.pk, department_id=elsewhere.pk, note="改派"
        )

    assert fresh(rectification).department_id == rectification.department_id


def test_reassign_to_the_same_desk_or_without_a_note_is_refused(rectification, town_office, other_department):
    with refused("invalid_input"):
        ratings.rectification_reassign(
            actor=town_office, rectification_id=rectification.pk, department_id=rectification.department_id, note="x"
        )
    with refused("invalid_input"):
        ratings.rectification_reassign(
            actor=town_office, rectification_id=rectification.pk, department_id=other_department.pk, note=" "
        )

    assert A.REASSIGNED not in actions(rectification.rating.case)


def test_a_done_rectification_is_not_reassigned(rectification, town_office, clerk, other_department):
    answer(clerk, rectification)

    with refused("stale"):
        ratings.rectification_reassign(
            actor=town_office, rectification_id=rectification.pk, department_id=other_department.pk, note="改派"
        )

    rectification.refresh_from_db()
    assert rectification.department_id != other_department.pk
    assert A.REASSIGNED not in actions(rectification.rating.case)


# --- the case history keeps it all ---------------------------------------------------------------------------------


def test_the_whole_story_is_in_the_case_history_and_the_chain_verifies(
    rectification, clerk, town_office, other_clerk, other_department
):
    ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="不实")
    ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="dismissed", note="属实")
    ratings.rectification_reassign(
        actor=town_office, rectification_id=rectification.pk, department_id=other_department.pk, note="改派党政办"
    )
    answer(other_clerk, rectification, "dissatisfied")
    ratings.rectification_call_again(
        actor=other_clerk, rectification_id=rectification.pk, note="再访", result="satisfied"
    )

    case = rectification.rating.case
    assert actions(case)[-6:] == [A.RATED, A.APPEALED, A.APPEAL_DECIDED, A.REASSIGNED, A.RECTIFIED, A.RECTIFIED]
    assert all(workflow.history_allows(e.action, e.from_state, e.to_state) for e in CaseEvent.objects.filter(case=case))
    assert history.verify_chains(number=case.number)[0] == []
    assert reload(case).state == Case.State.COMPLETED


# --- 6. overdue rectifications on the oversight list -----------------------------------------------------------------


def _oversight_section(client_for, user) -> str:
    """The last section of the oversight page: overdue rectifications (logged in now: the clock moves)."""
    response = client_for(user).get(OVERSIGHT)
    assert response.status_code == 200
    return response.content.decode().split("<h2>")[-1]


@pytest.mark.parametrize("who", ["supervisor", "town_office"])
def test_open_rectification_past_due_is_on_the_oversight_list(request, client_for, rectification, clock, who):
    user = request.getfixturevalue(who)
    number = rectification.rating.case.number
    # Open rectifications of any age are listed (issue 11, point 6); before its due date it is not yet overdue.
    clock(DUE - dt.timedelta(minutes=1))
    before = _oversight_section(client_for, user)
    assert f'href="/cases/{number}/"' in before
    assert "<td>—</td>" in before

    clock(DUE + dt.timedelta(minutes=1))
    section = _oversight_section(client_for, user)

    assert f'href="/cases/{number}/"' in section
    assert "2026年3月31日" in section


def test_answered_or_excused_rectifications_leave_the_oversight_list(
    client_for, rectification, clerk, town_office, supervisor, clock
):
    clock(DUE + dt.timedelta(hours=1))
    answer(clerk, rectification, "dissatisfied")  # a first call does not end it
    assert rectification.rating.case.number in _oversight_section(client_for, supervisor)

    ratings.appeal_file(actor=clerk, rectification_id=rectification.pk, reason="不实")
    ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="upheld", note="不实")

    assert rectification.rating.case.number not in _oversight_section(client_for, supervisor)


def test_oversight_shows_no_other_towns_rectifications(client_for, rectification, supervisor, other_town_office, clock):
    clock(DUE + dt.timedelta(hours=1))

    assert rectification.rating.case.number not in client_for(other_town_office).get(OVERSIGHT).content.decode()
    assert rectification.rating.case.number in _oversight_section(client_for, supervisor)


# --- 7. the /rectifications/ page ----------------------------------------------------------------------------------


def _item(response, rectification):
    return next(r for r in response.context["items"] if r.pk == rectification.pk)


def _post(client, rectification, action, **data):
    return client.post(PAGE, {"rectification": rectification.pk, "action": action, **data})


def test_page_shows_the_reasons_the_result_and_the_second_call_form(client_for, rectification, clerk):
    answer(clerk, rectification, "dissatisfied", note="群众仍有意见")

    response = client_for(clerk).get(PAGE)

    content = response.content.decode()
    assert f"{gettext('Took too long')}、{gettext('Staff attitude')}" in content
    assert "群众仍有意见" in content and gettext("Still dissatisfied") in content
    assert 'name="second_callback_note"' in content
    item = _item(response, rectification)
    assert (item.can_answer, item.can_call_again, item.can_appeal, item.can_decide, item.can_reassign) == (
        False,
        True,
        True,
        False,
        False,
    )


def test_page_offers_the_town_office_answer_reassign_and_decide(client_for, appealed, town_office):
    response = client_for(town_office).get(PAGE)

    item = _item(response, appealed)
    assert (item.can_answer, item.can_appeal, item.can_decide, item.can_reassign) == (True, False, True, True)
    assert ("village", appealed.village.name) in item.reassign_choices
    assert str(appealed.department_id) not in dict(item.reassign_choices)
    content = response.content.decode()
    assert 'value="decide"' in content and 'value="reassign"' in content


def test_page_offers_the_supervisor_nothing_to_do(client_for, appealed, supervisor):
    response = client_for(supervisor).get(PAGE)

    item = _item(response, appealed)
    assert not any((item.can_answer, item.can_call_again, item.can_appeal, item.can_decide, item.can_reassign))
    assert 'name="action"' not in response.content.decode()


def test_appeal_and_decision_through_the_page(client_for, rectification, clerk, town_office):
    response = _post(client_for(clerk), rectification, "appeal", appeal_reason="群众要求办理不符合条件")
    assert response.status_code == 302
    assert _messages(response) == [gettext("Appeal filed; the town office will decide.")]

    response = _post(client_for(town_office), rectification, "decide", decision="upheld", decision_note="差评不实")

    assert response.status_code == 302
    assert RatingAppeal.objects.get().decision == "upheld"
    page = client_for(clerk).get(PAGE).content.decode()
    assert "差评不实" in page and gettext("Upheld: not counted against the desk") in page


def test_decision_twice_through_the_page_is_a_conflict(client_for, appealed, town_office):
    client = client_for(town_office)
    _post(client, appealed, "decide", decision="dismissed", decision_note="属实")

    response = _post(client, appealed, "decide", decision="upheld", decision_note="改判")

    assert response.status_code == 409
    assert gettext("This appeal has already been decided.") in response.content.decode()
    assert RatingAppeal.objects.get().decision == "dismissed"


def test_appeal_by_the_town_office_through_the_page_is_forbidden(client_for, rectification, town_office):
    response = _post(client_for(town_office), rectification, "appeal", appeal_reason="不实")

    assert response.status_code == 403
    assert not RatingAppeal.objects.exists()


def test_reassign_through_the_page(client_for, rectification, town_office, other_department):
    response = _post(
        client_for(town_office), rectification, "reassign", desk=str(other_department.pk), reassign_note="党政办负责"
    )

    assert response.status_code == 302
    assert _messages(response) == [gettext("Rectification reassigned.")]
    assert fresh(rectification).department == other_department


def test_refused_reassign_through_the_page_keeps_the_note(client_for, rectification, town_office):
    response = _post(
        client_for(town_office), rectification, "reassign", desk=str(rectification.department_id), reassign_note="再派"
    )

    assert response.status_code == 200
    assert ">再派</textarea>" in response.content.decode()
    assert gettext("The rectification is already with this desk.") in response.content.decode()


def test_dissatisfied_then_second_call_through_the_page(client_for, rectification, clerk):
    client = client_for(clerk)
    response = _post(
        client,
        rectification,
        "answer",
        action_taken="批评教育",
        callback_note="仍不满意",
        callback_result="dissatisfied",
    )
    assert _messages(response) == [
        gettext("Recorded. The villager is still dissatisfied: call again after further work.")
    ]

    response = _post(
        client, rectification, "call_again", second_callback_note="上门解释", second_callback_result="satisfied"
    )

    assert response.status_code == 302
    assert fresh(rectification).done_at is not None


def test_unknown_page_action_is_not_found(client_for, rectification, clerk):
    assert _post(client_for(clerk), rectification, "delete").status_code == 404


def test_page_with_appeals_costs_the_same_queries_for_one_and_many(
    client_for, town, village, clerk, town_office, desk_matter, department, clock, django_assert_num_queries
):
    def rated_and_appealed(n: int) -> None:
        for _ in range(n):
            case = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
            complete(case, clerk)
            r = _bad(case)
            ratings.appeal_file(actor=clerk, rectification_id=r.pk, reason="不实")

    rated_and_appealed(1)
    client = client_for(town_office)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(PAGE).context["items"]) == 1

    rated_and_appealed(12)

    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(PAGE).context["items"]) == 13


# --- 5. the admin lists ------------------------------------------------------------------------------------------


def _admin_list(client, model: str, **filters) -> set[int]:
    response = client.get(reverse(f"admin:cases_{model}_changelist"), filters)
    assert response.status_code == 200, response.status_code
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def test_admin_lists_ratings_rectifications_and_appeals_of_the_own_town(
    client_for, appealed, town_office, other_town_office, supervisor
):
    for user in (town_office, supervisor):
        client = client_for(user)
        assert _admin_list(client, "rating") == {appealed.rating_id}
        assert _admin_list(client, "rectification") == {appealed.pk}
        assert _admin_list(client, "ratingappeal") == {RatingAppeal.objects.get().pk}
    staff_elsewhere = client_for(other_town_office)
    for model in ("rating", "rectification", "ratingappeal"):
        assert _admin_list(staff_elsewhere, model) == set()


def test_admin_filters_by_level_department_village_and_overdue(
    client_for, finished, rejected_at_village, town_office, department, village, clock
):
    desk = _bad(finished, level=Rating.Level.DISSATISFIED)
    by_village = _bad(rejected_at_village, level=Rating.Level.VERY_DISSATISFIED)
    client = client_for(town_office)

    assert _admin_list(client, "rectification", rating__level__exact=2) == {desk.pk}
    assert _admin_list(client, "rectification", department__id__exact=department.pk) == {desk.pk}
    assert _admin_list(client, "rectification", village__id__exact=village.pk) == {desk.pk, by_village.pk}
    assert _admin_list(client, "rating", level__exact=1) == {by_village.rating_id}
    assert _admin_list(client, "rating", rectification__department__id__exact=department.pk) == {desk.rating_id}
    assert _admin_list(client, "rating", case__village__id__exact=village.pk) == {desk.rating_id, by_village.rating_id}

    answer(town_office, desk)  # done in time
    clock(DUE + dt.timedelta(hours=1))
    client = client_for(town_office)
    assert _admin_list(client, "rectification", overdue="open") == {by_village.pk}
    assert _admin_list(client, "rectification", overdue="no") == {desk.pk}
    assert _admin_list(client, "rating", overdue="open") == {by_village.rating_id}


def test_admin_does_not_change_ratings(client_for, appealed, town_office):
    client = client_for(town_office)

    response = client.post(reverse("admin:cases_rating_change", args=[appealed.rating_id]), {"level": 5})

    assert response.status_code == 403
    assert Rating.objects.get(pk=appealed.rating_id).level == Rating.Level.VERY_DISSATISFIED
