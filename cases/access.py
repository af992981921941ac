"""Who may act on what: the checks services make before they change a case, and the roles pages read."""

from dataclasses import dataclass

from departments.models import DepartmentMember
from villages.models import TownStaff, VillageCadre


def is_cadre_of(user, village_id: int | None) -> bool:
    if not user.is_authenticated or village_id is None:
        return False
    return VillageCadre.objects.filter(user=user, village_id=village_id, is_active=True).exists()


def is_clerk_of(user, department_id: int | None) -> bool:
    if not user.is_authenticated or department_id is None:
        return False
    return DepartmentMember.objects.filter(
        user=user, department_id=department_id, role=DepartmentMember.Role.CLERK, is_active=True
    ).exists()


def is_county_officer_of(user, department_id: int | None) -> bool:
    if not user.is_authenticated or department_id is None:
        return False
    return DepartmentMember.objects.filter(
        user=user, department_id=department_id, role=DepartmentMember.Role.COUNTY_OFFICER, is_active=True
    ).exists()


def is_office_of(user, town_id: int | None) -> bool:
    if not user.is_authenticated or town_id is None:
        return False
    return TownStaff.objects.filter(user=user, town_id=town_id, role=TownStaff.Role.OFFICE, is_active=True).exists()


@dataclass(frozen=True)
class Roles:
    """Everything a user may be at the hall, read once per request."""

    village_ids: frozenset[int]
    clerk_department_ids: frozenset[int]
    county_department_ids: frozenset[int]
    office_town_ids: frozenset[int]
    supervisor_town_ids: frozenset[int]

    @property
    def is_cadre(self) -> bool:
        return bool(self.village_ids)

    @property
    def is_clerk(self) -> bool:
        return bool(self.clerk_department_ids)

    @property
    def is_county_officer(self) -> bool:
        return bool(self.county_department_ids)

    @property
    def is_office(self) -> bool:
        return bool(self.office_town_ids)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervisor_town_ids)

    @property
    def town_ids(self) -> frozenset[int]:
        return self.office_town_ids | self.supervisor_town_ids


NO_ROLES = Roles(frozenset(), frozenset(), frozenset(), frozenset(), frozenset())


def roles_for(user) -> Roles:
    if not user.is_authenticated:
        return NO_ROLES
    cached = getattr(user, "_hall_roles", None)
    if cached is not None:
        return cached
    towns = list(TownStaff.objects.filter(user=user, is_active=True).values_list("town_id", "role"))
    departments = list(DepartmentMember.objects.filter(user=user, is_active=True).values_list("department_id", "role"))
    roles = Roles(
        village_ids=frozenset(
            VillageCadre.objects.filter(user=user, is_active=True).values_list("village_id", flat=True)
        ),
        clerk_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.CLERK),
        county_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.COUNTY_OFFICER),
        office_town_ids=frozenset(t for t, r in towns if r == TownStaff.Role.OFFICE),
        supervisor_town_ids=frozenset(t for t, r in towns if r == TownStaff.Role.SUPERVISOR),
    )
    user._hall_roles = roles
    return roles
