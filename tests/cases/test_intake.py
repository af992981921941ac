"""Intake at the village desk and at a department desk, through the real pages (issue 3, points 1, 2 and 10)."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from cases.forms import validate_id_number
from cases.models import Case, CaseCounter, CaseEvent, CaseStep, Matter, RouteStep
from cases.templatetags.hall import qr_svg as _qr_svg
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_NAME,
    APPLICANT_NOTES,
    APPLICANT_PHONE,
    DepartmentFactory,
    HamletFactory,
    TownFactory,
    VillageCadreFactory,
    VillageFactory,
    id_number,
    open_case,
    refused,
    route_matter,
)
from villages.models import Consultation

pytestmark = pytest.mark.django_db

DESK_INTAKE = "/desk/intake/"
QUEUE_INTAKE = "/queue/intake/"


def frozen(year: int, month: int, day: int, hour: int = 10):
    """Stop the clock (time is outside the system): services, pages and the database session all read `moment`."""
    moment = timezone.make_aware(dt.datetime(year, month, day, hour))
    return time_machine.travel(moment, tick=False)


def open_form(client, matter: Matter, url: str = DESK_INTAKE, **params):
    response = client.get(url, {"matter": matter.code, **params})
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def form_data(response, matter: Matter, *, materials=None, decision: str = "open", **overrides) -> dict:
    """What the rendered form posts back: the hidden fields from the page plus what the cadre typed."""
    form = response.context["form"]
    data = {
        "matter": matter.code,
        "village": response.context["village"].pk,
        "intake_key": str(form["intake_key"].value()),
        "applicant_name": APPLICANT_NAME,
        "applicant_id_number": APPLICANT_ID,
        "applicant_phone": APPLICANT_PHONE,
        "hamlet": "",
        "notes": APPLICANT_NOTES,
        "materials": [m.pk for m in matter.materials.all()] if materials is None else materials,
        "decision": decision,
    }
    if response.context.get("department"):
        data["department"] = response.context["department"].pk
    data.update(overrides)
    return data


def take_in(client, matter: Matter, url: str = DESK_INTAKE, params=None, **overrides):
    response = open_form(client, matter, url, **(params or {}))
    return client.post(url, form_data(response, matter, **overrides))


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_nothing_opened():
    assert Case.objects.count() == 0
    assert CaseStep.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert not CaseCounter.objects.filter(last__gt=0).exists()


# --- the happy path ----------------------------------------------------------------------------------------------


def test_intake_form_shows_the_matters_materials_checklist(client_for, cadre, referral_matter):
    response = open_form(client_for(cadre), referral_matter)

    content = response.content.decode()
    for material in referral_matter.materials.all():
        assert material.name in content
    assert 'name="intake_key"' in content


def test_cadre_opens_a_case_for_own_village(client_for, cadre, village, hamlet, referral_matter):
    response = take_in(client_for(cadre), referral_matter, hamlet=hamlet.pk)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == f"/cases/{case.number}/receipt/"
    assert case.village == village
    assert case.hamlet == hamlet
    assert case.town == village.town
    assert case.matter == referral_matter
    assert case.state == Case.State.RECEIVED
    assert case.received_by == cadre
    assert case.intake_department is None
    assert (case.applicant_name, case.applicant_id_number, case.applicant_phone) == (
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
    )
    assert case.notes == APPLICANT_NOTES
    assert all(m["received"] for m in case.materials)
    assert case.missing_materials == []
    assert case.current_step.kind == CaseStep.Kind.VILLAGE
    assert case.current_step.state == CaseStep.State.ACTIVE
    assert case.expected_at is not None
    events = list(case.events.order_by("seq").values_list("action", "actor", "to_state"))
    assert events == [
        (CaseEvent.Action.RECEIVED, cadre.pk, Case.State.RECEIVED),
        (CaseEvent.Action.STEP_STARTED, cadre.pk, Case.State.RECEIVED),
    ]


def test_case_number_is_town_code_date_and_daily_sequence(client_for, cadre, referral_matter):
    client = client_for(cadre)

    with frozen(2026, 3, 2):
        take_in(client, referral_matter)
        take_in(client, referral_matter)

    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == ["451425102-20260302-0001", "451425102-20260302-0002"]


def test_daily_sequence_starts_again_the_next_day(client_for, cadre, referral_matter):
    # A new day, a new login: yesterday's session has long gone idle (SESSION_IDLE_SECONDS).
    with frozen(2026, 3, 2):
        take_in(client_for(cadre), referral_matter)
    with frozen(2026, 3, 3):
        take_in(client_for(cadre), referral_matter)

    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == ["451425102-20260302-0001", "451425102-20260303-0001"]


def test_case_number_date_is_the_local_date(client_for, cadre, referral_matter):
    # 01:00 on 3 March in Asia/Shanghai is still 2 March in UTC.
    with frozen(2026, 3, 3, hour=1):
        take_in(client_for(cadre), referral_matter)

    assert Case.objects.get().number == "451425102-20260303-0001"


def test_each_town_has_its_own_daily_sequence(cadre, village, referral_matter):
    other_town = TownFactory(code="451425103")
    far_village = VillageFactory(town=other_town)
    far_cadre = VillageCadreFactory(village=far_village).user
    far_matter = route_matter(town=other_town, departments=[DepartmentFactory(town=other_town)])

    with frozen(2026, 3, 2):
        first = open_case(actor=cadre, matter=referral_matter, village=village)
        far = open_case(actor=far_cadre, matter=far_matter, village=far_village)

    assert first.number == "451425102-20260302-0001"
    assert far.number == "451425103-20260302-0001"


def test_steps_are_copied_from_the_route(client_for, cadre, referral_matter, department, other_department):
    take_in(client_for(cadre), referral_matter)

    case = Case.objects.get()
    steps = list(case.steps.order_by("order"))
    assert [(s.order, s.kind, s.department, s.state) for s in steps] == [
        (1, CaseStep.Kind.VILLAGE, None, CaseStep.State.ACTIVE),
        (2, CaseStep.Kind.DEPARTMENT, department, CaseStep.State.PENDING),
        (3, CaseStep.Kind.DEPARTMENT, other_department, CaseStep.State.PENDING),
        (4, CaseStep.Kind.COUNTY, referral_matter.county_department, CaseStep.State.PENDING),
    ]
    county = steps[3]
    assert county.county_mode == Matter.CountyMode.REFERRAL
    assert county.desk_department == other_department
    assert steps[1].action == "审核"
    assert steps[1].time_limit_days == 1
    assert county.time_limit_days == referral_matter.county_time_limit_days


def test_catalogue_edit_does_not_change_a_case_in_flight(
    client_for, cadre, village, referral_matter, department, other_department
):
    take_in(client_for(cadre), referral_matter)
    case = Case.objects.get()
    before = list(case.steps.order_by("order").values_list("order", "kind", "department", "action", "time_limit_days"))
    replacement = DepartmentFactory(town=village.town, name="农业站")

    RouteStep.objects.filter(matter=referral_matter, order=1).update(
        department=replacement, action="改了", time_limit_days=9
    )
    RouteStep.objects.filter(matter=referral_matter, order=2).delete()
    referral_matter.materials.all().delete()

    after = list(case.steps.order_by("order").values_list("order", "kind", "department", "action", "time_limit_days"))
    assert after == before
    assert Case.objects.get(pk=case.pk).materials == case.materials
    # The edit itself did take: a new case follows the new route.
    newer = open_case(actor=cadre, matter=referral_matter, village=village)
    assert list(newer.steps.order_by("order").values_list("department", flat=True)) == [
        None,
        replacement.pk,
        referral_matter.county_department_id,
    ]


# --- refused input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant_id_number", APPLICANT_ID[:-1] + ("1" if APPLICANT_ID[-1] != "1" else "2")),
        ("applicant_id_number", id_number(area="450000", birth="19990230")),
        ("applicant_id_number", APPLICANT_ID[:17]),
        ("applicant_phone", "1390771123"),
        ("applicant_phone", "23907711234"),
        ("applicant_phone", "139-0771-12"),
    ],
    ids=["id-check-digit", "id-birth-19990230", "id-17-chars", "phone-10-digits", "phone-not-mobile", "phone-dashes"],
)
def test_invalid_applicant_data_re_renders_with_an_error_and_opens_nothing(
    client_for, cadre, referral_matter, field, value
):
    response = take_in(client_for(cadre), referral_matter, **{field: value})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    message = str(errors[field][0])
    assert CHINESE.search(message), message  # the zh_Hans catalogue, whatever its wording
    assert message in response.content.decode()
    assert_nothing_opened()


def test_the_invalid_id_example_is_really_only_wrong_in_its_birth_date():
    # Guard for the test above: the same number with a real date (19990228) is accepted.
    assert validate_id_number(id_number(area="450000", birth="19990228"))


def test_lowercase_x_check_digit_is_accepted_and_stored_upper_case(client_for, cadre, referral_matter):
    number = next(id_number(serial=f"{n:03d}") for n in range(1000) if id_number(serial=f"{n:03d}").endswith("X"))

    take_in(client_for(cadre), referral_matter, applicant_id_number=number.lower())

    assert Case.objects.get().applicant_id_number == number


def test_hamlet_of_another_village_is_refused(client_for, cadre, other_village, referral_matter):
    foreign = HamletFactory(village=other_village, name="那显屯")

    response = take_in(client_for(cadre), referral_matter, hamlet=foreign.pk)

    assert response.status_code == 200
    assert "hamlet" in response.context["form"].errors
    assert_nothing_opened()


def test_missing_required_material_without_awaiting_is_refused(client_for, cadre, referral_matter):
    first = referral_matter.materials.order_by("order").first()

    response = take_in(client_for(cadre), referral_matter, materials=[first.pk])

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert CHINESE.search(str(errors[0])), errors
    assert missing_name(referral_matter) in str(errors[0])
    assert_nothing_opened()


def missing_name(matter: Matter) -> str:
    return matter.materials.order_by("order").last().name


def test_missing_optional_material_opens_normally(client_for, cadre, referral_matter):
    optional = referral_matter.materials.order_by("order").last()
    optional.is_required = False
    optional.save()
    required = [m.pk for m in referral_matter.materials.all() if m.is_required]

    take_in(client_for(cadre), referral_matter, materials=required)

    assert Case.objects.get().state == Case.State.RECEIVED


def test_awaiting_decision_opens_the_case_awaiting_materials(client_for, cadre, referral_matter):
    client = client_for(cadre)
    brought, missing = referral_matter.materials.order_by("order")

    response = take_in(client, referral_matter, materials=[brought.pk], decision="awaiting")

    case = Case.objects.get()
    assert response.status_code == 302
    assert case.state == Case.State.AWAITING
    assert case.paused_at is not None
    assert case.missing_materials == [missing.name]
    last = case.events.order_by("-seq").first()
    assert last.action == CaseEvent.Action.MATERIALS_REQUESTED
    assert (last.from_state, last.to_state, last.actor) == (Case.State.RECEIVED, Case.State.AWAITING, cadre)
    assert missing.name in last.note


def test_one_time_notice_lists_every_missing_material(client_for, cadre, referral_matter):
    client = client_for(cadre)
    brought, missing = referral_matter.materials.order_by("order")
    take_in(client, referral_matter, materials=[brought.pk], decision="awaiting")
    case = Case.objects.get()

    response = client.get(f"/cases/{case.number}/print/missing/")

    assert response.status_code == 200
    content = response.content.decode()
    assert missing.name in content
    assert case.applicant_id_number not in content


def test_awaiting_decision_with_nothing_missing_opens_normally(client_for, cadre, referral_matter):
    take_in(client_for(cadre), referral_matter, decision="awaiting")

    case = Case.objects.get()
    assert case.state == Case.State.RECEIVED
    assert not case.events.filter(action=CaseEvent.Action.MATERIALS_REQUESTED).exists()


def test_consult_decision_records_a_consultation_and_no_case(client_for, cadre, village, referral_matter):
    response = take_in(client_for(cadre), referral_matter, materials=[], decision="consult")

    assert response.status_code == 302
    assert response.url == "/desk/"
    consultation = Consultation.objects.get()
    assert consultation.village == village
    assert consultation.recorded_by == cadre
    assert consultation.people == 1
    assert_nothing_opened()


def test_double_submit_with_the_same_intake_key_opens_one_case(client_for, cadre, referral_matter):
    client = client_for(cadre)
    data = form_data(open_form(client, referral_matter), referral_matter)

    first = client.post(DESK_INTAKE, data)
    second = client.post(DESK_INTAKE, data)

    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/cases/{case.number}/receipt/"
    assert case.events.filter(action=CaseEvent.Action.RECEIVED).count() == 1
    assert CaseCounter.objects.get().last == 1


def test_two_rendered_forms_open_two_cases(client_for, cadre, referral_matter):
    client = client_for(cadre)

    take_in(client, referral_matter)
    take_in(client, referral_matter)

    assert Case.objects.count() == 2


def test_intake_service_refuses_a_cadre_of_another_village(other_cadre, village, referral_matter):
    with refused("not_allowed"):
        open_case(actor=other_cadre, matter=referral_matter, village=village)

    assert_nothing_opened()


def test_cadre_cannot_open_a_case_for_another_village_by_hand_typed_village(
    client_for, other_cadre, village, other_village, referral_matter
):
    client = client_for(other_cadre)
    # Asking for another village's form is refused outright (it used to fall back silently to the cadre's own).
    refused = client.get(DESK_INTAKE, {"matter": referral_matter.code, "village": village.pk})
    assert refused.status_code == 302
    response = open_form(client, referral_matter)
    assert response.context["village"] == other_village

    client.post(DESK_INTAKE, form_data(response, referral_matter, village=village.pk))

    assert not Case.objects.filter(village=village).exists()
    assert not Case.objects.filter(village=other_village).exists()


@pytest.mark.parametrize("role", ["clerk", "county_officer", "supervisor", "town_office", "no_role_user"])
def test_desk_intake_is_forbidden_to_non_cadres(client_for, request, referral_matter, role):
    client = client_for(request.getfixturevalue(role))

    assert client.get(DESK_INTAKE, {"matter": referral_matter.code}).status_code == 403
    assert client.post(DESK_INTAKE, {"matter": referral_matter.code}).status_code == 403
    assert_nothing_opened()


def test_desk_intake_sends_anonymous_user_to_login(client, referral_matter):
    response = client.get(DESK_INTAKE, {"matter": referral_matter.code})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_unknown_matter_goes_back_to_the_desk(client_for, cadre):
    response = client_for(cadre).get(DESK_INTAKE, {"matter": "no-such-matter"})

    assert response.status_code == 302
    assert response.url == "/desk/"


def test_unpublished_matter_cannot_be_taken_in(client_for, cadre, referral_matter):
    referral_matter.is_active = False
    referral_matter.save()

    response = client_for(cadre).get(DESK_INTAKE, {"matter": referral_matter.code})

    assert response.status_code == 302
    assert_nothing_opened()


# --- intake at a department desk ---------------------------------------------------------------------------------


def test_clerk_takes_in_a_matter_without_village_certificate(client_for, clerk, department, village, desk_matter):
    response = take_in(
        client_for(clerk), desk_matter, QUEUE_INTAKE, params={"department": department.pk, "village": village.pk}
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == f"/cases/{case.number}/receipt/"
    assert case.intake_department == department
    assert case.received_by == clerk
    assert case.village == village
    assert [(s.kind, s.department, s.state) for s in case.steps.order_by("order")] == [
        (CaseStep.Kind.DEPARTMENT, department, CaseStep.State.ACTIVE)
    ]


def test_clerk_cannot_take_in_a_matter_that_needs_the_village_certificate(
    client_for, clerk, department, village, referral_matter
):
    client = client_for(clerk)
    params = {"department": department.pk, "village": village.pk, "matter": referral_matter.code}

    get = client.get(QUEUE_INTAKE, params)
    post = client.post(
        QUEUE_INTAKE,
        {
            **params,
            "intake_key": "6b0d8f0e-8a5e-4a59-9d0c-3d7f0c1b2a11",
            "applicant_name": APPLICANT_NAME,
            "applicant_id_number": APPLICANT_ID,
            "applicant_phone": APPLICANT_PHONE,
            "materials": [m.pk for m in referral_matter.materials.all()],
            "decision": "open",
        },
    )

    assert get.status_code == 302
    assert post.status_code == 302
    assert get.url == post.url == "/queue/"
    assert_nothing_opened()


def test_intake_service_refuses_a_clerk_for_a_matter_that_needs_the_village_certificate(
    clerk, department, village, referral_matter
):
    with refused("not_allowed"):
        open_case(actor=clerk, matter=referral_matter, village=village, intake_department=department)

    assert_nothing_opened()


def test_intake_service_refuses_a_clerk_of_another_department(other_clerk, department, village, desk_matter):
    with refused("not_allowed"):
        open_case(actor=other_clerk, matter=desk_matter, village=village, intake_department=department)

    assert_nothing_opened()


@pytest.mark.parametrize("role", ["cadre", "county_officer", "supervisor", "no_role_user"])
def test_queue_intake_is_forbidden_to_non_clerks(client_for, request, village, desk_matter, role):
    response = client_for(request.getfixturevalue(role)).get(
        QUEUE_INTAKE, {"matter": desk_matter.code, "village": village.pk}
    )

    assert response.status_code == 403
    assert_nothing_opened()


# --- the receipt -------------------------------------------------------------------------------------------------


def test_receipt_shows_a_qr_code_to_the_tracking_page_and_no_id_number(client_for, cadre, referral_matter):
    client = client_for(cadre)
    take_in(client, referral_matter)
    case = Case.objects.get()

    response = client.get(f"/cases/{case.number}/receipt/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<svg" in content
    assert f"/t/{case.token}/" in content
    assert case.number in content
    assert referral_matter.name in content
    assert APPLICANT_ID not in content
    assert APPLICANT_ID[6:14] not in content  # not even the birth date
    for material in referral_matter.materials.all():
        assert material.name in content


def test_receipt_qr_code_encodes_the_tracking_url(client_for, cadre, referral_matter):
    client = client_for(cadre)
    take_in(client, referral_matter)
    case = Case.objects.get()

    response = client.get(f"/cases/{case.number}/receipt/")

    # The same code, drawn the way the view draws it, for the absolute tracking URL of this case's token.
    assert _qr_svg(f"http://testserver/t/{case.token}/") in response.content.decode()
    assert _qr_svg(f"http://testserver/t/{case.token}x/") not in response.content.decode()
