"""A county officer opens the cases sent to their department — appointments, and referrals and submissions once the
county step has started — and no other: one rule (cases.selectors.case_scope) for the page, its papers and lists."""

import pytest

from cases.models import CaseStep, Matter
from tests.factories import complete, open_case, reload, route_matter, stamp

pytestmark = pytest.mark.django_db


def _at_county(case, cadre, clerk, other_clerk):
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    case = reload(case)
    assert case.current_step.kind == CaseStep.Kind.COUNTY
    return case


@pytest.fixture
def submission_matter(town, department, other_department, county_department):
    return route_matter(
        town=town,
        departments=[department, other_department],
        county_mode=Matter.CountyMode.SUBMISSION,
        county_department=county_department,
        code="sent-up",
        name="临时救助审批",
    )


def test_county_officer_opens_the_case_referred_to_their_department(
    client_for, village, cadre, clerk, other_clerk, referral_matter, county_officer
):
    case = _at_county(open_case(actor=cadre, matter=referral_matter, village=village), cadre, clerk, other_clerk)

    response = client_for(county_officer).get(f"/cases/{case.number}/")

    assert response.status_code == 200
    assert response.context["case"].pk == case.pk
    assert client_for(county_officer).get(f"/cases/{case.number}/print/referral/").status_code == 200


def test_county_officer_opens_the_file_the_town_sent_up(
    client_for, village, cadre, clerk, other_clerk, submission_matter, county_officer
):
    case = _at_county(open_case(actor=cadre, matter=submission_matter, village=village), cadre, clerk, other_clerk)

    assert client_for(county_officer).get(f"/cases/{case.number}/").status_code == 200


def test_county_officer_of_another_department_gets_404_on_the_referral(
    client_for, village, cadre, clerk, other_clerk, referral_matter, other_county_officer
):
    case = _at_county(open_case(actor=cadre, matter=referral_matter, village=village), cadre, clerk, other_clerk)

    assert client_for(other_county_officer).get(f"/cases/{case.number}/").status_code == 404
    assert client_for(other_county_officer).get(f"/cases/{case.number}/print/referral/").status_code == 404


def test_county_officer_gets_404_before_the_referral_reaches_the_county(
    client_for, village, cadre, clerk, referral_matter, county_officer
):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)  # at 党政办 now; the county step is still pending

    assert client_for(county_officer).get(f"/cases/{case.number}/").status_code == 404
