"""好差评 and 整改 (issue 5, point 1): a finished case is rated once, through the receipt's QR link or at the desk;
a bad rating opens a rectification for the department of the last step, due in 15 working days."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from cases import services
from cases.models import Case, Holiday, Matter, Rating, Rectification
from cases.services import ratings
from stats.periods import Period
from stats.queries import monthly_report, report
from tests.factories import (
    DepartmentFactory,
    DepartmentMemberFactory,
    HolidayFactory,
    MatterFactory,
    complete,
    open_case,
    refused,
    reload,
    route_matter,
    stamp,
)
from tests.stats.conftest import desk_step, local, make_case, mar, rate, rectify

# Tuesday 10 March 2026, 10:00: the villager rates. The 15th working day after it is Tuesday 31 March, so the
# rectification is due when that day ends: 1 April 00:00.
RATED = mar(10, 10)
DUE = local(2026, 4, 1)


@pytest.fixture
def clock(freeze):
    freeze(mar(10, 9))
    return freeze


@pytest.fixture
def two_desk_matter(referral_matter):
    """Village certificate → 民政办 → 党政办 → referral to 县民政局 (the 赵国向 story)."""
    return referral_matter


@pytest.fixture
def at_county(clock, cadre, clerk, other_clerk, village, two_desk_matter):
    """The case has passed 民政办 (clerk) and 党政办 (other_clerk) and waits for the county's decision."""
    case = open_case(actor=cadre, matter=two_desk_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return reload(case)


@pytest.fixture
def finished(at_county, other_clerk, clock):
    """Completed: 党政办 (the desk that wrote the referral) recorded the county's decision at 09:30."""
    clock(mar(10, 9, 30))
    services.county_record_outcome(actor=other_clerk, case_id=at_county.pk, outcome="县民政局已审批")
    case = reload(at_county)
    assert case.state == Case.State.COMPLETED
    clock(RATED)
    return case


@pytest.fixture
def rejected_at_village(clock, cadre, village, two_desk_matter):
    case = open_case(actor=cadre, matter=two_desk_matter, village=village)
    services.case_reject(actor=cadre, case_id=case.pk, reason="不属于本村村民")
    clock(RATED)
    return reload(case)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _rate_by_qr(client, case, level, comment="", reasons=("slow",)):
    return client.post(
        reverse("cases:public_rate", args=[case.token]), {"level": level, "comment": comment, "reasons": reasons}
    )


# --- through the receipt's QR link -------------------------------------------------------------------------------


def test_villager_rates_a_finished_case_through_the_qr_link(client, finished):
    response = _rate_by_qr(client, finished, 5, "  一次办好，不用跑县里  ")

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:public_token", args=[finished.token])
    rating = Rating.objects.get(case=finished)
    assert (rating.level, rating.channel, rating.recorded_by, rating.rated_at) == (5, "qr", None, RATED)
    assert rating.comment == "一次办好，不用跑县里"
    assert _messages(response) == [gettext("Thank you for your rating.")]


def test_second_rating_through_the_qr_link_is_refused_with_a_message(client, finished):
    first = _rate_by_qr(client, finished, 5)
    client.get(first["Location"])  # the villager reads the thank-you

    response = _rate_by_qr(client, finished, 1, "再评一次")

    assert response.status_code == 302
    assert _messages(response) == [gettext("This case has already been rated. Thank you.")]
    assert list(Rating.objects.filter(case=finished).values_list("level", "comment")) == [(5, "")]
    assert not Rectification.objects.exists()


def test_receipt_page_offers_the_rating_only_until_it_is_given(client, finished):
    url = reverse("cases:public_token", args=[finished.token])
    assert client.get(url).context["can_rate"] is True

    _rate_by_qr(client, finished, 4)

    assert client.get(url).context["can_rate"] is False


def test_case_cannot_be_rated_before_it_is_finished(client, at_county):
    response = _rate_by_qr(client, at_county, 5)

    assert _messages(response) == [gettext("A case can be rated once it is finished.")]
    assert not Rating.objects.exists()


def test_withdrawn_case_cannot_be_rated(clock, cadre, village, two_desk_matter):
    case = open_case(actor=cadre, matter=two_desk_matter, village=village)
    services.case_withdraw(actor=cadre, case_id=case.pk, reason="群众不再申请")

    with refused("wrong_state"):
        services.rating_submit(case_id=case.pk, level=5, channel="qr")

    assert not Rating.objects.exists()


@pytest.mark.parametrize("level", ["0", "6", "good", ""])
def test_rating_outside_the_five_levels_is_refused(client, finished, level):
    response = _rate_by_qr(client, finished, level)

    assert _messages(response) == [gettext("Please choose one of the five ratings.")]
    assert not Rating.objects.exists()


def test_unknown_token_gets_404(client, finished):
    response = client.post(reverse("cases:public_rate", args=["not-a-token"]), {"level": 5})

    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_rating_by_get_is_not_allowed(client, finished):
    response = client.get(reverse("cases:public_rate", args=[finished.token]), {"level": 5})

    assert response.status_code == 405
    assert not Rating.objects.exists()


# --- bad ratings open a rectification ----------------------------------------------------------------------------


@pytest.mark.parametrize("level", [Rating.Level.DISSATISFIED, Rating.Level.VERY_DISSATISFIED])
def test_bad_rating_opens_a_rectification_for_the_department_of_the_last_step(
    client, finished, level, other_department, village
):
    _rate_by_qr(client, finished, level, "跑了两趟")

    rectification = Rectification.objects.get(rating__case=finished)
    # 党政办 finished last (it recorded the county's decision); 民政办 handled the case before it.
    assert rectification.department == other_department
    assert rectification.village == village
    assert (rectification.opened_at, rectification.due_at, rectification.done_at) == (RATED, DUE, None)
    assert services.RECTIFICATION_DAYS == 15


@pytest.mark.parametrize(
    ("calendar", "due"),
    [
        ([], DUE),
        # 12 March off: one more working day
        ([(dt.date(2026, 3, 12), Holiday.Kind.HOLIDAY)], local(2026, 4, 2)),
        # …and Saturday 28 March a make-up working day (调休): back to 1 April
        ([(dt.date(2026, 3, 12), Holiday.Kind.HOLIDAY), (dt.date(2026, 3, 28), Holiday.Kind.WORKDAY)], DUE),
        # Qingming (4–6 April 2026) lies after the due day: no effect
        ([(dt.date(2026, 4, 6), Holiday.Kind.HOLIDAY)], DUE),
    ],
)
def test_rectification_due_counts_fifteen_working_days_of_the_calendar(client, finished, calendar, due):
    for day, kind in calendar:
        HolidayFactory(date=day, kind=kind)

    _rate_by_qr(client, finished, Rating.Level.VERY_DISSATISFIED)

    assert Rectification.objects.get(rating__case=finished).due_at == due


@pytest.mark.parametrize(
    "level", [Rating.Level.BASICALLY_SATISFIED, Rating.Level.SATISFIED, Rating.Level.VERY_SATISFIED]
)
def test_good_rating_opens_no_rectification(client, finished, level):
    _rate_by_qr(client, finished, level)

    assert Rating.objects.get(case=finished).level == level
    assert not Rectification.objects.exists()


def test_bad_rating_after_a_county_appointment_goes_to_the_desk_that_booked_it(
    clock, cadre, clerk, other_clerk, county_officer, village, appointment_matter, other_department
):
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    appointment = services.appointment_book(
        actor=other_clerk, case_id=case.pk, date=dt.date(2026, 3, 12), time=dt.time(9, 30), place="镇政务服务大厅"
    )
    clock(mar(12, 10))
    services.appointment_done(actor=county_officer, appointment_id=appointment.pk, outcome="已现场办理")

    services.rating_submit(case_id=case.pk, level=Rating.Level.DISSATISFIED, reasons=["slow"], channel="qr")

    assert Rectification.objects.get(rating__case=case).department == other_department


def test_bad_rating_of_a_case_rejected_at_the_village_is_answered_by_the_village(
    rejected_at_village, village, cadre, clerk
):
    services.rating_submit(
        case_id=rejected_at_village.pk, level=Rating.Level.VERY_DISSATISFIED, reasons=["slow"], channel="qr"
    )
    rectification = Rectification.objects.get(rating__case=rejected_at_village)
    assert (rectification.department, rectification.village) == (None, village)

    with refused("not_allowed"):
        services.rectification_answer(
            actor=clerk,
            rectification_id=rectification.pk,
            action_taken="a",
            callback_note="b",
            callback_result="satisfied",
        )
    services.rectification_answer(
        actor=cadre,
        rectification_id=rectification.pk,
        action_taken="重新解释政策",
        callback_note="群众表示理解",
        callback_result="satisfied",
    )

    assert Rectification.objects.get(pk=rectification.pk).done_by == cadre


# --- at the desk -------------------------------------------------------------------------------------------------


def _rate_at_desk(client, case, level=4):
    return client.post(
        reverse("cases:desk_rate", args=[case.number]), {"level": level, "comment": "当面评价", "reasons": ["trips"]}
    )


@pytest.mark.parametrize("who", ["cadre", "clerk", "other_clerk"])
def test_desk_rating_by_a_cadre_of_the_village_or_a_clerk_who_handled_the_case(request, client_for, finished, who):
    user = request.getfixturevalue(who)

    response = _rate_at_desk(client_for(user), finished, Rating.Level.DISSATISFIED)

    assert response.status_code == 302
    assert response["Location"] == finished.get_absolute_url()
    rating = Rating.objects.get(case=finished)
    assert (rating.channel, rating.recorded_by, rating.level) == ("desk", user, 2)
    assert Rectification.objects.filter(rating=rating).count() == 1


@pytest.mark.parametrize("who", ["other_cadre", "third_clerk", "other_county_officer", "no_role_user"])
def test_desk_rating_by_anyone_else_is_refused_unseen(request, client_for, finished, who):
    user = request.getfixturevalue(who)

    response = _rate_at_desk(client_for(user), finished)

    assert response.status_code == 404
    assert not Rating.objects.exists()


# The county officer reads the case referred to their department (cases.selectors.case_scope) but does not rate it.
@pytest.mark.parametrize("who", ["town_office", "supervisor", "county_officer"])
def test_desk_rating_by_staff_who_may_read_the_case_is_refused_with_a_message(request, client_for, finished, who):
    response = _rate_at_desk(client_for(request.getfixturevalue(who)), finished)

    assert response.status_code == 302
    assert _messages(response) == [
        gettext("Only a cadre of the village or a clerk who handled the case may record its rating.")
    ]
    assert not Rating.objects.exists()


@pytest.fixture
def third_clerk(town):
    """A clerk of a department the case never passed through."""
    return DepartmentMemberFactory(department=DepartmentFactory(town=town, name="农业站")).user


def test_desk_rating_of_a_finished_case_is_also_once(client_for, finished, cadre, clerk):
    _rate_at_desk(client_for(cadre), finished, 5)

    response = _rate_at_desk(client_for(clerk), finished, 1)

    assert _messages(response) == [gettext("This case has already been rated. Thank you.")]
    assert list(Rating.objects.values_list("level", "recorded_by")) == [(5, cadre.pk)]


def test_desk_rating_without_a_user_is_refused(finished):
    with refused("not_allowed"):
        services.rating_submit(case_id=finished.pk, level=5, channel="desk", actor=None)

    assert not Rating.objects.exists()


def test_county_officer_who_did_the_appointment_may_not_record_the_rating(
    clock, client_for, cadre, clerk, other_clerk, county_officer, village, appointment_matter
):
    """A county officer is not a clerk of the case's town desks (may_record_rating hides the form from them)."""
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    appointment = services.appointment_book(
        actor=other_clerk, case_id=case.pk, date=dt.date(2026, 3, 12), time=dt.time(9, 30), place="镇政务服务大厅"
    )
    services.appointment_done(actor=county_officer, appointment_id=appointment.pk, outcome="已现场办理")

    response = _rate_at_desk(client_for(county_officer), case, 5)

    assert not Rating.objects.filter(case=case).exists(), _messages(response)


def test_clerk_of_a_desk_the_case_never_reached_may_not_record_the_rating(rejected_at_village, clerk):
    """民政办 is on the route, but the case was rejected at the village before it got there."""
    with refused("not_allowed"):
        services.rating_submit(case_id=rejected_at_village.pk, level=5, channel="desk", actor=clerk)

    assert not Rating.objects.exists()


# --- answering a rectification -----------------------------------------------------------------------------------


@pytest.fixture
def rectification(finished):
    """A bad rating of the finished case: 党政办 (other_department, other_clerk) must answer by 1 April."""
    services.rating_submit(
        case_id=finished.pk, level=Rating.Level.DISSATISFIED, reasons=["slow"], channel="qr", comment="态度不好"
    )
    return Rectification.objects.get(rating__case=finished)


def test_clerk_of_the_responsible_department_answers_the_rectification(rectification, other_clerk, clock):
    clock(mar(16, 15))

    services.rectification_answer(
        actor=other_clerk,
        rectification_id=rectification.pk,
        action_taken="  已对窗口人员批评教育  ",
        callback_note="  电话回访，群众表示满意  ",
        callback_result="satisfied",
    )

    done = Rectification.objects.get(pk=rectification.pk)
    assert (done.action_taken, done.callback_note) == ("已对窗口人员批评教育", "电话回访，群众表示满意")
    assert (done.done_at, done.callback_at, done.done_by) == (mar(16, 15), mar(16, 15), other_clerk)
    assert done.is_late is False


@pytest.mark.parametrize("who", ["clerk", "cadre", "supervisor", "county_officer", "no_role_user"])
def test_anyone_but_the_responsible_department_or_the_town_office_is_refused(request, rectification, who):
    """(The town office may answer it itself: tests/cases/test_feedback_51.py.)"""
    with refused("not_allowed"):
        services.rectification_answer(
            actor=request.getfixturevalue(who),
            rectification_id=rectification.pk,
            action_taken="已整改",
            callback_note="已回访",
            callback_result="satisfied",
        )

    assert Rectification.objects.get(pk=rectification.pk).done_at is None


@pytest.mark.parametrize(
    ("action_taken", "callback_note"), [("", "已回访"), ("已整改", ""), ("   ", "已回访"), ("", "")]
)
def test_rectification_needs_what_was_done_and_the_follow_up_call(
    rectification, other_clerk, action_taken, callback_note
):
    with refused("invalid_input"):
        services.rectification_answer(
            actor=other_clerk,
            rectification_id=rectification.pk,
            action_taken=action_taken,
            callback_note=callback_note,
            callback_result="satisfied",
        )

    row = Rectification.objects.get(pk=rectification.pk)
    assert (row.done_at, row.action_taken, row.callback_note) == (None, "", "")


def test_rectification_is_answered_once(rectification, other_clerk):
    services.rectification_answer(
        actor=other_clerk,
        rectification_id=rectification.pk,
        action_taken="第一次",
        callback_note="已回访",
        callback_result="satisfied",
    )

    with refused("stale"):
        services.rectification_answer(
            actor=other_clerk,
            rectification_id=rectification.pk,
            action_taken="第二次",
            callback_note="再回访",
            callback_result="satisfied",
        )

    assert Rectification.objects.get(pk=rectification.pk).action_taken == "第一次"


# --- late rectifications are flagged -----------------------------------------------------------------------------


def _answer_at(rectification, clerk, clock, moment):
    clock(moment)
    services.rectification_answer(
        actor=clerk,
        rectification_id=rectification.pk,
        action_taken="已整改",
        callback_note="已回访",
        callback_result="satisfied",
    )
    return Rectification.objects.get(pk=rectification.pk)


def test_rectification_done_on_the_last_day_is_in_time(rectification, other_clerk, clock):
    assert rectification.due_at == DUE

    done = _answer_at(rectification, other_clerk, clock, DUE - dt.timedelta(seconds=1))

    assert done.is_late is False


def test_rectification_done_after_its_due_time_is_late(rectification, other_clerk, clock):
    done = _answer_at(rectification, other_clerk, clock, DUE + dt.timedelta(hours=9))

    assert done.is_late is True


def test_open_rectification_becomes_late_once_its_due_time_passes(rectification, clock):
    clock(DUE - dt.timedelta(minutes=1))
    assert rectification.is_late is False

    clock(DUE + dt.timedelta(minutes=1))
    assert rectification.is_late is True


def test_monthly_report_counts_open_past_due_and_done_late_rectifications(rectification, other_clerk, town, clock):
    month = Period.month(2026, 3)
    before_due = monthly_report(town=town, month=month, now=DUE - dt.timedelta(minutes=1))["figures"]
    after_due = monthly_report(town=town, month=month, now=DUE + dt.timedelta(minutes=1))["figures"]
    _answer_at(rectification, other_clerk, clock, DUE + dt.timedelta(days=2))
    done_late = monthly_report(town=town, month=month, now=DUE + dt.timedelta(days=3))["figures"]

    assert (before_due["bad_ratings"], before_due["rectifications_done"], before_due["rectifications_late"]) == (
        1,
        0,
        0,
    )
    assert (after_due["rectifications_done"], after_due["rectifications_late"]) == (0, 1)
    assert (done_late["rectifications_done"], done_late["rectifications_late"]) == (1, 1)


# --- an upheld appeal (申诉) is not counted against the desk -------------------------------------------------------


def _desks_bad_ratings(town, department) -> int:
    rows = report(town=town, period=Period.month(2026, 3), now=RATED)["by_department"]["rows"]
    return next(row["bad_ratings"] for row in rows if row["pk"] == department.pk)


def _appeal(rectification, desk_clerk):
    ratings.appeal_file(actor=desk_clerk, rectification_id=rectification.pk, reason="群众要求办理不符合条件")


def test_upheld_appeal_takes_the_rating_out_of_the_desks_bad_ratings(
    rectification, other_clerk, town_office, town, other_department
):
    _appeal(rectification, other_clerk)
    assert _desks_bad_ratings(town, other_department) == 1  # filed, not decided: still counted

    ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="upheld", note="差评不实")

    assert _desks_bad_ratings(town, other_department) == 0


