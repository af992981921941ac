"""Who a user is at a department desk, read from the memberships this app keeps."""

from .models import DepartmentMember


def is_clerk_of(user, department_id: int | None) -> bool:
    return _is_member(user, department_id, DepartmentMember.Role.CLERK)


def is_county_officer_of(user, department_id: int | None) -> bool:
    return _is_member(user, department_id, DepartmentMember.Role.COUNTY_OFFICER)


def _is_member(user, department_id: int | None, role: str) -> bool:
    if not user.is_authenticated or department_id is None:
        return False
    return DepartmentMember.objects.filter(user=user, department_id=department_id, role=role, is_active=True).exists()


def department_roles(user) -> list[tuple[int, str]]:
    """(department id, role) for each active membership."""
    if not user.is_authenticated:
        return []
    return list(DepartmentMember.objects.filter(user=user, is_active=True).values_list("department_id", "role"))
