"""Who a user is at a department desk, read from the memberships this app keeps; and the county officer's reach:
which county departments they plan for and which towns' halls those departments serve."""

from django.db.models import QuerySet

from villages.models import Town

from .models import Department, DepartmentMember


def is_clerk_of(user, department_id: int | None) -> bool:
    return _is_member(user, department_id, DepartmentMember.Role.CLERK)


def is_county_officer_of(user, department_id: int | None) -> bool:
    return _is_member(user, department_id, DepartmentMember.Role.COUNTY_OFFICER)


def _is_member(user, department_id: int | None, role: str) -> bool:
    if not user.is_authenticated or department_id is None:
        return False
    return DepartmentMember.objects.filter(user=user, department_id=department_id, role=role, is_active=True).exists()


def department_memberships(user) -> QuerySet:
    """(department id, role) for each active membership, unevaluated (cases.access.roles_for reads it in one query
    with the others)."""
    return DepartmentMember.objects.filter(user=user, is_active=True).order_by().values_list("department_id", "role")


def department_roles(user) -> list[tuple[int, str]]:
    """(department id, role) for each active membership."""
    if not user.is_authenticated:
        return []
    return list(department_memberships(user))


# --- the county officer's rounds (县级约办 planned as visits to the towns' halls) ----------------------------------


def county_departments(user) -> QuerySet[Department]:
    """The county departments whose appointments, referrals and visit rounds `user` sees and plans: those where
    they are an active county officer. The one answer the county pages and the round services ask."""
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(
        level=Department.Level.COUNTY,
        members__user=user,
        members__role=DepartmentMember.Role.COUNTY_OFFICER,
        members__is_active=True,
    ).order_by("name")


def may_plan_rounds(user, department_id: int | None) -> bool:
    """May `user` see and plan `department`'s visit rounds: an active county officer of that county department."""
    if department_id is None:
        return False
    return county_departments(user).filter(pk=department_id).exists()


def county_towns(department: Department) -> QuerySet[Town]:
    """The towns whose halls a county department serves: every town of its county, and no other."""
    if not department.is_county:
        return Town.objects.none()
    return Town.objects.filter(county=department.county).order_by("code")


def serves_town(department: Department, town: Town) -> bool:
    return department.is_county and town.county == department.county
