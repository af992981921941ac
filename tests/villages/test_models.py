"""Towns, villages, hamlets and cadre membership: uniqueness in the database, and the admin lists."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import HamletFactory, TownFactory, VillageCadreFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_village_name_is_unique_in_its_town(village):
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(town=village.town, name=village.name)


def test_same_village_name_is_allowed_in_another_town(village):
    VillageFactory(town=TownFactory(), name=village.name)

    assert type(village).objects.filter(name=village.name).count() == 2


def test_hamlet_name_is_unique_in_its_village(village):
    HamletFactory(village=village, name="谷岭屯")

    with pytest.raises(IntegrityError), transaction.atomic():
        HamletFactory(village=village, name="谷岭屯")


def test_same_hamlet_name_is_allowed_in_another_village(village, other_village):
    HamletFactory(village=village, name="那显屯")
    hamlet = HamletFactory(village=other_village, name="那显屯")

    assert str(hamlet) == "印勇村那显屯"


def test_cadre_joins_a_village_only_once(cadre, village):
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageCadreFactory(user=cadre, village=village)


def test_cadre_may_serve_two_villages(cadre, other_village):
    VillageCadreFactory(user=cadre, village=other_village)

    assert cadre.village_memberships.count() == 2


def test_admin_village_changelist_searches_and_filters(client_for, superuser, town, village, other_village):
    HamletFactory(village=village, name="谷岭屯")
    VillageFactory(town=TownFactory(), name="爱乐新村")

    client = client_for(superuser)
    by_name = client.get("/admin/villages/village/", {"q": "爱乐", "town__id__exact": town.pk})
    by_hamlet = client.get("/admin/villages/village/", {"q": "谷岭"})

    assert by_name.status_code == 200
    assert list(by_name.context["cl"].result_list) == [village]
    assert by_hamlet.status_code == 200
    assert list(by_hamlet.context["cl"].result_list) == [village]


def test_admin_village_cadre_changelist_searches_and_filters(client_for, superuser, cadre, village, other_village):
    VillageCadreFactory(village=other_village, user__name="韦丽芳")
    VillageCadreFactory(village=village, user__name="黄志明")

    response = client_for(superuser).get(
        "/admin/villages/villagecadre/", {"q": "韦丽", "village__id__exact": village.pk}
    )

    assert response.status_code == 200
    assert [c.user for c in response.context["cl"].result_list] == [cadre]


def test_town_office_sees_the_village_changelist(client_for, town_office, village):
    response = client_for(town_office).get("/admin/villages/village/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [village]


def test_supervisor_cannot_add_a_village(client_for, supervisor, village):
    client = client_for(supervisor)

    assert client.get("/admin/villages/village/").status_code == 200
    assert client.get("/admin/villages/village/add/").status_code == 403
