"""Two towns of one county (issue 13 point 1): 进结镇 from tests/conftest.py and 龙茗镇 here, with a desk of the
same name in each, and a town office for each."""

import pytest
from django.contrib.auth.models import Group

from jinjie.management.commands.seed_demo import group_permissions
from tests.factories import DepartmentFactory, TownFactory, TownStaffFactory, VillageFactory
from villages.models import TownStaff


@pytest.fixture
def second_town(db):
    return TownFactory(code="451425104", name="龙茗镇", county="天等县")


@pytest.fixture
def second_village(second_town):
    return VillageFactory(town=second_town, name="龙茗村", is_sample=False)


@pytest.fixture
def second_department(second_town):
    return DepartmentFactory(town=second_town, name="民政办", desk_label="民政")


@pytest.fixture
def second_office(second_town):
    group, _ = Group.objects.get_or_create(name="镇办")
    if not group.permissions.exists():
        group.permissions.set(group_permissions(view_only=False))
    user = TownStaffFactory(
        town=second_town, role=TownStaff.Role.OFFICE, user__is_staff=True, user__town=second_town
    ).user
    user.groups.add(group)
    return user
