"""The outbox: which changes of a case write which message, with what in it, in the change's own transaction."""

import datetime as dt

import pytest
from django.db import transaction

from cases import services, workflow
from cases.models import Case, CaseEvent, Matter
from notices import services as notice_services
from notices.models import Kind, Notification, State
from tests.factories import complete, id_number, open_case, reload, route_matter, stamp
from tests.notices.conftest import at

pytestmark = pytest.mark.django_db


def kinds(case) -> list[str]:
    return list(Notification.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


def one(case, kind) -> Notification:
    return Notification.objects.get(case=case, kind=kind)


@pytest.fixture
def at_county_visit(clock, cadre, clerk, other_clerk, village, appointment_matter):
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return reload(case)


def book(case, clerk, *, date: dt.date, time=dt.time(9, 30), place="镇政务服务大厅"):
    return services.appointment_book(actor=clerk, case_id=case.pk, date=date, time=time, place=place)


# --- what each change writes ------------------------------------------------------------------------------------


def test_intake_writes_the_received_message_with_number_and_tracking_link(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    message = one(case, Kind.RECEIVED)
    assert kinds(case) == [Kind.RECEIVED]
    assert message.state == State.WAITING
    assert message.phone == case.applicant_phone
    assert message.params["number"] == case.number
    assert message.params["link"] == f"http://127.0.0.1:8000/t/{case.token}/"
    assert case.number in message.text and f"/t/{case.token}/" in message.text
    assert message.event == CaseEvent.objects.get(case=case, action="received")
    assert message.town == case.town


def test_materials_request_lists_what_is_missing_and_the_deadline(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    identity = next(m for m in reload(case).materials if m["name"] == "身份证")
    services.case_request_materials(actor=clerk, case_id=case.pk, material_ids=[identity["id"]], missing="医院诊断证明")

    message = one(case, Kind.MATERIALS)
    deadline = workflow.deadline(message.event.at, referral_matter.correction_days).due_on
    assert message.params["materials"] == "身份证、医院诊断证明"
    assert message.params["deadline"] == f"{deadline.month}月{deadline.day}日"
    assert "身份证、医院诊断证明" in message.text and message.params["deadline"] in message.text


def test_a_case_opened_awaiting_materials_is_told_both(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)

    assert kinds(case) == [Kind.RECEIVED, Kind.MATERIALS]
    assert one(case, Kind.MATERIALS).params["materials"] == "户口簿、身份证"


def test_a_long_materials_list_is_shortened_with_the_count(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    many = "\n".join(f"第{i}份很长的证明材料复印件" for i in range(1, 8))
    services.case_request_materials(actor=clerk, case_id=case.pk, missing=many)

    listed = one(case, Kind.MATERIALS).params["materials"]
    assert len(listed) <= 35
    assert listed.endswith("等7项")


def test_booking_tells_date_time_place_and_department(at_county_visit, other_clerk, county_department):
    appointment = book(
        at_county_visit, other_clerk, date=dt.date(2026, 12, 6), time=dt.time(9, 30), place="镇政务服务大厅"
    )

    message = one(at_county_visit, Kind.APPOINTMENT)
    assert message.appointment == appointment
    assert message.params == {
        "number": at_county_visit.number,
        "department": county_department.name,
        "date": "12月6日",
        "time": "09:30",
        "place": "镇政务服务大厅",
    }


def test_completion_says_how_to_collect_and_invites_a_rating(clock, clerk, village, cadre, town, department):
    matter = route_matter(town=town, departments=[department], code="mailed", result_delivery=Matter.Delivery.MAIL)
    case = open_case(actor=cadre, matter=matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)

    assert reload(case).state == Case.State.COMPLETED
    assert kinds(case) == [Kind.RECEIVED, Kind.COMPLETED, Kind.RATE]
    assert one(case, Kind.COMPLETED).params["delivery"] == "结果将邮寄给您"
    rate = one(case, Kind.RATE)
    assert rate.params["link"] == f"http://127.0.0.1:8000/t/{case.token}/rate/"


def test_collection_at_the_desk_is_the_default_wording(clock, clerk, village, cadre, town, department):
    matter = route_matter(town=town, departments=[department], code="desk")
    case = open_case(actor=cadre, matter=matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)

    assert "窗口领取" in one(case, Kind.COMPLETED).text


def test_refusal_before_acceptance_says_not_accepted_with_the_reason(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)
    services.case_refuse(actor=cadre, case_id=case.pk, reason="逾期未补齐材料")

    message = one(case, Kind.REFUSED)
    assert message.params["reason"] == "逾期未补齐材料"
    assert "不予受理" in message.text and "逾期未补齐材料" in message.text
    assert Kind.RATE in kinds(case)


def test_refused_on_the_spot_at_intake_the_villager_gets_only_the_refusal(clock, cadre, village, referral_matter):
    case = services.case_intake(
        actor=cadre,
        matter=referral_matter,
        village=village,
        applicant=services.Applicant(name="黄必刘", id_number=id_number(), phone="13907710000"),
        refuse_reason="不属于本镇受理范围",
    )

    assert case.state == workflow.CaseState.REFUSED
    assert kinds(case) == [Kind.REFUSED, Kind.RATE]
    assert "不属于本镇受理范围" in one(case, Kind.REFUSED).text
    assert CaseEvent.objects.filter(case=case, action="received").exists()  # the history still says it was registered


def test_refused_after_the_one_time_notice_the_registration_message_stays(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, open_awaiting=True, bring_all=False)
    services.case_refuse(actor=cadre, case_id=case.pk, reason="逾期未补齐材料")

    assert kinds(case) == [Kind.RECEIVED, Kind.MATERIALS, Kind.REFUSED, Kind.RATE]


def test_rejection_after_acceptance_says_not_granted_with_the_reason(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    services.case_reject(actor=clerk, case_id=case.pk, reason="家庭收入超过救助标准")

    message = one(case, Kind.REJECTED)
    assert "不予办理" in message.text and "家庭收入超过救助标准" in message.text
    assert kinds(case) == [Kind.RECEIVED, Kind.REJECTED, Kind.RATE]


def test_steps_that_do_not_concern_the_villager_write_nothing(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    services.step_accept(actor=clerk, case_id=case.pk)

    assert kinds(case) == [Kind.RECEIVED]


# --- declined, quiet hours, no phone ----------------------------------------------------------------------------


def test_a_villager_who_declined_gets_rows_recorded_as_declined(clock, cadre, clerk, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    Case.objects.filter(pk=case.pk).update(messages_declined=True)
    stamp(case, cadre)
    services.case_reject(actor=clerk, case_id=case.pk, reason="不符合条件")

    states = dict(Notification.objects.filter(case=case).values_list("kind", "state"))
    assert states == {
        Kind.RECEIVED: State.WAITING,  # written before the villager's choice was recorded here
        Kind.REJECTED: State.DECLINED,
        Kind.RATE: State.DECLINED,
    }


def test_written_in_the_quiet_hours_the_message_is_held_until_eight(clock, cadre, village, referral_matter):
    clock(at(21, 30))
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    message = one(case, Kind.RECEIVED)
    assert message.state == State.HELD
    assert message.next_attempt_at == at(8, 0, day=4)


def test_just_before_the_quiet_hours_it_waits_to_be_sent(clock, cadre, village, referral_matter):
    clock(at(20, 59))
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    assert one(case, Kind.RECEIVED).state == State.WAITING


def test_after_midnight_it_is_held_until_eight_the_same_morning(clock, cadre, village, referral_matter):
    clock(at(0, 30, day=4))
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    assert one(case, Kind.RECEIVED).next_attempt_at == at(8, 0, day=4)


def test_a_case_without_a_mobile_number_records_the_message_failed(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village, phone="07715221234")

    message = one(case, Kind.RECEIVED)
    assert message.state == State.FAILED
    assert message.error


# --- the same transaction -----------------------------------------------------------------------------------------


def test_a_rolled_back_transition_leaves_no_message(clock, cadre, town, village):
    """The intake writes its history event (and so the message), then finds the matter has no route and refuses:
    the whole transaction rolls back — no case, no event, no message."""
    matter = route_matter(town=town, departments=[], needs_village_certificate=False, code="no-route")

    with pytest.raises(services.WrongState):
        open_case(actor=cadre, matter=matter, village=village)

    assert not CaseEvent.objects.exists()
    assert not Notification.objects.exists()


def test_a_transition_rolled_back_by_its_caller_takes_its_messages_with_it(
    clock, cadre, clerk, village, referral_matter
):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_reject(actor=clerk, case_id=case.pk, reason="不符合条件")
        assert Notification.objects.filter(case=case, kind=Kind.REJECTED).exists()
        raise RuntimeError("the request failed after the service")

    assert kinds(case) == [Kind.RECEIVED]
    assert reload(case).state != Case.State.REJECTED


def test_the_worker_is_woken_only_when_the_transaction_commits(
    clock, cadre, village, referral_matter, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_case(actor=cadre, matter=referral_matter, village=village)
    assert not DBTaskResult.objects.exists()

    for callback in callbacks:
        callback()
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == ["notices.tasks.send_due"]


def test_writing_the_same_event_again_writes_no_second_message(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    event = CaseEvent.objects.get(case=case, action="received")

    notice_services.notifications_for_event(case=reload(case), event=event)

    assert kinds(case) == [Kind.RECEIVED]


# --- the day-before reminder --------------------------------------------------------------------------------------


def test_reminders_are_written_once_for_tomorrows_appointments(clock, at_county_visit, other_clerk):
    book(at_county_visit, other_clerk, date=dt.date(2026, 12, 5))  # booked on the 3rd
    clock(at(18, 0, day=4))

    assert notice_services.reminders_write() == 1
    assert notice_services.reminders_write() == 0

    reminder = one(at_county_visit, Kind.REMINDER)
    assert reminder.params["date"] == "12月5日"
    assert reminder.text.startswith("提醒：明天12月5日09:30")
    assert reminder.dedupe == f"reminder:{reminder.appointment_id}"


def test_an_appointment_booked_today_for_tomorrow_gets_no_reminder(clock, at_county_visit, other_clerk):
    book(at_county_visit, other_clerk, date=dt.date(2026, 12, 4))

    assert notice_services.reminders_write() == 0
    assert Kind.APPOINTMENT in kinds(at_county_visit)


def test_no_reminder_for_a_cancelled_appointment_or_another_day(clock, at_county_visit, other_clerk, town_office):
    book(at_county_visit, other_clerk, date=dt.date(2026, 12, 6))
    clock(at(9, 0, day=4))
    assert notice_services.reminders_write() == 0  # the 6th is not tomorrow

    services.case_withdraw(actor=other_clerk, case_id=at_county_visit.pk, reason="本人撤回")
    clock(at(9, 0, day=5))
    assert notice_services.reminders_write() == 0  # withdrawn: the appointment went with the case


def test_a_reminder_written_at_night_is_held_until_morning(clock, at_county_visit, other_clerk):
    book(at_county_visit, other_clerk, date=dt.date(2026, 12, 5))
    clock(at(0, 5, day=4))

    notice_services.reminders_write()

    reminder = one(at_county_visit, Kind.REMINDER)
    assert reminder.state == State.HELD
    assert reminder.next_attempt_at == at(8, 0, day=4)


def test_no_reminder_is_written_late_in_the_evening_before(clock, at_county_visit, other_clerk):
    book(at_county_visit, other_clerk, date=dt.date(2026, 12, 5))
    clock(at(21, 30, day=4))

    assert notice_services.reminders_write() == 0
    assert Kind.REMINDER not in kinds(at_county_visit)
