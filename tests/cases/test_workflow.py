"""The clock of the practice, written once (issue 9, points 1 and 2): due dates, red / yellow / green, and every page
and API that shows a step showing the same date and the same light."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from cases import services, workflow
from cases.models import Case, CaseStep, Holiday
from cases.workflow import Light, deadline, extended
from tests.factories import APPLICANT_PHONE, HolidayFactory, open_case, reload, route_matter

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 12, 2)


def local(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- the due date ------------------------------------------------------------------------------------------------


def test_a_same_day_step_is_due_that_day_and_overdue_from_the_next_working_day():
    due = deadline(local(WEDNESDAY), 0)

    assert due.due_on == WEDNESDAY
    assert due.overdue_from == dt.date(2026, 12, 3)
    assert due.overdue_at == timezone.make_aware(dt.datetime(2026, 12, 3))


def test_five_working_days_from_wednesday_2_december_is_wednesday_9_december():
    due = deadline(local(WEDNESDAY), 5)

    assert due.due_on == dt.date(2026, 12, 9)
    assert due.overdue_from == dt.date(2026, 12, 10)


def test_a_friday_due_date_is_overdue_from_monday_not_saturday():
    due = deadline(local(dt.date(2026, 12, 3)), 1)  # Thursday + 1 → Friday 4 December

    assert due.due_on == dt.date(2026, 12, 4)
    assert due.overdue_from == dt.date(2026, 12, 7)


@pytest.fixture
def national_day_2026(db):
    """国庆 2026 as the demo calendar has it: 1–7 October off, Sunday 20 September and Saturday 10 October worked."""
    for offset in range(7):
        HolidayFactory(date=dt.date(2026, 10, 1) + dt.timedelta(days=offset), kind=Holiday.Kind.HOLIDAY, name="国庆节")
    HolidayFactory(date=dt.date(2026, 9, 20), kind=Holiday.Kind.WORKDAY, name="国庆调休上班")
    HolidayFactory(date=dt.date(2026, 10, 10), kind=Holiday.Kind.WORKDAY, name="国庆调休上班")


def test_across_national_day_the_holidays_are_skipped_and_the_make_up_saturday_counts(national_day_2026):
    # Tue 29 Sep + 5: Wed 30 Sep, (1–7 Oct off), Thu 8, Fri 9, Sat 10 (调休), Mon 12 October.
    due = deadline(local(dt.date(2026, 9, 29)), 5)

    assert due.due_on == dt.date(2026, 10, 12)
    assert due.overdue_from == dt.date(2026, 10, 13)


def test_a_make_up_sunday_before_national_day_counts(national_day_2026):
    assert deadline(local(dt.date(2026, 9, 18)), 1).due_on == dt.date(2026, 9, 20)


def test_the_day_before_national_day_is_overdue_only_after_the_holiday(national_day_2026):
    due = deadline(local(dt.date(2026, 9, 29)), 1)

    assert due.due_on == dt.date(2026, 9, 30)
    assert due.overdue_from == dt.date(2026, 10, 8)


def test_a_step_started_after_hours_counts_from_its_local_day():
    late_evening = local(WEDNESDAY, 23, 30)  # 15:30 UTC, still Wednesday here
    after_midnight = local(dt.date(2026, 12, 3), 0, 30)  # 16:30 UTC on Wednesday, but Thursday here

    assert deadline(late_evening, 0).due_on == WEDNESDAY
    assert deadline(late_evening, 5).due_on == dt.date(2026, 12, 9)
    assert deadline(after_midnight, 0).due_on == dt.date(2026, 12, 3)
    assert deadline(after_midnight, 5).due_on == dt.date(2026, 12, 10)


def test_a_stopped_clock_moves_the_due_date_by_the_working_days_waited():
    assert extended(dt.date(2026, 12, 9), 2) == workflow.Deadline(dt.date(2026, 12, 11), dt.date(2026, 12, 14))


# --- red, yellow, green ------------------------------------------------------------------------------------------

DUE = workflow.Deadline(due_on=dt.date(2026, 12, 9), overdue_from=dt.date(2026, 12, 10))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(dt.date(2026, 12, 8), 17), Light.GREEN),
        (local(dt.date(2026, 12, 9), 8), Light.YELLOW),
        (local(dt.date(2026, 12, 9), 23, 59), Light.YELLOW),
        (local(dt.date(2026, 12, 10), 0, 0), Light.RED),
        (local(dt.date(2026, 12, 20)), Light.RED),
    ],
)
def test_light_of_a_running_clock(now, expected):
    assert workflow.light(running=True, due_on=DUE.due_on, due_at=DUE.overdue_at, now=now) == expected


def test_a_stopped_clock_has_no_light():
    assert (
        workflow.light(running=False, due_on=DUE.due_on, due_at=DUE.overdue_at, now=local(dt.date(2026, 12, 20)))
        is None
    )


def test_a_friday_step_is_still_yellow_on_the_weekend():
    friday = deadline(local(dt.date(2026, 12, 3)), 1)

    saturday = workflow.light(
        running=True, due_on=friday.due_on, due_at=friday.overdue_at, now=local(dt.date(2026, 12, 5))
    )
    monday = workflow.light(
        running=True, due_on=friday.due_on, due_at=friday.overdue_at, now=local(dt.date(2026, 12, 7))
    )

    assert (saturday, monday) == (Light.YELLOW, Light.RED)


# --- one case on every page and API ------------------------------------------------------------------------------


@pytest.fixture
def five_day_case(town, village, department, clerk):
    """A desk-only matter of 5 working days, taken in on Wednesday 2 December 2026 at the desk."""
    matter = route_matter(
        town=town, departments=[department], needs_village_certificate=False, time_limit_days=5, code="five"
    )
    matter.promised_days = 5
    matter.save()
    with time_machine.travel(local(WEDNESDAY), tick=False):
        case = open_case(actor=clerk, matter=matter, village=village, intake_department=department)
    return reload(case)


def shown_everywhere(client_for, case, *, clerk, cadre, town_office, client, now) -> dict:
    """What each page and API says of the case's current step: its due date and whether it is overdue."""
    with time_machine.travel(now, tick=False):
        detail = client_for(clerk).get(f"/cases/{case.number}/").content.decode()
        queue = client_for(clerk).get("/queue/").content.decode()
        receipt = client_for(cadre).get(f"/cases/{case.number}/receipt/").content.decode()
        public = client.get(f"/t/{case.token}/").content.decode()
        api = json.loads(client.get(f"/api/v1/cases/{case.number}", {"phone4": APPLICANT_PHONE[-4:]}).content)
        oversight = client_for(town_office).get("/admin/oversight/").content.decode()
        step = CaseStep.objects.annotate(db_light=workflow.light_expression()).get(pk=case.current_step_id)
        python = reload(case).current_step.light
    return {
        "detail": ("12月9日" in detail, "超期" in detail.split("办理记录")[0]),
        "queue": ("12月9日" in queue, "table-danger" in queue),
        "public": ("12月9日" in public, "超期" in public),
        "api": (api["current_step"]["due_on"] == "2026-12-09", api["current_step"]["overdue"]),
        "oversight": (True, case.number in oversight.split("<h2>")[1]),  # the first section lists overdue cases
        "database": (step.due_on == dt.date(2026, 12, 9), step.db_light == Light.RED),
        "python": (True, python == Light.RED),
        "receipt": ("2026年12月9日" in receipt, False),
    }


