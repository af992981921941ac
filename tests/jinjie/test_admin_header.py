"""The admin names the town of whoever is logged in (a county deployment has many towns)."""

import pytest

pytestmark = pytest.mark.django_db


def test_each_towns_office_sees_its_own_towns_name_in_the_admin(client_for, town_office):
    from tests.factories import TownFactory, TownStaffFactory, UserFactory

    other = TownFactory(code="451425104", name="龙茗镇")
    other_office = UserFactory(is_staff=True, town=other)
    TownStaffFactory(user=other_office, town=other, role="office")

    assert "进结镇政务服务大厅" in client_for(town_office).get("/admin/").content.decode()
    theirs = client_for(other_office).get("/admin/").content.decode()
    assert "龙茗镇政务服务大厅" in theirs and "进结镇政务服务大厅" not in theirs
