"""Who may act on what: the roles a case's pages and services read, composed from the predicates that live beside
their memberships (villages.access, departments.access)."""

from dataclasses import dataclass

from departments.access import department_roles, is_clerk_of, is_county_officer_of
from departments.models import DepartmentMember
from villages.access import cadre_village_ids, is_cadre_of, is_office_of, visible_town_ids
from villages.models import TownStaff

__all__ = ["NO_ROLES", "Roles", "is_cadre_of", "is_clerk_of", "is_county_officer_of", "is_office_of", "roles_for"]


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
    departments = department_roles(user)
    roles = Roles(
        village_ids=cadre_village_ids(user),
        clerk_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.CLERK),
        county_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.COUNTY_OFFICER),
        office_town_ids=visible_town_ids(user, roles=(TownStaff.Role.OFFICE,)),
        supervisor_town_ids=visible_town_ids(user, roles=(TownStaff.Role.SUPERVISOR,)),
    )
    user._hall_roles = roles
    return roles
