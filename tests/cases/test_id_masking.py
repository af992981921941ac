"""Full ID numbers and phones only where the user's work needs them (issue 8, point 0): the case page and every
paper follow one rule (cases.presenters.may_see_full_id); everyone else sees 451425********123X."""

import pytest

from cases.models import mask_id_number
from departments.models import DepartmentMember
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    DepartmentMemberFactory,
    VillageCadreFactory,
    complete,
    open_case,
    reload,
    stamp,
)

pytestmark = pytest.mark.django_db

PAPERS = ("certificate", "referral", "receipt")
MASKED = mask_id_number(APPLICANT_ID)


@pytest.fixture
def at_county(cadre, clerk, other_clerk, village, hamlet, referral_matter):
    """赵国向's case after the village, 民政办 and 党政办: now the referral to 县民政局, handled by 党政办's desk."""
    case = open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlet)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    return reload(case)


def shows(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    if APPLICANT_ID in page:
        return "full"
    assert MASKED in page or "ID number" not in page, url
    return "masked"


def test_the_village_cadre_sees_the_full_number_on_page_and_papers(client_for, cadre, at_county):
    client = client_for(cadre)

    assert shows(client, f"/cases/{at_county.number}/") == "full"
    assert shows(client, f"/cases/{at_county.number}/print/certificate/") == "full"
    assert shows(client, f"/cases/{at_county.number}/print/referral/") == "full"


def test_the_desk_handing_to_the_county_sees_the_full_number(client_for, other_clerk, at_county):
    client = client_for(other_clerk)

    assert shows(client, f"/cases/{at_county.number}/") == "full"
    assert shows(client, f"/cases/{at_county.number}/print/referral/") == "full"


@pytest.mark.parametrize("role", ["clerk", "supervisor", "town_office"])
def test_roles_whose_work_is_done_or_who_only_read_see_it_masked_everywhere(request, client_for, role, at_county):
    client = client_for(request.getfixturevalue(role))

    for url in (f"/cases/{at_county.number}/", *(f"/cases/{at_county.number}/print/{p}/" for p in PAPERS)):
        page = client.get(url).content.decode()
        assert APPLICANT_ID not in page, (role, url)
        assert APPLICANT_PHONE not in page, (role, url)
    assert MASKED in client.get(f"/cases/{at_county.number}/print/certificate/").content.decode()


def test_a_cadre_who_is_also_a_clerk_sees_other_villages_masked(
    client_for, clerk, department, other_cadre, other_village, referral_matter, village
):
    # 民政办's clerk is also a cadre of 印勇村; a case of 爱乐村 that has left 民政办 is not their work any more.
    VillageCadreFactory(village=other_village, user=clerk)
    aile_cadre = VillageCadreFactory(village=village).user
    case = open_case(actor=aile_cadre, matter=referral_matter, village=village)
    stamp(case, aile_cadre)
    complete(case, clerk)

    client = client_for(clerk)
    assert shows(client, f"/cases/{case.number}/") == "masked"
    assert shows(client, f"/cases/{case.number}/print/certificate/") == "masked"


def test_the_clerk_whose_step_is_active_sees_the_full_number(client_for, clerk, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)

    assert shows(client_for(clerk), f"/cases/{case.number}/") == "full"
    assert shows(client_for(clerk), f"/cases/{case.number}/print/certificate/") == "full"


def test_a_paper_masks_exactly_as_the_case_page_does(request, client_for, at_county, county_department):
    officer = DepartmentMemberFactory(department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER).user
    users = [request.getfixturevalue(r) for r in ("cadre", "clerk", "other_clerk", "supervisor", "town_office")]
    for user in [*users, officer]:
        client = client_for(user)
        page = client.get(f"/cases/{at_county.number}/")
        if page.status_code != 200:
            continue
        on_page = APPLICANT_ID in page.content.decode()
        for paper in ("certificate", "referral"):
            printed = client.get(f"/cases/{at_county.number}/print/{paper}/").content.decode()
            assert (APPLICANT_ID in printed) == on_page, (user, paper)


def test_a_full_number_shown_is_logged_without_the_number(client_for, cadre, at_county, caplog):
    with caplog.at_level("INFO", logger="jinjie.security"):
        client_for(cadre).get(f"/cases/{at_county.number}/print/certificate/")

    lines = [r.getMessage() for r in caplog.records if r.name == "jinjie.security"]
    assert any(line.startswith("full_id_shown") and at_county.number in line for line in lines)
    assert not any(APPLICANT_ID in line or APPLICANT_PHONE in line for line in lines)
