"""The county officer's visit rounds (下乡办理安排): plan, change, cancel. The only code that writes them.

Each service is one transaction: the row it changes is locked (select_for_update) — for a new round the county
department's row, so two submits of the same form are served one after the other and the second finds the first —
the actor's right is read afresh (departments.access), a stale form (its version) is refused, and the day must be a
market day of the town's hall."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from villages.dates import cn_date
from villages.models import MarketDay, Town

from . import access
from .models import Department, DepartmentMember, VisitRound


class RoundError(Exception):
    """A refused change to a visit round, with a message for the user and a code for tests and logs."""

    code = "refused"


class NotAllowed(RoundError):
    code = "not_allowed"


class InvalidInput(RoundError):
    code = "invalid_input"


class WrongState(RoundError):
    code = "wrong_state"


class StaleError(WrongState):
    """The form was drawn from an earlier version, or the same round was already planned (a double submit)."""

    code = "stale"


def _lock_department(actor, department_id: int) -> Department:
    department = Department.objects.select_for_update().filter(pk=department_id).first()
    if department is None or not department.is_county or not access.may_plan_rounds(actor, department.pk):
        raise NotAllowed(_("Only an officer of this county department may plan its visit rounds."))
    return department


def _town(department: Department, town_id: int) -> Town:
    town = Town.objects.filter(pk=town_id).first()
    if town is None or not access.serves_town(department, town):
        raise NotAllowed(_("This town is not in your department's county."))
    return town


def _check_day(town: Town, day: dt.date) -> None:
    if day < timezone.localdate():
        raise InvalidInput(_("%(date)s has passed; plan a coming market day.") % {"date": cn_date(day)})
    if not MarketDay.objects.filter(town=town, date=day, is_cancelled=False).exists():
        raise InvalidInput(
            _("%(date)s is not a market day of %(town)s; choose one of its market days.")
            % {"date": cn_date(day), "town": town.name}
        )


def _staff(department: Department, staff_ids: Iterable[int]):
    ids = set(staff_ids)
    if not ids:
        raise InvalidInput(_("Choose who goes."))
    members = get_user_model().objects.filter(
        pk__in=ids,
        department_memberships__department=department,
        department_memberships__role=DepartmentMember.Role.COUNTY_OFFICER,
        department_memberships__is_active=True,
    )
    found = list(members)
    if len(found) != len(ids):
        raise InvalidInput(_("Only officers of the department can be sent."))
    return found


def _already_planned(department: Department, town: Town, day: dt.date, *, exclude: int | None = None) -> None:
    planned = VisitRound.objects.filter(department=department, town=town, date=day, state=VisitRound.State.PLANNED)
    if exclude is not None:
        planned = planned.exclude(pk=exclude)
    if planned.exists():
        raise StaleError(
            _("A visit to %(town)s on %(date)s is already planned.") % {"town": town.name, "date": cn_date(day)}
        )


def visit_round_plan(
    *, actor, department_id: int, town_id: int, date: dt.date, staff_ids: Iterable[int], note: str = ""
) -> VisitRound:
    """Plan a visit of the county department to a town of its county on one of that town's coming market days;
    one planned visit per department, hall and day."""
    with transaction.atomic():
        department = _lock_department(actor, department_id)
        town = _town(department, town_id)
        _check_day(town, date)
        staff = _staff(department, staff_ids)
        _already_planned(department, town, date)
        visit = VisitRound.objects.create(
            department=department,
            town=town,
            date=date,
            note=note.strip(),
            planned_by=actor,
            planned_at=timezone.now(),
        )
        visit.staff.set(staff)
    return visit


def _lock_round(actor, round_id: int, expected_version: int) -> tuple[Department, VisitRound]:
    department_id = VisitRound.objects.filter(pk=round_id).values_list("department_id", flat=True).first()
    if department_id is None:
        raise NotAllowed(_("Only an officer of this county department may plan its visit rounds."))
    department = _lock_department(actor, department_id)
    visit = VisitRound.objects.select_for_update().select_related("town").get(pk=round_id)
    if visit.version != expected_version:
        raise StaleError(_("This visit was changed meanwhile; look at it again and repeat your change."))
    if not visit.is_planned:
        raise WrongState(_("This visit is cancelled."))
    if visit.date < timezone.localdate():
        raise WrongState(_("This visit's day has passed."))
    return department, visit


def visit_round_change(
    *,
    actor,
    round_id: int,
    expected_version: int,
    town_id: int,
    date: dt.date,
    staff_ids: Iterable[int],
    note: str = "",
) -> VisitRound:
    """Change a planned, coming visit: its hall, its market day, who goes, the note."""
    with transaction.atomic():
        department, visit = _lock_round(actor, round_id, expected_version)
        town = _town(department, town_id)
        if (town.pk, date) != (visit.town_id, visit.date):
            _check_day(town, date)
            _already_planned(department, town, date, exclude=visit.pk)
        staff = _staff(department, staff_ids)
        visit.town, visit.date, visit.note = town, date, note.strip()
        visit.version += 1
        visit.changed_by, visit.changed_at = actor, timezone.now()
        visit.save(update_fields=["town", "date", "note", "version", "changed_by", "changed_at"])
        visit.staff.set(staff)
    return visit


def visit_round_cancel(*, actor, round_id: int, expected_version: int, reason: str = "") -> VisitRound:
    """Cancel a planned, coming visit; it stays listed as cancelled (with the reason), and the day may be planned
    again."""
    with transaction.atomic():
        _department, visit = _lock_round(actor, round_id, expected_version)
        visit.state = VisitRound.State.CANCELLED
        visit.cancel_reason = reason.strip()
        visit.version += 1
        visit.changed_by, visit.changed_at = actor, timezone.now()
        visit.save(update_fields=["state", "cancel_reason", "version", "changed_by", "changed_at"])
    return visit
