"""Public pages: health check, home and the service guide (no login)."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases.models import Matter
from tests.factories import MaterialFactory, MatterFactory, RouteStepFactory, TownFactory

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database_and_says_ok(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_fails_when_the_database_is_down(client):
    with (
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError("down")),
        pytest.raises(DatabaseError),
    ):
        client.get("/healthz")


def test_home_shows_the_town(client, town):
    response = client.get("/")

    assert response.status_code == 200
    assert "进结镇" in response.content.decode()
    assert "天等县" in response.content.decode()


def test_home_lists_published_matters(client, town):
    MatterFactory(town=town, name="城乡医疗救助证明")
    MatterFactory(town=town, name="已下架事项", is_active=False)

    content = client.get("/").content.decode()

    assert "城乡医疗救助证明" in content
    assert "已下架事项" not in content


def test_guide_lists_published_matters_by_category(client, town):
    meter = MatterFactory(town=town, name="新装电表", category=Matter.Category.SERVICE)
    medical = MatterFactory(town=town, name="城乡医疗救助证明", category=Matter.Category.WELFARE)
    residence = MatterFactory(town=town, name="居住证明", category=Matter.Category.CERTIFICATE)
    MatterFactory(town=town, name="已下架事项", category=Matter.Category.CERTIFICATE, is_active=False)

    response = client.get("/guide/")

    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = [
            (str(Matter.Category.CERTIFICATE.label), [residence]),
            (str(Matter.Category.WELFARE.label), [medical]),
            (str(Matter.Category.SERVICE.label), [meter]),
        ]
    assert [(str(label), matters) for label, matters in response.context["categories"]] == expected
    content = response.content.decode()
    for matter in (residence, medical, meter):
        assert matter.name in content
        assert matter.get_absolute_url() in content
    assert "已下架事项" not in content


def test_guide_does_not_list_another_towns_matters(client, town):
    MatterFactory(town=town, name="居住证明")
    MatterFactory(town=TownFactory(code="451425199", name="向都镇"), name="外镇事项")

    content = client.get("/guide/").content.decode()

    assert "居住证明" in content
    assert "外镇事项" not in content


@pytest.fixture
def medical_assistance(town, department, other_department, county_department):
    """赵国向's matter: village certificate, civil affairs, party-government office, county bureau."""
    matter = MatterFactory(
        town=town,
        code="medical-assistance",
        name="城乡医疗救助证明",
        category=Matter.Category.WELFARE,
        promised_days=3,
        county_mode=Matter.CountyMode.REFERRAL,
        county_department=county_department,
        county_action="凭审批表办理医疗救助",
    )
    # Created in reverse so that the page must order by step number, not by id.
    RouteStepFactory(matter=matter, order=2, department=other_department, action="审批登记")
    RouteStepFactory(matter=matter, order=1, department=department, action="审核")
    MaterialFactory(matter=matter, order=1, name="户口簿")
    MaterialFactory(matter=matter, order=2, name="医疗费用发票", copies=2)
    return matter


def test_guide_detail_shows_materials_route_in_order_and_county_step(client, medical_assistance):
    response = client.get("/guide/medical-assistance/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "户口簿" in content
    assert "医疗费用发票" in content
    civil_affairs = content.index("民政办")
    party_office = content.index("党政办")
    county = content.index("县民政局")
    assert civil_affairs < party_office < county
    assert "凭审批表办理医疗救助" in content


def test_guide_detail_of_unknown_matter_is_404(client, town):
    assert client.get("/guide/no-such-matter/").status_code == 404


def test_guide_detail_of_unpublished_matter_is_404(client, town):
    MatterFactory(town=town, code="withdrawn", is_active=False)

    assert client.get("/guide/withdrawn/").status_code == 404


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_guide_list_queries_do_not_grow_with_matters(client, town, county_department, django_assert_num_queries):
    MatterFactory(town=town)
    expected = count_queries(client, "/guide/")

    categories = list(Matter.Category.values)
    for i in range(29):
        MatterFactory(
            town=town,
            category=categories[i % len(categories)],
            county_mode=Matter.CountyMode.APPOINTMENT if i % 2 else "",
            county_department=county_department if i % 2 else None,
        )

    cache.clear()  # the page's own cost, not the public cache's copy (jinjie/public_cache.py)
    with django_assert_num_queries(expected):
        response = client.get("/guide/")
    assert sum(len(matters) for _, matters in response.context["categories"]) == 30


def test_guide_detail_queries_do_not_grow_with_materials_and_steps(
    client, town, county_department, django_assert_num_queries
):
    matter = MatterFactory(
        town=town, code="big", county_mode=Matter.CountyMode.APPOINTMENT, county_department=county_department
    )
    RouteStepFactory(matter=matter, order=1)
    MaterialFactory(matter=matter)
    expected = count_queries(client, "/guide/big/")

    for order in range(2, 6):
        RouteStepFactory(matter=matter, order=order)
    MaterialFactory.create_batch(19, matter=matter)

    cache.clear()
    with django_assert_num_queries(expected):
        response = client.get("/guide/big/")
    content = response.content.decode()
    assert all(material.name in content for material in matter.materials.all())
    assert matter.materials.count() == 20
