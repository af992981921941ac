"""The matter catalogue: a route must make sense, in the model, in the admin and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Material, Matter, RouteStep
from tests.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RouteStepFactory,
    TownFactory,
)

pytestmark = pytest.mark.django_db


def clean_errors(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        instance.clean()
    return excinfo.value.message_dict


def test_matter_with_valid_county_step_is_clean(town, county_department):
    matter = Matter(
        town=town,
        code="ok",
        name="医疗救助",
        category=Matter.Category.WELFARE,
        promised_days=3,
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
        county_time_limit_days=5,  # the county office's own limit (issue 9: not due the day the town finishes)
    )
    matter.full_clean()
    matter.save()

    assert Matter.objects.get(code="ok").county_department == county_department


def test_matter_refuses_county_step_at_a_town_department(town, department):
    matter = MatterFactory.build(town=town, county_mode=Matter.CountyMode.APPOINTMENT, county_department=department)

    assert list(clean_errors(matter)) == ["county_department"]


def test_matter_refuses_county_department_without_mode(town, county_department):
    matter = MatterFactory.build(town=town, county_mode="", county_department=county_department)

    assert list(clean_errors(matter)) == ["county_mode"]


def test_matter_refuses_county_mode_without_department(town):
    matter = MatterFactory.build(town=town, county_mode=Matter.CountyMode.REFERRAL, county_department=None)

    assert list(clean_errors(matter)) == ["county_department"]


def test_matter_refuses_same_day_with_promised_days(town):
    matter = MatterFactory.build(town=town, kind=Matter.Kind.SAME_DAY, promised_days=3)

    assert list(clean_errors(matter)) == ["promised_days"]


def test_matter_refuses_promised_time_without_days(town):
    matter = MatterFactory.build(town=town, kind=Matter.Kind.PROMISED, promised_days=0)

    assert list(clean_errors(matter)) == ["promised_days"]


def test_route_step_at_own_town_department_is_clean(town, department):
    matter = MatterFactory(town=town)

    step = RouteStep(matter=matter, order=1, department=department, action="审核")
    step.full_clean()
    step.save()

    assert list(matter.route.values_list("department", flat=True)) == [department.pk]


def test_route_step_refuses_county_department(town, county_department):
    step = RouteStep(matter=MatterFactory(town=town), order=1, department=county_department, action="审批")

    assert list(clean_errors(step)) == ["department"]


def test_route_step_refuses_department_of_another_town(town):
    elsewhere = DepartmentFactory(town=TownFactory(), name="民政办")
    step = RouteStep(matter=MatterFactory(town=town), order=1, department=elsewhere, action="审核")

    assert list(clean_errors(step)) == ["department"]


def matter_post(town, steps: list[tuple[int, object]], **overrides) -> dict:
    """The admin add form for a matter, with its route inline (order, department) and no materials."""
    data = {
        "town": town.pk,
        "code": "medical-assistance",
        "name": "城乡医疗救助证明",
        "category": Matter.Category.WELFARE,
        "summary": "",
        "display_order": 0,
        "is_active": "on",
        "kind": Matter.Kind.PROMISED,
        "promised_days": 3,
        "needs_village_certificate": "on",
        "village_time_limit_days": 0,
        "county_mode": "",
        "county_department": "",
        "county_action": "",
        "county_time_limit_days": 0,
        "conditions": "",
        "legal_basis": "",
        "fee": "免费",
        "contact": "",
        "route-TOTAL_FORMS": len(steps),
        "route-INITIAL_FORMS": 0,
        "route-MIN_NUM_FORMS": 0,
        "route-MAX_NUM_FORMS": 1000,
        "materials-TOTAL_FORMS": 0,
        "materials-INITIAL_FORMS": 0,
        "materials-MIN_NUM_FORMS": 0,
        "materials-MAX_NUM_FORMS": 1000,
    }
    for i, (order, department) in enumerate(steps):
        data |= {
            f"route-{i}-order": order,
            f"route-{i}-department": department.pk,
            f"route-{i}-action": "审核",
            f"route-{i}-time_limit_days": 1,
        }
    return data | overrides


def route_errors(response) -> list[str]:
    (route,) = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "route"]
    return list(route.non_form_errors())


def test_admin_saves_route_numbered_from_one(client_for, superuser, town, department, other_department):
    response = client_for(superuser).post(
        "/admin/cases/matter/add/", matter_post(town, [(1, department), (2, other_department)])
    )

    assert response.status_code == 302
    matter = Matter.objects.get(code="medical-assistance")
    assert [(s.order, s.department) for s in matter.route.order_by("order")] == [
        (1, department),
        (2, other_department),
    ]


def test_admin_refuses_route_with_a_gap(client_for, superuser, town, department, other_department):
    response = client_for(superuser).post(
        "/admin/cases/matter/add/", matter_post(town, [(1, department), (3, other_department)])
    )

    assert response.status_code == 200
    assert "1、3" in " ".join(route_errors(response))
    assert not Matter.objects.exists()


def test_admin_refuses_route_with_a_repeat(client_for, superuser, town, department, other_department):
    response = client_for(superuser).post(
        "/admin/cases/matter/add/", matter_post(town, [(1, department), (1, other_department)])
    )

    assert response.status_code == 200
    assert route_errors(response)
    assert not Matter.objects.exists()


def test_admin_refuses_route_step_at_county_department(client_for, superuser, town, county_department):
    response = client_for(superuser).post("/admin/cases/matter/add/", matter_post(town, [(1, county_department)]))

    assert response.status_code == 200
    assert not Matter.objects.exists()


def test_admin_refuses_county_step_at_town_department(client_for, superuser, town, department):
    response = client_for(superuser).post(
        "/admin/cases/matter/add/",
        matter_post(town, [], county_mode=Matter.CountyMode.APPOINTMENT, county_department=department.pk),
    )

    assert response.status_code == 200
    assert "county_department" in response.context["adminform"].form.errors
    assert not Matter.objects.exists()


def test_database_refuses_two_route_steps_with_the_same_order(town):
    step = RouteStepFactory(matter=MatterFactory(town=town), order=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        RouteStepFactory(matter=step.matter, order=1)


def test_database_refuses_route_step_order_zero(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        RouteStepFactory(matter=MatterFactory(town=town), order=0)


def test_database_refuses_material_without_copies(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        MaterialFactory(matter=MatterFactory(town=town), copies=0)

    assert not Material.objects.exists()


def test_database_refuses_same_day_matter_with_days(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterFactory(town=town, kind=Matter.Kind.SAME_DAY, promised_days=2)


def test_database_refuses_county_mode_without_department(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterFactory(town=town, county_mode=Matter.CountyMode.REFERRAL, county_department=None)


def test_admin_matter_changelist_searches_and_filters(client_for, superuser, town):
    medical = MatterFactory(town=town, name="城乡医疗救助证明", category=Matter.Category.WELFARE)
    MatterFactory(town=town, name="居住证明", category=Matter.Category.CERTIFICATE)
    MatterFactory(town=town, name="临时救助", category=Matter.Category.WELFARE)

    response = client_for(superuser).get(
        "/admin/cases/matter/", {"q": "证明", "category__exact": Matter.Category.WELFARE}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [medical]
