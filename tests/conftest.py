"""One fixture per role (STYLE.md, Tests). Every user's password is "pw" (tests.factories.PASSWORD)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from cases.models import Matter
from departments.models import DepartmentMember
from jinjie.management.commands.seed_demo import group_permissions
from tests.factories import (
    CountyDepartmentFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    HamletFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VillageCadreFactory,
    VillageFactory,
    route_matter,
)
from villages.models import TownStaff


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a public page one test rendered is not another test's copy
    (jinjie/public_cache.py), nor is a throttle's count."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    # A fast hasher: every user gets a password. Plain static storage and no STATIC_ROOT: the manifest
    # and var/static only exist after collectstatic, and pages must render without them. No HTTPS
    # redirect: DEBUG is off under test, and the test client speaks plain HTTP.
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SECURE_SSL_REDIRECT=False,
        STATIC_ROOT=None,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


def _group(name: str, *, view_only: bool) -> Group:
    """The rights of the real groups (seed_demo): the town's data, its users and login logs."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(group_permissions(view_only=view_only))
    return group


@pytest.fixture
def town(db):
    return TownFactory(code="451425102", name="进结镇", county="天等县")


@pytest.fixture
def village(town):
    return VillageFactory(town=town, name="爱乐村", is_sample=False, desk_order=1)


@pytest.fixture
def other_village(town):
    return VillageFactory(town=town, name="印勇村", is_sample=False, desk_order=2)


@pytest.fixture
def department(town):
    return DepartmentFactory(town=town, name="民政办", desk_label="民政")


@pytest.fixture
def other_department(town):
    return DepartmentFactory(town=town, name="党政办", desk_label="党政")


@pytest.fixture
def county_department(db):
    return CountyDepartmentFactory(name="县民政局", county="天等县")


@pytest.fixture
def cadre(village):
    return VillageCadreFactory(village=village, user__name="韦丽华", user__town=village.town).user


@pytest.fixture
def clerk(department):
    return DepartmentMemberFactory(
        department=department, role=DepartmentMember.Role.CLERK, user__town=department.town
    ).user


@pytest.fixture
def town_office(town):
    user = TownStaffFactory(town=town, role=TownStaff.Role.OFFICE, user__is_staff=True, user__town=town).user
    user.groups.add(_group("镇办", view_only=False))
    return user


@pytest.fixture
def supervisor(town):
    user = TownStaffFactory(town=town, role=TownStaff.Role.SUPERVISOR, user__is_staff=True, user__town=town).user
    user.groups.add(_group("纪检", view_only=True))
    return user


@pytest.fixture
def county_officer(county_department):
    return DepartmentMemberFactory(department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER).user


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def no_role_user(db):
    return UserFactory()


@pytest.fixture
def client_for(db):
    """client_for(user) -> a Client already logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


# --- the case pipeline (issue 3) ---------------------------------------------------------------------------------


@pytest.fixture
def hamlet(village):
    return HamletFactory(village=village, name="谷岭屯")


@pytest.fixture
def other_cadre(other_village):
    return VillageCadreFactory(village=other_village, user__name="黄秀英", user__town=other_village.town).user


@pytest.fixture
def other_clerk(other_department):
    return DepartmentMemberFactory(
        department=other_department, role=DepartmentMember.Role.CLERK, user__town=other_department.town
    ).user


@pytest.fixture
def other_county_department(db):
    return CountyDepartmentFactory(name="县人社局", county="天等县")


@pytest.fixture
def other_county_officer(other_county_department):
    return DepartmentMemberFactory(department=other_county_department, role=DepartmentMember.Role.COUNTY_OFFICER).user


@pytest.fixture
def referral_matter(town, department, other_department, county_department):
    """The 赵国向 story: village certificate → 民政办 → 党政办 → referral to 县民政局."""
    return route_matter(
        town=town,
        departments=[department, other_department],
        county_mode=Matter.CountyMode.REFERRAL,
        county_department=county_department,
        code="medical-aid",
        name="城乡医疗救助证明",
    )


@pytest.fixture
def appointment_matter(town, department, other_department, county_department):
    """Village certificate → 民政办 → 党政办 → 县民政局 comes to the hall (县级约办)."""
    return route_matter(
        town=town,
        departments=[department, other_department],
        county_mode=Matter.CountyMode.APPOINTMENT,
        county_department=county_department,
        code="county-visit",
        name="残疾人证办理",
    )


@pytest.fixture
def desk_matter(town, department):
    """A matter a clerk takes in at the desk: no village certificate, one town desk."""
    return route_matter(
        town=town, departments=[department], needs_village_certificate=False, code="desk-only", name="社保卡补办"
    )
