"""Departments and their members: level rules in the database and in clean(), and the admin lists."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Department, DepartmentMember
from tests.factories import (
    CountyDepartmentFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_department_name_is_unique_in_its_town(department):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(town=department.town, name=department.name)


def test_same_department_name_is_allowed_in_another_town(department):
    DepartmentFactory(town=TownFactory(), name=department.name)

    assert Department.objects.filter(name=department.name).count() == 2


def test_county_department_name_is_unique_in_its_county(county_department):
    with pytest.raises(IntegrityError), transaction.atomic():
        CountyDepartmentFactory(name=county_department.name, county=county_department.county)


def test_county_department_with_a_town_is_refused_by_the_database(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(level=Department.Level.COUNTY, town=town, name="县民政局")


@pytest.mark.parametrize("level", [Department.Level.TOWN, Department.Level.UTILITY])
def test_town_level_department_without_a_town_is_refused_by_the_database(db, level):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(level=level, town=None)


def test_county_level_trait_makes_a_department_without_town(db):
    department = DepartmentFactory(county_level=True)

    assert (department.level, department.town) == (Department.Level.COUNTY, None)
    assert department.is_county


def test_member_refuses_county_officer_in_a_town_department(department):
    member = DepartmentMember(user=UserFactory(), department=department, role=DepartmentMember.Role.COUNTY_OFFICER)

    with pytest.raises(ValidationError) as excinfo:
        member.clean()
    assert list(excinfo.value.message_dict) == ["role"]


def test_member_refuses_clerk_in_a_county_department(county_department):
    member = DepartmentMember(user=UserFactory(), department=county_department, role=DepartmentMember.Role.CLERK)

    with pytest.raises(ValidationError) as excinfo:
        member.clean()
    assert list(excinfo.value.message_dict) == ["role"]


def test_member_accepts_county_officer_in_a_county_department(county_department):
    member = DepartmentMember(
        user=UserFactory(), department=county_department, role=DepartmentMember.Role.COUNTY_OFFICER
    )
    member.full_clean()
    member.save()

    assert county_department.members.get().role == DepartmentMember.Role.COUNTY_OFFICER


def test_user_joins_a_department_only_once(clerk, department):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentMemberFactory(user=clerk, department=department)


def test_admin_department_changelist_searches_and_filters(
    client_for, superuser, department, other_department, county_department
):
    response = client_for(superuser).get(
        "/admin/departments/department/", {"q": "民政", "level__exact": Department.Level.TOWN}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [department]


def test_admin_department_member_changelist_searches_and_filters(
    client_for, superuser, department, other_department, county_officer
):
    clerk = DepartmentMemberFactory(department=department, user__name="农秀英").user
    DepartmentMemberFactory(department=other_department, user__name="农秀兰")

    response = client_for(superuser).get(
        "/admin/departments/departmentmember/",
        {"q": "农秀", "role__exact": DepartmentMember.Role.CLERK, "department__id__exact": department.pk},
    )

    assert response.status_code == 200
    assert [m.user for m in response.context["cl"].result_list] == [clerk]
