"""The town office sees only its own town in the admin; a hand-typed admin URL of another town's row finds nothing."""

import pytest

from tests.factories import (
    DepartmentFactory,
    TownFactory,
    VillageCadreFactory,
    VillageFactory,
    open_case,
    route_matter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_town_case():
    town = TownFactory(code="451425103", name="另一个镇")
    village = VillageFactory(town=town, name="别镇村")
    department = DepartmentFactory(town=town, name="别镇民政办")
    matter = route_matter(town=town, departments=[department])
    cadre = VillageCadreFactory(village=village).user
    return open_case(actor=cadre, matter=matter, village=village)


@pytest.fixture
def own_case(town, village, department, cadre):
    matter = route_matter(town=town, departments=[department])
    return open_case(actor=cadre, matter=matter, village=village)


@pytest.mark.parametrize(
    "path",
    ["cases/case/", "cases/caseevent/", "villages/village/", "departments/department/", "cases/matter/"],
)
def test_office_changelists_show_only_their_town(client_for, town_office, own_case, other_town_case, path):
    response = client_for(town_office).get(f"/admin/{path}")
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    model = response.context["cl"].model
    own = model.objects.filter(pk__in=shown)
    assert own.exists()
    for obj in own:
        assert _town_of(obj) == own_case.town


def _town_of(obj):
    for path in ("town", "case.town", "village.town"):
        target = obj
        for part in path.split("."):
            target = getattr(target, part, None)
        if target is not None and target.__class__.__name__ == "Town":
            return target
    return None


def test_office_cannot_open_another_towns_case_in_the_admin(client_for, town_office, other_town_case):
    response = client_for(town_office).get(f"/admin/cases/case/{other_town_case.pk}/change/")
    assert response.status_code == 302  # "does not exist" redirect to the admin index, not the case
    assert "/admin/" in response["Location"]


def test_office_cannot_edit_another_towns_matter(client_for, town_office, other_town_case):
    matter = other_town_case.matter
    response = client_for(town_office).get(f"/admin/cases/matter/{matter.pk}/change/")
    assert response.status_code == 302


def test_superuser_sees_every_town(client_for, superuser, own_case, other_town_case):
    response = client_for(superuser).get("/admin/cases/case/")
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert {own_case.pk, other_town_case.pk} <= shown


def test_county_departments_are_visible_to_every_town_office(client_for, town_office, county_department):
    response = client_for(town_office).get("/admin/departments/department/")
    assert county_department.pk in {obj.pk for obj in response.context["cl"].result_list}


def test_office_forms_offer_only_their_towns_choices(client_for, town_office, town, department, other_town_case):
    other_town = other_town_case.town
    other_department = other_town_case.steps.exclude(department=None).first().department
    response = client_for(town_office).get("/admin/cases/matter/add/")
    form = response.context["adminform"].form
    assert list(form.fields["town"].queryset) == [town]
    route_form = response.context["inline_admin_formsets"][0].formset.empty_form
    offered = set(route_form.fields["department"].queryset)
    assert department in offered
    assert other_department not in offered
    village_form = client_for(town_office).get("/admin/villages/village/add/").context["adminform"].form
    assert other_town not in set(village_form.fields["town"].queryset)


def test_office_cannot_add_a_village_to_another_town(client_for, town_office, other_town_case):
    other_town = other_town_case.town
    response = client_for(town_office).post(
        "/admin/villages/village/add/",
        {
            "town": other_town.pk,
            "code": "999",
            "name": "闯入村",
            "desk_order": 1,
            "hamlets-TOTAL_FORMS": 0,
            "hamlets-INITIAL_FORMS": 0,
            "cadres-TOTAL_FORMS": 0,
            "cadres-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "town" in response.context["adminform"].form.errors
    assert not other_town.villages.filter(name="闯入村").exists()
