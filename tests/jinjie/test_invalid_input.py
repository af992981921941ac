"""Bad input from an untrusted network (issue 8, point 0): NUL bytes give a Chinese 400, never a 500; phone and ID
fields take ASCII digits (full-width converted, other scripts refused); a desk can only take in for its own
village; exports never hand a spreadsheet a formula."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from cases.models import Case
from tests.cases.test_intake import DESK_INTAKE, form_data, open_form, take_in
from tests.factories import APPLICANT_ID, APPLICANT_PHONE, TownFactory, VillageFactory, open_case

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def anonymous_paths():
    return [
        "/t/a%00b/",
        "/api/v1/cases/451425102-20261202-0001%00?phone4=1234",
        "/api/v1/cases/451425102?phone4=12%0034",
        "/guide/a%00b/",
        "/track/?x=%00",
        "/api/v1/market-days?town=%00&from=2026-12-01&to=2026-12-31",
    ]


def assert_chinese_400(response):
    assert response.status_code == 400, response.status_code
    assert CHINESE.search(response.content.decode())


def test_nul_bytes_in_public_urls_give_a_chinese_400(client, town, anonymous_paths):
    for path in anonymous_paths:
        assert_chinese_400(client.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/desk/intake/?matter=%00",
        "/desk/intake/?matter=a&village=1%00",
        "/cases/451425102-20261202-0001%00/",
    ],
)
def test_nul_bytes_in_staff_urls_give_a_chinese_400(client_for, cadre, path):
    assert_chinese_400(client_for(cadre).get(path))


@pytest.mark.parametrize("path", ["/admin/stats/?month=%00", "/admin/stats/export.csv?month=2026-11%00"])
def test_nul_bytes_in_the_statistics_give_a_chinese_400(client_for, town_office, path):
    assert_chinese_400(client_for(town_office).get(path))


def test_nul_byte_in_a_posted_form_changes_nothing(client, town):
    response = client.post("/track/", {"number": "451425102\x00", "phone4": "1234"})

    assert_chinese_400(response)


# --- ASCII digits ------------------------------------------------------------------------------------------------


def test_full_width_phone_and_id_are_stored_as_ascii(client_for, cadre, referral_matter):
    response = take_in(
        client_for(cadre),
        referral_matter,
        applicant_phone=APPLICANT_PHONE.translate(FULL_WIDTH),
        applicant_id_number=APPLICANT_ID.translate(FULL_WIDTH),
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert case.applicant_phone == APPLICANT_PHONE
    assert case.applicant_id_number == APPLICANT_ID


@pytest.mark.parametrize("phone", ["١٣٩٠٧٧١١٢٣٤", "1390771123４5x", "139-0771-12"])
def test_phone_in_other_digits_is_refused_with_a_message(client_for, cadre, referral_matter, phone):
    response = take_in(client_for(cadre), referral_matter, applicant_phone=phone)

    assert response.status_code == 200
    assert CHINESE.search(" ".join(response.context["form"].errors["applicant_phone"]))
    assert not Case.objects.exists()


def test_id_number_in_other_digits_is_refused(client_for, cadre, referral_matter):
    arabic = APPLICANT_ID[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + APPLICANT_ID[17]

    response = take_in(client_for(cadre), referral_matter, applicant_id_number=arabic)

    assert "applicant_id_number" in response.context["form"].errors
    assert not Case.objects.exists()


def test_tracking_with_full_width_digits_finds_the_case(client, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)

    response = client.post("/track/", {"number": case.number, "phone4": APPLICANT_PHONE[-4:].translate(FULL_WIDTH)})

    assert response.status_code == 302


def test_user_phone_refuses_full_width_digits(db):
    from django.core.exceptions import ValidationError

    from jinjie.models import User

    user = User(username="x", name="某某", phone="1" + "３９０７７１１２３４")
    with pytest.raises(ValidationError) as refused:
        user.full_clean(exclude=["password"])
    assert "phone" in refused.value.message_dict


# --- the desk's own village --------------------------------------------------------------------------------------


def test_intake_for_a_village_the_cadre_does_not_serve_is_refused(client_for, cadre, other_village, referral_matter):
    client = client_for(cadre)
    response = open_form(client, referral_matter)

    posted = client.post(DESK_INTAKE, form_data(response, referral_matter, village=other_village.pk), follow=True)

    assert not Case.objects.exists()
    assert any(CHINESE.search(str(m)) for m in posted.context["messages"])


def test_intake_form_for_another_towns_village_is_refused(client_for, cadre, referral_matter):
    elsewhere = VillageFactory(town=TownFactory(code="451425103", name="别的镇"))

    response = client_for(cadre).get(DESK_INTAKE, {"matter": referral_matter.code, "village": elsewhere.pk})

    assert response.status_code == 302
    assert not Case.objects.exists()


# --- exports -----------------------------------------------------------------------------------------------------


@pytest.fixture
def formula_village(town):
    return VillageFactory(town=town, name='=HYPERLINK("http://x.example","点我")', desk_order=99)


def test_csv_export_neutralises_formula_like_names(client_for, town_office, formula_village):
    response = client_for(town_office).get("/admin/stats/export.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert f"'{formula_village.name}" in cells
    assert formula_village.name not in cells


def test_excel_export_keeps_formula_like_names_as_text(client_for, town_office, formula_village):
    response = client_for(town_office).get("/admin/stats/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    named = [cell for cell in cells if cell.value == formula_village.name]
    assert named
    assert all(cell.data_type == "s" for cell in named)
    assert not any(cell.data_type == "f" for cell in cells)
