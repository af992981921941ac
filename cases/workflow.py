"""The clock of the practice, written once: when a step (or a case, or a rectification) is due, and what
on time, due today and overdue mean — a Python predicate and its database twin side by side.

- A limit of N working days started on day D is due on the N-th working day after D; a limit of 0 (即办件, the
  village certificate on market day) is due on D itself, or on the first working day after D if D is not one.
  The start day is never counted (期间开始之日不计算在期间内). Weekends and holidays don't count, 调休 days do.
- Time spent awaiting materials does not count: when the clock restarts, the due date moves by the working days
  waited.
- Green while before the due date, yellow on the due date (and on non-working days right after it), red — overdue —
  from the next working day after the due date. A case awaiting materials has its clock stopped: no light.

Stored on each row: `due_on` (the date people see) and `due_at`, the moment the row becomes overdue (local
midnight at the start of the next working day after `due_on`), so the database can say "overdue" with one
comparison and never needs the calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .calendar import WorkCalendar


class Calendar(Protocol):
    def nth(self, day: dt.date, n: int) -> dt.date: ...


@dataclass(frozen=True)
class Deadline:
    due_on: dt.date  # the last working day of the limit
    overdue_from: dt.date  # the next working day after it

    @property
    def overdue_at(self) -> dt.datetime:
        """The moment this becomes overdue: local midnight at the start of `overdue_from` (stored as `due_at`)."""
        return timezone.make_aware(dt.datetime.combine(self.overdue_from, dt.time.min))


def deadline(start: dt.datetime, working_days: int, *, calendar: Calendar | None = None) -> Deadline:
    """The deadline of a limit of `working_days` started at `start` (local date)."""
    start_day = timezone.localdate(start)
    calendar = calendar or WorkCalendar.ahead(start_day, working_days)
    due_on = calendar.nth(start_day, working_days)
    return Deadline(due_on=due_on, overdue_from=calendar.nth(due_on, 1))


def extended(due_on: dt.date, waited: int, *, calendar: Calendar | None = None) -> Deadline:
    """The deadline after the clock stood still for `waited` working days (materials were awaited)."""
    calendar = calendar or WorkCalendar.ahead(due_on, waited)
    new_due = calendar.nth(due_on, waited) if waited > 0 else due_on
    return Deadline(due_on=new_due, overdue_from=calendar.nth(new_due, 1))


class Light(models.TextChoices):
    """电子监察 red, yellow, green."""

    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due today")
    RED = "red", _("Overdue")


def light(*, running: bool, due_on: dt.date | None, due_at: dt.datetime | None, now: dt.datetime) -> Light | None:
    """The light of a running clock (an active step of a case not awaiting materials); None when stopped."""
    if not running or due_on is None or due_at is None:
        return None
    if now >= due_at:
        return Light.RED
    if timezone.localdate(now) >= due_on:
        return Light.YELLOW
    return Light.GREEN


def step_light(step, *, now: dt.datetime | None = None) -> Light | None:
    """The light of a CaseStep, reading its case's state (the clock stops while materials are awaited)."""
    from .models import Case, CaseStep

    running = step.state == CaseStep.State.ACTIVE and step.case.state != Case.State.AWAITING
    return light(running=running, due_on=step.due_on, due_at=step.due_at, now=now or timezone.now())


def _running_q(prefix: str = "") -> Q:
    from .models import Case, CaseStep

    return Q(**{f"{prefix}state": CaseStep.State.ACTIVE}) & ~Q(**{f"{prefix}case__state": Case.State.AWAITING})


def overdue_q(now: dt.datetime | None = None, *, prefix: str = "") -> Q:
    """Database twin of `light(...) == RED` for steps (`prefix` to reach the step from another model)."""
    now = now or timezone.now()
    return _running_q(prefix) & Q(**{f"{prefix}due_at__lte": now})


def light_expression(now: dt.datetime | None = None) -> models.Case:
    """Database twin of `step_light`, as an annotation on CaseStep: "green", "yellow", "red" or NULL."""
    now = now or timezone.now()
    running = _running_q()
    return models.Case(
        models.When(running & Q(due_at__lte=now), then=models.Value(Light.RED.value)),
        models.When(running & Q(due_on__lte=timezone.localdate(now)), then=models.Value(Light.YELLOW.value)),
        models.When(running & Q(due_on__isnull=False), then=models.Value(Light.GREEN.value)),
        default=models.Value(None),
        output_field=models.CharField(),
    )


def is_late(*, finished_at: dt.datetime | None, due_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Done after it became overdue, or not done and overdue now (rectifications, statistics)."""
    if due_at is None:
        return False
    return (finished_at or now or timezone.now()) >= due_at


def late_q(now: dt.datetime | None = None, *, finished: str = "finished_at", due: str = "due_at") -> Q:
    """Database twin of `is_late`."""
    now = now or timezone.now()
    return Q(**{f"{finished}__gte": models.F(due)}) | Q(**{f"{finished}__isnull": True, f"{due}__lte": now})