def test_every_page_shows_the_same_due_date_and_no_page_says_overdue_on_the_due_day(
    client, client_for, clerk, cadre, town_office, five_day_case
):
    seen = shown_everywhere(
        client_for,
        five_day_case,
        clerk=clerk,
        cadre=cadre,
        town_office=town_office,
        client=client,
        now=local(dt.date(2026, 12, 9), 15),
    )

    assert {name: overdue for name, (_, overdue) in seen.items()} == dict.fromkeys(seen, False), seen
    assert all(date for name, (date, _) in seen.items() if name != "oversight"), seen


def test_every_page_says_overdue_from_the_next_working_day(
    client, client_for, clerk, cadre, town_office, five_day_case
):
    seen = shown_everywhere(
        client_for,
        five_day_case,
        clerk=clerk,
        cadre=cadre,
        town_office=town_office,
        client=client,
        now=local(dt.date(2026, 12, 10), 9),
    )

    overdue = {name: flag for name, (_, flag) in seen.items() if name != "receipt"}
    assert overdue == dict.fromkeys(overdue, True), seen


def test_no_page_says_overdue_while_the_clock_is_stopped(client, client_for, clerk, cadre, town_office, five_day_case):
    with time_machine.travel(local(dt.date(2026, 12, 3)), tick=False):
        services.case_request_materials(actor=clerk, case_id=five_day_case.pk, missing="缺少户口簿原件")

    seen = shown_everywhere(
        client_for,
        five_day_case,
        clerk=clerk,
        cadre=cadre,
        town_office=town_office,
        client=client,
        now=local(dt.date(2026, 12, 14), 9),
    )

    assert reload(five_day_case).state == Case.State.AWAITING
    overdue = {name: flag for name, (_, flag) in seen.items()}
    assert overdue == dict.fromkeys(overdue, False), seen


def test_bringing_the_materials_moves_every_date_by_the_days_waited(
    client, client_for, clerk, cadre, town_office, five_day_case
):
    with time_machine.travel(local(dt.date(2026, 12, 3)), tick=False):
        services.case_request_materials(actor=clerk, case_id=five_day_case.pk, missing="缺少户口簿原件")
    with time_machine.travel(local(dt.date(2026, 12, 7)), tick=False):  # Thu 3 → Mon 7: Fri and Mon waited
        services.case_materials_brought(actor=clerk, case_id=five_day_case.pk)

    case = reload(five_day_case)
    assert case.current_step.due_on == dt.date(2026, 12, 11)
    assert case.expected_on == dt.date(2026, 12, 11)
    assert case.current_step.due_at == timezone.make_aware(dt.datetime(2026, 12, 14))


def test_a_county_step_without_the_county_offices_time_limit_is_refused(town, county_department):
    from django.core.exceptions import ValidationError

    from cases.models import Matter
    from tests.factories import MatterFactory

    matter = MatterFactory.build(
        town=town,
        county_mode=Matter.CountyMode.REFERRAL,
        county_department=county_department,
        county_time_limit_days=0,
    )

    with pytest.raises(ValidationError) as refused:
        matter.clean()
    assert "county_time_limit_days" in refused.value.message_dict


def test_the_county_referral_is_due_after_the_county_offices_limit_not_the_day_the_town_finishes(
    cadre, clerk, other_clerk, village, referral_matter
):
    with time_machine.travel(local(WEDNESDAY, 9), tick=False):
        case = open_case(actor=cadre, matter=referral_matter, village=village)
        services.case_stamp(actor=cadre, case_id=case.pk, seal_confirmed=True)
        services.step_complete(actor=clerk, case_id=case.pk, outcome="同意")
        services.step_complete(actor=other_clerk, case_id=case.pk, outcome="同意")

    county = reload(case).current_step
    assert county.kind == CaseStep.Kind.COUNTY
    assert county.due_on == deadline(local(WEDNESDAY), referral_matter.county_time_limit_days).due_on
    assert county.due_on > WEDNESDAY
