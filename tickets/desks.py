"""A desk in the hall, as the tickets see it: a village's desk (台, numbered by the village's desk order) or a town
department's window (窗口, numbered by the department's desk order — the seeded desk labels say "9号窗口 供电所";
no separate window field)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from departments.access import is_clerk_of
from departments.models import Department
from villages.access import is_cadre_of
from villages.models import Village

VILLAGE, DEPARTMENT = "village", "department"


@dataclass(frozen=True)
class Desk:
    kind: str
    pk: int
    town_id: int
    name: str
    number: int

    @classmethod
    def of_village(cls, village: Village) -> "Desk":
        return cls(VILLAGE, village.pk, village.town_id, village.name, village.desk_order)

    @classmethod
    def of_department(cls, department: Department) -> "Desk":
        return cls(DEPARTMENT, department.pk, department.town_id, department.name, department.desk_order)

    @property
    def is_village(self) -> bool:
        return self.kind == VILLAGE

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def lookup(self) -> dict:
        """The desk as a filter on TicketCall and DeskDay."""
        return {"village_id": self.pk} if self.is_village else {"department_id": self.pk}

    @property
    def window(self) -> str:
        if self.is_village:
            return _("Desk %(number)s") % {"number": self.number}
        return _("Window %(number)s") % {"number": self.number}

    def may_call(self, user) -> bool:
        """A village's desk is its cadres'; a department's window its clerks' (the memberships' own predicates)."""
        if self.is_village:
            return is_cadre_of(user, self.pk)
        return is_clerk_of(user, self.pk)


def desk_of_call(call) -> Desk:
    """The desk of a TicketCall or DeskDay with its village or department loaded."""
    if call.village_id:
        return Desk.of_village(call.village)
    return Desk.of_department(call.department)


def find_desk(kind: str, pk: int) -> Desk | None:
    """The desk named in a URL: a village, or a town department or utility with a hall desk (never a county one)."""
    if kind == VILLAGE:
        village = Village.objects.filter(pk=pk).first()
        return Desk.of_village(village) if village else None
    if kind == DEPARTMENT:
        department = Department.objects.filter(pk=pk, town__isnull=False).first()
        return Desk.of_department(department) if department else None
    return None
