from django.db.models import QuerySet

from .models import Department, DepartmentMember


def departments_of_member(*, user, role: str) -> QuerySet[Department]:
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(members__user=user, members__is_active=True, members__role=role)


def departments_of_clerk(*, user) -> QuerySet[Department]:
    """Town and utility desks whose queue this user works."""
    return departments_of_member(user=user, role=DepartmentMember.Role.CLERK)


def departments_of_county_officer(*, user) -> QuerySet[Department]:
    return departments_of_member(user=user, role=DepartmentMember.Role.COUNTY_OFFICER)


def hall_desks(*, town) -> QuerySet[Department]:
    """The departments with a desk in the town's hall, in desk order."""
    return Department.objects.filter(town=town).order_by("desk_order", "name")