def test_dismissed_appeal_leaves_the_rating_in_the_desks_bad_ratings(
    rectification, other_clerk, town_office, town, other_department
):
    _appeal(rectification, other_clerk)
    ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="dismissed", note="属实")

    assert _desks_bad_ratings(town, other_department) == 1


def test_month_keeps_the_villagers_ratings_as_given_but_no_late_rectification_for_an_upheld_appeal(
    rectification, other_clerk, town_office, town, clock
):
    _appeal(rectification, other_clerk)
    after_due = DUE + dt.timedelta(days=1)
    before = monthly_report(town=town, month=Period.month(2026, 3), now=after_due)["figures"]
    ratings.appeal_decide(actor=town_office, rectification_id=rectification.pk, decision="upheld", note="差评不实")
    after = monthly_report(town=town, month=Period.month(2026, 3), now=after_due)["figures"]

    assert (before["bad_ratings"], before["satisfaction_rate"], before["rectifications_late"]) == (1, 0.0, 1)
    assert (after["bad_ratings"], after["satisfaction_rate"], after["rectifications_late"]) == (1, 0.0, 0)


# --- the /rectifications/ page -----------------------------------------------------------------------------------


@pytest.fixture
def two_rectifications(rectification, clock, cadre, clerk, village, desk_matter, department):
    """Besides 党政办's, one for 民政办 (a desk-only case that clerk completed)."""
    case = open_case(actor=clerk, matter=desk_matter, village=village, intake_department=department)
    complete(case, clerk)
    services.rating_submit(case_id=case.pk, level=Rating.Level.VERY_DISSATISFIED, reasons=["slow"], channel="qr")
    return rectification, Rectification.objects.get(rating__case=case)


