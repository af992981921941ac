"""Who may act on what: the roles a case's pages and services read, composed from the predicates that live beside
their memberships (villages.access, departments.access), and `may` — the one answer to "may this user make this
move on this case now", which the one-stop view's buttons and the services both ask."""

from dataclasses import dataclass

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _

from departments.access import department_memberships, is_clerk_of, is_county_officer_of
from departments.models import DepartmentMember
from villages.access import cadre_memberships, is_cadre_of, is_office_of, town_memberships, visible_town_ids
from villages.models import TownStaff

from .workflow import Move, StepKind

__all__ = [
    "NO_ROLES",
    "Roles",
    "at_desk",
    "is_cadre_of",
    "is_clerk_of",
    "is_county_officer_of",
    "is_office_of",
    "may",
    "refusal_message",
    "roles_for",
]


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


def roles_for(user, *, fresh: bool = False) -> Roles:
    """The user's roles, read once per request and kept on the user; `fresh` reads them again (services do, inside
    their transaction, so a membership ended a moment ago no longer counts)."""
    if user is None or not user.is_authenticated:
        return NO_ROLES
    cached = getattr(user, "_hall_roles", None)
    if cached is not None and not fresh:
        return cached
    # The three kinds of membership, each as its own module defines "active", in one query.
    kinds = {"department": department_memberships, "village": cadre_memberships, "town": town_memberships}
    first, *rest = (query(user).annotate(kind=Value(kind, output_field=CharField())) for kind, query in kinds.items())
    found: dict[str, list[tuple[int, str]]] = {kind: [] for kind in kinds}
    for pk, role, kind in first.union(*rest, all=True):
        found[kind].append((pk, role))
    user._hall_town_roles = found["town"]  # what villages.access.town_roles would read
    departments = found["department"]
    roles = Roles(
        village_ids=frozenset(pk for pk, _ in found["village"]),
        clerk_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.CLERK),
        county_department_ids=frozenset(d for d, r in departments if r == DepartmentMember.Role.COUNTY_OFFICER),
        office_town_ids=visible_town_ids(user, roles=(TownStaff.Role.OFFICE,)),
        supervisor_town_ids=visible_town_ids(user, roles=(TownStaff.Role.SUPERVISOR,)),
    )
    user._hall_roles = roles
    return roles


def at_desk(roles: Roles, case, step) -> bool:
    """Is the user at the desk now working `step`: the village's cadre for the certificate, the department's clerk
    for a town desk, and for the county step the town desk that hands the case on (the village's cadre when no town
    desk comes before it)."""
    if step is None:
        return False
    if step.kind == StepKind.VILLAGE:
        return case.village_id in roles.village_ids
    if step.kind == StepKind.DEPARTMENT:
        return step.department_id in roles.clerk_department_ids
    if step.desk_department_id is not None:
        return step.desk_department_id in roles.clerk_department_ids
    return case.village_id in roles.village_ids


def may(roles: Roles, move: Move, case, step=None, *, appointment=None) -> bool:
    """May a user with `roles` make `move` on `case` (at `step`, or on `appointment`)? Only who: the workflow says
    whether the case's state allows it."""
    if move in (Move.MATERIALS_BROUGHT, Move.WITHDRAW):
        return at_desk(roles, case, step) or case.village_id in roles.village_ids
    if move == Move.SKIP:
        return case.town_id in roles.office_town_ids
    if move in (Move.CONFIRM, Move.APPOINTMENT_DONE):
        return appointment is not None and appointment.department_id in roles.county_department_ids
    if move == Move.NO_SHOW:
        return (appointment is not None and appointment.department_id in roles.county_department_ids) or at_desk(
            roles, case, step
        )
    if move == Move.RATE:
        return case.village_id in roles.village_ids or any(
            s.department_id in roles.clerk_department_ids and s.state != "pending" for s in case.steps.all()
        )
    return at_desk(roles, case, step)


REFUSALS = {
    Move.SKIP: _("Only the town office may skip a step."),
    Move.WITHDRAW: _("Only a cadre of the village or the clerk now handling the case may withdraw it."),
    Move.BOOK: _("Only the desk that handed the case to the county may do this."),
    Move.COUNTY_OUTCOME: _("Only the desk that handed the case to the county may do this."),
    Move.CONFIRM: _("This appointment is for another department."),
    Move.APPOINTMENT_DONE: _("This appointment is for another department."),
    Move.NO_SHOW: _("This appointment is for another department."),
    Move.RATE: _("Only a cadre of the village or a clerk who handled the case may record its rating."),
}


def refusal_message(move: Move, case) -> str:
    if move == Move.STAMP:
        return str(_("Only a cadre of %(village)s may stamp its certificate.") % {"village": case.village.name})
    return str(REFUSALS.get(move, _("This case is not at your desk.")))
