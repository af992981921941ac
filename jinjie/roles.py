"""Which of the hall's roles a user holds, and where each role starts its day."""

from dataclasses import dataclass

from django.urls import reverse

from departments.selectors import departments_of_clerk, departments_of_county_officer
from villages.models import TownStaff
from villages.selectors import towns_of_staff, villages_of_cadre


@dataclass(frozen=True)
class Roles:
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
    def any(self) -> bool:
        return any((self.is_cadre, self.is_clerk, self.is_county_officer, self.is_office, self.is_supervisor))


NO_ROLES = Roles(frozenset(), frozenset(), frozenset(), frozenset(), frozenset())


def roles_for(user) -> Roles:
    if not user.is_authenticated:
        return NO_ROLES
    cached = getattr(user, "_hall_roles", None)
    if cached is not None:
        return cached
    roles = Roles(
        village_ids=frozenset(villages_of_cadre(user=user).values_list("id", flat=True)),
        clerk_department_ids=frozenset(departments_of_clerk(user=user).values_list("id", flat=True)),
        county_department_ids=frozenset(
            departments_of_county_officer(user=user).values_list("id", flat=True)
        ),
        office_town_ids=frozenset(
            towns_of_staff(user=user, roles=(TownStaff.Role.OFFICE,)).values_list("id", flat=True)
        ),
        supervisor_town_ids=frozenset(
            towns_of_staff(user=user, roles=(TownStaff.Role.SUPERVISOR,)).values_list("id", flat=True)
        ),
    )
    user._hall_roles = roles
    return roles


def landing_url(user) -> str:
    """Each role lands on its own place; the most overseeing role wins for a user with several."""
    roles = roles_for(user)
    if user.is_superuser or roles.is_office or roles.is_supervisor:
        return reverse("admin:index")
    if roles.is_clerk:
        return reverse("cases:queue")
    if roles.is_county_officer:
        return reverse("cases:appointments")
    if roles.is_cadre:
        return reverse("cases:desk")
    return reverse("no_role")