def _listed(response) -> set[int]:
    return {item.pk for item in response.context["items"]}


def test_rectifications_page_lists_a_departments_own(client_for, two_rectifications, clerk, other_clerk):
    theirs, ours = two_rectifications

    assert _listed(client_for(other_clerk).get(reverse("cases:rectifications"))) == {theirs.pk}
    response = client_for(clerk).get(reverse("cases:rectifications"))
    assert response.status_code == 200
    assert _listed(response) == {ours.pk}
    assert ours.rating.case.number in response.content.decode()


@pytest.mark.parametrize("who", ["town_office", "supervisor"])
def test_rectifications_page_lists_all_of_the_town_for_the_office(request, client_for, two_rectifications, who):
    response = client_for(request.getfixturevalue(who)).get(reverse("cases:rectifications"))

    assert response.status_code == 200
    assert _listed(response) == {r.pk for r in two_rectifications}


def test_rectifications_page_is_forbidden_to_a_county_officer(client_for, two_rectifications, county_officer):
    assert client_for(county_officer).get(reverse("cases:rectifications")).status_code == 403


def test_rectifications_page_needs_a_login(client, two_rectifications):
    response = client.get(reverse("cases:rectifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_clerk_answers_through_the_page(client_for, two_rectifications, other_clerk):
    theirs, _ours = two_rectifications

    response = client_for(other_clerk).post(
        reverse("cases:rectifications"),
        {
            "rectification": theirs.pk,
            "action_taken": "已整改",
            "callback_note": "已回访",
            "callback_result": "satisfied",
        },
    )

    assert response.status_code == 302
    assert _messages(response) == [gettext("Rectification recorded.")]
    assert Rectification.objects.get(pk=theirs.pk).done_by == other_clerk


def test_clerk_cannot_answer_another_departments_rectification_through_the_page(
    client_for, two_rectifications, other_clerk
):
    _theirs, ours = two_rectifications

    response = client_for(other_clerk).post(
        reverse("cases:rectifications"),
        {"rectification": ours.pk, "action_taken": "已整改", "callback_note": "已回访", "callback_result": "satisfied"},
    )

    assert response.status_code == 404
    assert Rectification.objects.get(pk=ours.pk).done_at is None


def test_page_answer_without_the_follow_up_call_saves_nothing_and_keeps_what_was_typed(
    client_for, two_rectifications, other_clerk
):
    theirs, _ours = two_rectifications

    response = client_for(other_clerk).post(
        reverse("cases:rectifications"),
        {"rectification": theirs.pk, "action_taken": "已对窗口人员批评教育", "callback_note": ""},
    )

    assert response.status_code == 200
    assert ">已对窗口人员批评教育</textarea>" in response.content.decode()
    assert Rectification.objects.get(pk=theirs.pk).done_at is None


def test_bad_rating_after_a_county_step_booked_by_the_village_can_be_answered(
    clock, town, village, cadre, county_department, county_officer
):
    """Village certificate, then the county comes to the hall, booked by the cadre (no town desk on the route)."""
    matter = route_matter(
        town=town,
        departments=[],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
        code="village-county",
    )
    case = open_case(actor=cadre, matter=matter, village=village)
    stamp(case, cadre)
    appointment = services.appointment_book(
        actor=cadre, case_id=case.pk, date=dt.date(2026, 3, 12), time=dt.time(9, 30), place="镇政务服务大厅"
    )
    services.appointment_done(actor=county_officer, appointment_id=appointment.pk, outcome="已现场办理")
    services.rating_submit(case_id=case.pk, level=Rating.Level.VERY_DISSATISFIED, reasons=["slow"], channel="qr")
    rectification = Rectification.objects.get(rating__case=case)

    answered = []
    for user in (cadre, county_officer):
        try:
            services.rectification_answer(
                actor=user,
                rectification_id=rectification.pk,
                action_taken="已整改",
                callback_note="已回访",
                callback_result="satisfied",
            )
        except services.CaseError:
            continue
        answered.append(user)

    assert answered == [cadre]
    assert (rectification.department, rectification.village) == (None, village)


def _bad_ratings(*, count, town, village, department, clerk, start=0):
    matter = MatterFactory(town=town, needs_village_certificate=False, code=f"qc-rect-{start}")
    for i in range(start, start + count):
        received = mar(2 + i % 20, 9)
        case = make_case(
            matter=matter,
            village=village,
            received_at=received,
            state=Case.State.COMPLETED,
            closed_at=received + dt.timedelta(hours=1),
            steps=[desk_step(department, started=received, due=mar(25), finished=received + dt.timedelta(hours=1))],
        )
        rating = rate(case, 1 + i % 2, received + dt.timedelta(hours=2))
        done = received + dt.timedelta(days=1) if i % 3 == 0 else None
        rectification = rectify(rating, department=department, opened=rating.rated_at, due=mar(31), done=done)
        if done:
            Rectification.objects.filter(pk=rectification.pk).update(done_by=clerk)


@pytest.mark.parametrize("who", ["clerk", "town_office"])
def test_rectifications_page_query_count_is_the_same_for_one_and_forty(
    request, client_for, town, village, department, clerk, who, django_assert_num_queries
):
    _bad_ratings(count=1, town=town, village=village, department=department, clerk=clerk)
    client = client_for(request.getfixturevalue(who))
    client.get(reverse("cases:rectifications"))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(reverse("cases:rectifications")).context["items"]) == 1

    _bad_ratings(count=39, town=town, village=village, department=department, clerk=clerk, start=1)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("cases:rectifications"))
    assert len(response.context["items"]) == 40
