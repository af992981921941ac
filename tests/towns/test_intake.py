"""Intake looks a matter up by code in the village's own town: another town's code opens nothing."""

import pytest
from django.utils.translation import gettext as _

from cases.models import Case
from tests.factories import route_matter

pytestmark = pytest.mark.django_db

DESK_INTAKE = "/desk/intake/"


def test_intake_form_opens_the_towns_own_matter_of_a_shared_code(
    client_for, cadre, village, department, second_town, second_department
):
    route_matter(town=village.town, departments=[department], code="dibao", name="进结的低保")
    route_matter(town=second_town, departments=[second_department], code="dibao", name="龙茗的低保")

    response = client_for(cadre).get(DESK_INTAKE, {"matter": "dibao", "village": village.pk})

    assert response.status_code == 200
    assert response.context["form"].matter.name == "进结的低保"


def test_intake_refuses_another_towns_matter_code(client_for, cadre, village, second_town, second_department):
    route_matter(town=second_town, departments=[second_department], code="only-longming")

    response = client_for(cadre).post(DESK_INTAKE, {"matter": "only-longming", "village": village.pk}, follow=True)

    assert response.redirect_chain[-1][0] == "/desk/"
    assert [str(m) for m in response.context["messages"]] == [_("Choose a matter from the catalogue first.")]
    assert not Case.objects.exists()
