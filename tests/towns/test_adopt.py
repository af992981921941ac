"""The county template catalogue and a town adopting it (cases/catalogue_template.py and its admin)."""

import pytest

from cases import catalogue_template
from cases.errors import InvalidInput, NotAllowed
from cases.models import Matter, TemplateMaterial, TemplateMatter, TemplateRouteStep
from tests.factories import DepartmentFactory, route_matter

pytestmark = pytest.mark.django_db


def make_template(county="天等县", code="dibao", desks=("民政办",), county_department=None, **kwargs):
    template = TemplateMatter.objects.create(
        county=county,
        code=code,
        name=kwargs.pop("name", "最低生活保障申请"),
        category=Matter.Category.WELFARE,
        kind=Matter.Kind.PROMISED,
        promised_days=len(desks) * 5 + (10 if county_department else 0),
        county_mode=Matter.CountyMode.REFERRAL if county_department else "",
        county_department=county_department,
        county_time_limit_days=10 if county_department else 0,
        **kwargs,
    )
    for order, name in enumerate(desks, 1):
        TemplateRouteStep.objects.create(
            template=template, order=order, department_name=name, action="审核", time_limit_days=5
        )
    TemplateMaterial.objects.create(template=template, order=1, name="户口簿", copies=2)
    TemplateMaterial.objects.create(template=template, order=2, name="身份证")
    return template


def test_office_adopts_a_template_with_route_and_materials_mapped_to_its_own_desks(
    second_town, second_department, second_office, county_department
):
    template = make_template(county_department=county_department)

    result = catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])

    matter = Matter.objects.get(town=second_town, code="dibao")
    assert result.adopted == [matter]
    assert matter.template == template
    assert matter.name == "最低生活保障申请" and matter.promised_days == 15
    assert matter.county_department == county_department and matter.county_mode == Matter.CountyMode.REFERRAL
    assert [(s.order, s.department, s.time_limit_days) for s in matter.route.all()] == [(1, second_department, 5)]
    assert list(matter.materials.values_list("name", "copies")) == [("户口簿", 2), ("身份证", 1)]


def test_adopted_matter_is_the_towns_own_copy(second_town, second_department, second_office):
    template = make_template()
    catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])
    matter = Matter.objects.get(town=second_town, code="dibao")

    matter.name = "低保（龙茗镇的写法）"
    matter.save()
    template.refresh_from_db()
    template.name = "模板改了"
    template.save()

    matter.refresh_from_db()
    assert matter.name == "低保（龙茗镇的写法）"
    assert TemplateMatter.objects.get(pk=template.pk).name == "模板改了"


def test_adopting_twice_leaves_the_towns_adjusted_matter_alone(second_town, second_department, second_office):
    template = make_template()
    catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])
    Matter.objects.filter(town=second_town, code="dibao").update(promised_days=7)

    result = catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])

    assert result.adopted == [] and result.already == ["dibao"]
    assert Matter.objects.get(town=second_town, code="dibao").promised_days == 7


def test_two_towns_adopt_the_same_code(town, department, second_town, second_department, second_office, superuser):
    template = make_template()

    catalogue_template.adopt(actor=superuser, town=town, templates=[template])
    catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])

    assert sorted(Matter.objects.filter(code="dibao").values_list("town__name", flat=True)) == ["进结镇", "龙茗镇"]
    jinjie = Matter.objects.get(town=town, code="dibao")
    assert jinjie.route.get().department == department


def test_matter_whose_desk_the_town_lacks_is_not_adopted_and_says_which(second_town, second_office):
    DepartmentFactory(town=second_town, name="民政办")
    template = make_template(desks=("民政办", "林业站"))

    result = catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])

    assert result.adopted == []
    assert result.missing == {"dibao": ["林业站"]}
    assert "林业站" in str(result)
    assert not Matter.objects.filter(town=second_town).exists()


def test_office_of_another_town_may_not_adopt_into_this_town(town, second_town, second_department, town_office):
    template = make_template()

    with pytest.raises(NotAllowed):
        catalogue_template.adopt(actor=town_office, town=second_town, templates=[template])
    assert not Matter.objects.filter(town=second_town).exists()


def test_template_of_another_county_is_refused(second_town, second_department, second_office):
    template = make_template(county="大新县")

    with pytest.raises(InvalidInput) as refused:
        catalogue_template.adopt(actor=second_office, town=second_town, templates=[template])
    assert refused.value.code == "invalid_input"
    assert not Matter.objects.filter(town=second_town).exists()


