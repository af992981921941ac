"""代办: a matter carried for the applicant by the village cadre or by a relative with written authorisation (issue 12
point 5) — recorded at intake through the real pages, named on the papers, refused when incomplete, counted."""

import pytest

from cases import services
from cases.models import Case, CaseEvent, Proxy
from tests.cases.test_intake import DESK_INTAKE, QUEUE_INTAKE, assert_nothing_opened, open_form, take_in
from tests.factories import APPLICANT_ID, id_number

pytestmark = pytest.mark.django_db

RELATIVE_ID = id_number(area="452131", birth="19780302", serial="051")


def relative(**overrides) -> dict:
    data = {
        "proxy": Proxy.RELATIVE,
        "proxy_name": "黄志远",
        "proxy_id_number": RELATIVE_ID,
        "proxy_relation": "儿子",
        "proxy_authorised": "on",
    }
    return {**data, **overrides}


def test_cadre_takes_the_matter_on_the_villagers_behalf(client_for, cadre, referral_matter):
    response = take_in(client_for(cadre), referral_matter, proxy=Proxy.CADRE)

    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.proxy, case.proxy_name, case.proxy_id_number) == (Proxy.CADRE, cadre.get_full_name(), "")
    opened = CaseEvent.objects.get(case=case, seq=1)
    assert cadre.get_full_name() in opened.note and "代办" in opened.note


def test_relative_with_written_authorisation_is_recorded(client_for, cadre, referral_matter):
    take_in(client_for(cadre), referral_matter, **relative())

    case = Case.objects.get()
    assert (case.proxy, case.proxy_name, case.proxy_id_number, case.proxy_relation) == (
        Proxy.RELATIVE,
        "黄志远",
        RELATIVE_ID,
        "儿子",
    )
    assert "黄志远" in case.proxy_statement and "儿子" in case.proxy_statement
    assert RELATIVE_ID not in case.proxy_statement  # masked: the area code and the last four only
    assert RELATIVE_ID[-4:] in case.proxy_statement


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"proxy_name": ""}, "亲属代办的，请填写代办人的姓名、身份证号和与申请人的关系。"),
        ({"proxy_id_number": ""}, "亲属代办的，请填写代办人的姓名、身份证号和与申请人的关系。"),
        ({"proxy_relation": ""}, "亲属代办的，请填写代办人的姓名、身份证号和与申请人的关系。"),
        ({"proxy_authorised": ""}, "亲属代办须有申请人的书面授权委托书，查验后请勾选。"),
        ({"proxy_id_number": APPLICANT_ID}, "代办人的身份证号与申请人本人相同。"),
    ],
)
def test_an_incomplete_relative_proxy_is_refused_and_opens_nothing(
    client_for, cadre, referral_matter, overrides, message
):
    response = take_in(client_for(cadre), referral_matter, **relative(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert_nothing_opened()


def test_a_relatives_id_number_is_checked_like_the_applicants(client_for, cadre, referral_matter):
    response = take_in(client_for(cadre), referral_matter, **relative(proxy_id_number="452131199902301234"))

    assert response.status_code == 200
    assert response.context["form"].errors["proxy_id_number"]
    assert_nothing_opened()


def test_a_department_desk_offers_no_cadre_proxy_and_the_service_refuses_one(
    client_for, clerk, department, village, desk_matter
):
    response = open_form(client_for(clerk), desk_matter, QUEUE_INTAKE, department=department.pk, village=village.pk)
    assert Proxy.CADRE not in [value for value, _label in response.context["form"].fields["proxy"].choices]

    with pytest.raises(services.InvalidInput):
        services.case_intake(
            actor=clerk,
            matter=desk_matter,
            village=village,
            applicant=services.Applicant(name="黄必刘", id_number=APPLICANT_ID, phone="13907715678"),
            received_material_ids=[m.pk for m in desk_matter.materials.all()],
            intake_department=department,
            on_behalf=services.OnBehalf(kind=Proxy.CADRE),
        )
    assert_nothing_opened()


def test_the_villager_can_decline_text_messages_at_intake(client_for, cadre, referral_matter):
    take_in(client_for(cadre), referral_matter, messages_declined="on")

    assert Case.objects.get().messages_declined is True


def test_in_person_is_the_default(client_for, cadre, referral_matter):
    take_in(client_for(cadre), referral_matter)

    case = Case.objects.get()
    assert (case.proxy, case.proxy_name, case.messages_declined) == ("", "", False)
    assert case.proxy_statement == ""


def test_the_receipt_names_the_proxy_who_signs_for_it(client_for, cadre, referral_matter):
    client = client_for(cadre)
    take_in(client, referral_matter, **relative())
    case = Case.objects.get()

    page = client.get(f"/cases/{case.number}/receipt/", {"stub": "1"}).content.decode()

    assert "代办" in page and "黄志远" in page and "儿子" in page
    assert "代办人签收" in page
    assert RELATIVE_ID not in page


def test_the_one_stop_view_shows_the_proxy_and_the_declined_messages(client_for, cadre, referral_matter):
    client = client_for(cadre)
    take_in(client, referral_matter, proxy=Proxy.CADRE, messages_declined="on")
    case = Case.objects.get()

    page = client.get(f"/cases/{case.number}/").content.decode()

    assert cadre.get_full_name() in page
    assert "申请人在受理时表示不接收短信" in page


def test_the_intake_page_offers_proxy_and_messages(client_for, cadre, referral_matter):
    page = open_form(client_for(cadre), referral_matter, DESK_INTAKE).content.decode()

    assert "村干部代办" in page and "亲属代办" in page and "授权委托书" in page
