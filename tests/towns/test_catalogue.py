"""Matter codes are unique per town, not across the county, and every lookup by code names the town."""

import pytest
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import Matter
from tests.factories import MatterFactory, TownFactory, route_matter

pytestmark = pytest.mark.django_db


def test_two_towns_may_publish_the_same_code(town, second_town):
    MatterFactory(town=town, code="dibao", name="低保（进结）")
    MatterFactory(town=second_town, code="dibao", name="低保（龙茗）")

    assert Matter.objects.filter(code="dibao").count() == 2


def test_one_town_cannot_have_a_code_twice(town):
    MatterFactory(town=town, code="dibao")

    with pytest.raises(IntegrityError), transaction.atomic():
        MatterFactory(town=town, code="dibao")


def test_guide_matter_finds_the_towns_own_matter_by_code(town, second_town):
    MatterFactory(town=town, code="dibao", name="低保（进结）")
    MatterFactory(town=second_town, code="dibao", name="低保（龙茗）")

    assert selectors.guide_matter(town=second_town, code="dibao").name == "低保（龙茗）"
    assert selectors.guide_matter(town=town, code="dibao").name == "低保（进结）"


def test_guide_matter_refuses_another_towns_code(town, second_town):
    MatterFactory(town=second_town, code="only-longming")

    with pytest.raises(Matter.DoesNotExist):
        selectors.guide_matter(town=town, code="only-longming")


def test_matter_address_names_its_town(town, department):
    matter = route_matter(town=town, departments=[department], code="dibao")

    assert matter.get_absolute_url() == "/451425102/guide/dibao/"


def test_same_code_in_two_counties_is_also_fine(town):
    other = TownFactory(code="451422101", name="外县镇", county="大新县")
    MatterFactory(town=town, code="dibao")
    MatterFactory(town=other, code="dibao")

    assert Matter.objects.filter(code="dibao").count() == 2


def test_admin_says_the_code_is_taken_in_this_town(client_for, town, town_office):
    MatterFactory(town=town, code="dibao")

    response = client_for(town_office).post(
        "/admin/cases/matter/add/",
        {
            "town": town.pk,
            "code": "dibao",
            "name": "重复",
            "category": "certificate",
            "kind": "same_day",
            "promised_days": 0,
            "village_time_limit_days": 0,
            "fee": "免费",
            "county_time_limit_days": 0,
            "display_order": 0,
            "route-TOTAL_FORMS": 0,
            "route-INITIAL_FORMS": 0,
            "materials-TOTAL_FORMS": 0,
            "materials-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        _("The town's catalogue already has a matter with this code.")
    ]
    assert Matter.objects.filter(code="dibao").count() == 1