def test_superuser_publishes_a_towns_matters_as_the_county_template(town, department, superuser, county_department):
    matter = route_matter(
        town=town,
        departments=[department],
        code="yiliao-jiuzhu",
        county_mode=Matter.CountyMode.REFERRAL,
        county_department=county_department,
        promised_days=4,
    )

    [template] = catalogue_template.template_publish(actor=superuser, matters=[matter])

    assert (template.county, template.code, template.name) == ("天等县", "yiliao-jiuzhu", matter.name)
    assert list(template.route.values_list("department_name", flat=True)) == ["民政办"]
    assert sorted(template.materials.values_list("name", flat=True)) == ["户口簿", "身份证"]
    # Published again after an edit: the same template, rewritten.
    matter.route.all().delete()
    [again] = catalogue_template.template_publish(actor=superuser, matters=[matter])
    assert again.pk == template.pk and not again.route.exists()


def test_town_office_may_not_publish_the_county_template(town, department, town_office):
    matter = route_matter(town=town, departments=[department])

    with pytest.raises(NotAllowed):
        catalogue_template.template_publish(actor=town_office, matters=[matter])
    assert not TemplateMatter.objects.exists()


# --- the admin ------------------------------------------------------------------------------------------------------

LIST = "/admin/cases/templatematter/"


def test_office_adopts_through_the_admin_action(client_for, second_town, second_department, second_office):
    template = make_template()
    client = client_for(second_office)

    confirm = client.post(LIST, {"action": "adopt_into_town", "_selected_action": [template.pk], "index": 0})
    assert confirm.status_code == 200
    assert "最低生活保障申请" in confirm.content.decode()
    done = client.post(
        LIST, {"action": "adopt_into_town", "_selected_action": [template.pk], "town": second_town.pk}, follow=True
    )

    assert done.status_code == 200
    assert Matter.objects.filter(town=second_town, code="dibao").exists()
    assert "龙茗镇" in done.content.decode()


def test_office_cannot_adopt_into_another_town_through_the_admin(
    client_for, town, department, second_town, second_department, second_office
):
    template = make_template()

    response = client_for(second_office).post(
        LIST, {"action": "adopt_into_town", "_selected_action": [template.pk], "town": town.pk}
    )

    assert response.status_code == 200  # the form again: that town is not one to choose
    assert "town" in response.context["form"].errors
    assert not Matter.objects.filter(code="dibao").exists()


def test_office_reads_its_countys_templates_only_and_cannot_change_them(
    client_for, second_town, second_department, second_office
):
    own = make_template(name="本县的模板")
    make_template(county="大新县", code="other", name="外县的模板")
    client = client_for(second_office)

    page = client.get(LIST).content.decode()
    assert "本县的模板" in page and "外县的模板" not in page
    assert client.post(f"{LIST}{own.pk}/change/", {"name": "改"}).status_code == 403
    assert client.get(f"{LIST}add/").status_code == 403


def test_office_sees_no_other_towns_adoptions(
    client_for, town, department, second_town, second_department, second_office, superuser
):
    template = make_template()
    catalogue_template.adopt(actor=superuser, town=town, templates=[template])

    response = client_for(second_office).get(LIST)

    assert response.status_code == 200
    assert response.context["cl"].result_list[0]._adopted == 0
    assert client_for(superuser).get(LIST).context["cl"].result_list[0]._adopted == 1


def test_superuser_publishes_through_the_matter_list_and_an_office_cannot(
    client_for, town, department, town_office, superuser
):
    matter = route_matter(town=town, departments=[department], code="dibao")
    post = {"action": "publish_to_template", "_selected_action": [matter.pk], "index": 0}

    office_page = client_for(town_office).get("/admin/cases/matter/")
    assert "publish_to_template" not in office_page.content.decode()
    client_for(town_office).post("/admin/cases/matter/", post)
    assert not TemplateMatter.objects.exists()

    client_for(superuser).post("/admin/cases/matter/", post)
    assert TemplateMatter.objects.get().code == "dibao"


def test_template_route_is_numbered_without_gaps(client_for, superuser):
    response = client_for(superuser).post(
        f"{LIST}add/",
        {
            "county": "天等县",
            "code": "gap",
            "name": "跳号",
            "category": "certificate",
            "kind": "same_day",
            "promised_days": 0,
            "village_time_limit_days": 0,
            "fee": "免费",
            "county_time_limit_days": 0,
            "display_order": 0,
            "legal_days": 0,
            "correction_days": 5,
            "visits": 1,
            "result_delivery": "desk",
            "route-TOTAL_FORMS": 1,
            "route-INITIAL_FORMS": 0,
            "route-0-order": 2,
            "route-0-department_name": "民政办",
            "route-0-action": "审核",
            "route-0-time_limit_days": 0,
            "materials-TOTAL_FORMS": 0,
            "materials-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert not TemplateMatter.objects.exists()
