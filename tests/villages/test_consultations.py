"""Consultations recorded in two clicks, and on-the-spot dispute mediation (issue 4, point 4)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Case, CaseStep, Matter, MediationOutcome
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_NAME,
    APPLICANT_PHONE,
    TownFactory,
    VillageFactory,
    open_case,
    route_matter,
    stamp,
)
from tests.villages.clock import at
from villages.models import Consultation
from villages.services import VillageError, consultation_record

pytestmark = pytest.mark.django_db

NEW = "/consultations/new/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_defaults(response) -> dict:
    """What the page's consultation form posts if nobody touches it (its hidden fields and initial values)."""
    form = response.context["consultation_form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    back = re.search(r'name="back" value="(\w+)"', response.content.decode())
    data["back"] = back.group(1)
    return data


# --- from the village desk ---------------------------------------------------------------------------------------


def test_cadre_records_a_consultation(client_for, cadre, village, town, time_machine):
    time_machine.move_to(at(10, 15), tick=False)

    response = client_for(cadre).post(
        NEW, {"topic": "welfare", "people": 3, "village": village.pk, "note": " 问低保 ", "back": "desk"}
    )

    assert (response.status_code, response["Location"]) == (302, "/desk/")
    assert messages_of(response) == [_("Consultation recorded.")]
    consultation = Consultation.objects.get()
    assert (consultation.town, consultation.village, consultation.topic) == (town, village, "welfare")
    assert (consultation.people, consultation.note) == (3, "问低保")
    assert (consultation.recorded_by, consultation.recorded_at) == (cadre, at(10, 15))


def test_two_clicks_on_the_desk_choose_a_topic_and_record(client_for, cadre, village):
    client = client_for(cadre)
    desk = client.get("/desk/")

    response = client.post(NEW, {**form_defaults(desk), "topic": "social_security"})

    assert response["Location"] == "/desk/"
    consultation = Consultation.objects.get()
    assert (consultation.topic, consultation.people, consultation.village) == ("social_security", 1, village)


def test_cadre_may_not_record_for_another_village(client_for, cadre, other_village):
    response = client_for(cadre).post(NEW, {"topic": "land", "people": 1, "village": other_village.pk})

    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    assert not Consultation.objects.exists()


# --- from the department queue -----------------------------------------------------------------------------------


def test_clerk_records_a_consultation_from_the_queue(client_for, clerk, town, other_village):
    client = client_for(clerk)
    queue = client.get("/queue/")

    response = client.post(NEW, {**form_defaults(queue), "topic": "agriculture", "village": other_village.pk})

    assert (response.status_code, response["Location"]) == (302, "/queue/")
    consultation = Consultation.objects.get()
    assert (consultation.town, consultation.village, consultation.recorded_by) == (town, other_village, clerk)


def test_clerk_may_leave_the_village_empty(client_for, clerk, town):
    client_for(clerk).post(NEW, {"topic": "other", "people": 2, "village": "", "back": "queue"})

    consultation = Consultation.objects.get()
    assert (consultation.village, consultation.people, consultation.town) == (None, 2, town)


def test_clerk_may_not_record_a_village_of_another_town(client_for, clerk):
    foreign = VillageFactory(town=TownFactory())

    client_for(clerk).post(NEW, {"topic": "other", "people": 1, "village": foreign.pk, "back": "queue"})

    assert not Consultation.objects.exists()


# --- refusals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("people", [0, -1, 1000, ""])
def test_a_bad_number_of_people_records_nothing_and_says_why(client_for, cadre, village, people):
    response = client_for(cadre).post(NEW, {"topic": "other", "people": people, "village": village.pk})

    assert response["Location"] == "/desk/"
    (message,) = messages_of(response)
    assert message.startswith(_("The consultation was not recorded: %(errors)s") % {"errors": ""})
    assert not Consultation.objects.exists()


def test_a_missing_topic_records_nothing(client_for, cadre, village):
    response = client_for(cadre).post(NEW, {"topic": "", "people": 1, "village": village.pk})

    assert len(messages_of(response)) == 1
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("people", [0, 501])
def test_service_refuses_a_bad_number_of_people(town, cadre, village, people):
    with pytest.raises(VillageError):
        consultation_record(actor=cadre, town=town, village=village, topic="other", people=people)

    assert not Consultation.objects.exists()


def test_service_refuses_a_village_of_another_town_and_an_unknown_topic(town, cadre):
    foreign = VillageFactory(town=TownFactory())

    with pytest.raises(VillageError):
        consultation_record(actor=cadre, town=town, village=foreign, topic="other", people=1)
    with pytest.raises(VillageError):
        consultation_record(actor=cadre, town=town, village=None, topic="gossip", people=1)

    assert not Consultation.objects.exists()


@pytest.mark.parametrize("role", ["town_office", "supervisor", "county_officer", "no_role_user"])
def test_other_roles_get_403(client_for, request, village, role):
    response = client_for(request.getfixturevalue(role)).post(
        NEW, {"topic": "other", "people": 1, "village": village.pk}
    )

    assert response.status_code == 403
    assert not Consultation.objects.exists()


def test_anonymous_user_is_sent_to_log_in(client, village):
    response = client.post(NEW, {"topic": "other", "people": 1, "village": village.pk})

    assert response["Location"].startswith("/accounts/login/")
    assert not Consultation.objects.exists()


def test_recording_takes_no_get(client_for, cadre):
    assert client_for(cadre).get(NEW).status_code == 405


# --- the intake page's "only a consultation" button --------------------------------------------------------------


def test_intake_consult_button_records_a_missing_materials_consultation_and_no_case(
    client_for, cadre, village, referral_matter
):
    client = client_for(cadre)
    page = client.get("/desk/intake/", {"matter": referral_matter.code})
    assert 'value="consult"' in page.content.decode()

    response = client.post(
        "/desk/intake/",
        {
            "matter": referral_matter.code,
            "village": village.pk,
            "intake_key": str(page.context["form"]["intake_key"].value()),
            "applicant_name": "",
            "decision": "consult",
        },
    )

    assert response["Location"] == "/desk/"
    consultation = Consultation.objects.get()
    assert (consultation.topic, consultation.note, consultation.village) == (
        Consultation.Topic.MISSING_MATERIALS,
        referral_matter.name,
        village,
    )
    assert not Case.objects.exists()


# --- on-the-spot dispute mediation -------------------------------------------------------------------------------


@pytest.fixture
def dispute_matter(town, department):
    """邻里纠纷调处: village certificate, then the mediation desk."""
    return route_matter(
        town=town,
        departments=[department],
        category=Matter.Category.DISPUTE,
        kind=Matter.Kind.SAME_DAY,
        promised_days=0,
        code="dispute",
        name="邻里纠纷调处",
        materials=(),
    )


def intake_post(client, matter, village, **extra):
    page = client.get("/desk/intake/", {"matter": matter.code})
    return client.post(
        "/desk/intake/",
        {
            "matter": matter.code,
            "village": village.pk,
            "intake_key": str(page.context["form"]["intake_key"].value()),
            "applicant_name": APPLICANT_NAME,
            "applicant_id_number": APPLICANT_ID,
            "applicant_phone": APPLICANT_PHONE,
            "decision": "open",
            **extra,
        },
    )


def test_dispute_intake_requires_the_parties(client_for, cadre, village, dispute_matter):
    response = intake_post(client_for(cadre), dispute_matter, village, parties="  ")

    assert response.status_code == 200
    assert response.context["form"].errors["parties"]
    assert not Case.objects.exists()


def test_dispute_intake_stores_the_parties(client_for, cadre, village, dispute_matter):
    response = intake_post(client_for(cadre), dispute_matter, village, parties="赵国向、赵国平（宅基地边界）")

    assert response.status_code == 302
    assert Case.objects.get().parties == "赵国向、赵国平（宅基地边界）"


def test_service_refuses_a_dispute_without_parties(cadre, village, dispute_matter):
    with pytest.raises(case_services.CaseError):
        open_case(actor=cadre, matter=dispute_matter, village=village)

    assert not Case.objects.exists()


def test_other_matters_have_no_parties_field(client_for, cadre, referral_matter):
    page = client_for(cadre).get("/desk/intake/", {"matter": referral_matter.code})

    assert "parties" not in page.context["form"].fields


@pytest.fixture
def dispute_at_the_desk(cadre, village, dispute_matter):
    """A dispute taken in and stamped: now at the mediation desk."""
    case = case_services.case_intake(
        actor=cadre,
        matter=dispute_matter,
        village=village,
        hamlet=None,
        applicant=case_services.Applicant(name=APPLICANT_NAME, id_number=APPLICANT_ID, phone=APPLICANT_PHONE),
        notes="",
        received_material_ids=[],
        parties="赵国向、赵国平",
    )
    return stamp(case, cadre)


def test_completing_the_last_desk_of_a_dispute_requires_a_mediation_outcome(clerk, dispute_at_the_desk):
    with pytest.raises(case_services.CaseError, match=re.escape(_("Choose how the mediation ended."))):
        case_services.step_complete(actor=clerk, case_id=dispute_at_the_desk.pk, outcome="双方已到场")

    case = Case.objects.get(pk=dispute_at_the_desk.pk)
    assert case.state != Case.State.COMPLETED
    assert case.mediation_outcome == ""
    assert case.current_step.state == CaseStep.State.ACTIVE


@pytest.mark.parametrize("outcome", MediationOutcome.values)
def test_completing_a_dispute_stores_the_mediation_outcome(clerk, dispute_at_the_desk, outcome):
    case_services.step_complete(
        actor=clerk, case_id=dispute_at_the_desk.pk, outcome="当场调解", mediation_outcome=outcome
    )

    case = Case.objects.get(pk=dispute_at_the_desk.pk)
    assert case.state == Case.State.COMPLETED
    assert case.mediation_outcome == outcome


def test_mediation_outcome_through_the_case_page(client_for, clerk, dispute_at_the_desk):
    case = Case.objects.get(pk=dispute_at_the_desk.pk)
    client = client_for(clerk)
    page = client.get(case.get_absolute_url())
    assert 'name="mediation_outcome"' in page.content.decode()

    refused = client.post(
        f"/cases/{case.number}/complete/",
        {"version": case.version, "step": case.current_step_id, "outcome": "调解", "mediation_outcome": ""},
    )
    assert Case.objects.get(pk=case.pk).state != Case.State.COMPLETED

    done = client.post(
        f"/cases/{case.number}/complete/",
        {"version": case.version, "step": case.current_step_id, "outcome": "调解", "mediation_outcome": "success"},
    )

    assert messages_of(refused) == [_("Choose how the mediation ended.")]
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.mediation_outcome) == (Case.State.COMPLETED, MediationOutcome.SUCCESS)
    assert _("Mediation outcome") in client.get(case.get_absolute_url()).content.decode()


def test_the_admin_shows_consultations_but_never_changes_them(client_for, town_office, superuser, town, village):
    """Counted into the stored month figures (stats.tally): no add, edit or delete behind the store's back."""
    consultation = consultation_record(actor=town_office, town=town, village=village, topic="welfare", people=2)
    for user in (town_office, superuser):
        client = client_for(user)
        assert client.get("/admin/villages/consultation/").status_code == 200
        assert client.get("/admin/villages/consultation/add/").status_code == 403
        page = client.get(f"/admin/villages/consultation/{consultation.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view only
        assert (
            client.post(f"/admin/villages/consultation/{consultation.pk}/delete/", {"post": "yes"}).status_code == 403
        )
    consultation.refresh_from_db()
    assert consultation.people == 2
