"""The rules of the practice, written once: the states a case and its steps go through, the table of what may be
done in which state (and what it leads to), and the clock — when a step (or a case, or a rectification) is due, and
what on time, due today and overdue mean, as a Python predicate and its database twin side by side. Services, pages,
statistics and the load generator all ask this module; none keeps its own copy.

The moves (`MOVES`): each names the history action it records, the case states it may be done in, the state it
leads to, the kinds of step it applies to, and what the step becomes. A move not allowed in the case's state is a
`WrongState` refusal whose message says why (closed, awaiting materials, …).

The clock:

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
from enum import StrEnum
from typing import Protocol

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import StaleError, WrongState

# --- states -------------------------------------------------------------------------------------------------------


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING = "awaiting", _("Awaiting materials")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Not granted")
    REFUSED = "refused", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.AWAITING)
CLOSED_STATES = (CaseState.COMPLETED, CaseState.REJECTED, CaseState.REFUSED, CaseState.WITHDRAWN)
RUNNING_STATES = (CaseState.RECEIVED, CaseState.IN_PROGRESS)  # open with the clock running
FINISHED_STATES = (CaseState.COMPLETED, CaseState.REJECTED, CaseState.REFUSED)  # decided: the villager may rate it


class StepKind(models.TextChoices):
    VILLAGE = "village", _("Village certificate")
    DEPARTMENT = "department", _("Town desk")
    COUNTY = "county", _("County step")


class StepState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ACTIVE = "active", _("Being handled")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned")
    SKIPPED = "skipped", _("Skipped")


# A step becomes active from these (DONE: a later desk returned the case to it); the next desk is the first
# waiting or returned step after the one just finished.
STEP_STARTS_FROM = (StepState.PENDING, StepState.RETURNED, StepState.DONE)
NEXT_STEP_FROM = (StepState.PENDING, StepState.RETURNED)

# --- moves --------------------------------------------------------------------------------------------------------

# How the county step works (Matter.CountyMode): the county comes to the hall (县级约办), the villager takes the
# approved form to the county (转县办理), or the town sends the file up itself (镇里报送).
APPOINTMENT, REFERRAL, SUBMISSION = "appointment", "referral", "submission"

SAME = "="  # the case stays in the state it is in
RESUMED = "<"  # back to the state it was in before it awaited materials

ALL_KINDS = frozenset(StepKind.values)


class Move(StrEnum):
    """What can happen to a case. The first eleven are the one-stop view's actions, by the same names."""

    STAMP = "stamp"
    ACCEPT = "accept"
    COMPLETE = "complete"
    REQUEST_MATERIALS = "request_materials"
    MATERIALS_BROUGHT = "materials_brought"
    RETURN = "return"
    REJECT = "reject"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    SKIP = "skip"
    BOOK = "book"
    COUNTY_OUTCOME = "county_outcome"
    CONFIRM = "confirm"
    APPOINTMENT_DONE = "appointment_done"
    NO_SHOW = "no_show"
    OPEN = "open"
    FIRST_STEP = "first_step"
    NEXT_STEP = "next_step"
    REFER = "refer"
    FINISH = "finish"
    RATE = "rate"
    RECTIFY = "rectify"
    APPEAL = "appeal"
    DECIDE_APPEAL = "decide_appeal"
    REASSIGN = "reassign"


@dataclass(frozen=True)
class Rule:
    event: str  # the history action it records (CaseEvent.Action)
    sources: tuple[str, ...]  # the case states it may be done in
    target: str  # the case state it leads to, SAME or RESUMED
    kinds: frozenset[str] = frozenset()  # the kinds of active step it applies to; empty: no step of its own
    county_modes: tuple[str, ...] = ()  # a county step in these modes only
    step_to: str = ""  # what the active step becomes; "" unchanged
    accepted: bool | None = None  # only before 受理 (False), only after (True), either (None)


S = CaseState
MOVES: dict[Move, Rule] = {
    Move.OPEN: Rule("received", ("",), S.RECEIVED),
    Move.FIRST_STEP: Rule("step_started", (S.RECEIVED,), SAME),
    Move.NEXT_STEP: Rule("step_started", RUNNING_STATES, S.IN_PROGRESS),
    Move.REFER: Rule("referred", RUNNING_STATES, SAME, frozenset({StepKind.COUNTY}), (REFERRAL, SUBMISSION)),
    Move.STAMP: Rule("stamped", RUNNING_STATES, SAME, frozenset({StepKind.VILLAGE}), step_to=StepState.DONE),
    Move.ACCEPT: Rule("accepted", RUNNING_STATES, S.IN_PROGRESS, frozenset({StepKind.DEPARTMENT})),
    Move.COMPLETE: Rule("step_done", RUNNING_STATES, SAME, frozenset({StepKind.DEPARTMENT}), step_to=StepState.DONE),
    Move.REQUEST_MATERIALS: Rule("materials_requested", RUNNING_STATES, S.AWAITING, ALL_KINDS),
    Move.MATERIALS_BROUGHT: Rule("materials_brought", (S.AWAITING,), RESUMED, ALL_KINDS),
    Move.RETURN: Rule("returned", RUNNING_STATES, SAME, frozenset({StepKind.DEPARTMENT}), step_to=StepState.RETURNED),
    Move.SKIP: Rule("skipped", RUNNING_STATES, SAME, ALL_KINDS, step_to=StepState.SKIPPED),
    Move.BOOK: Rule("booked", RUNNING_STATES, S.IN_PROGRESS, frozenset({StepKind.COUNTY}), (APPOINTMENT,)),
    Move.CONFIRM: Rule("confirmed", OPEN_STATES, SAME, frozenset({StepKind.COUNTY}), (APPOINTMENT,)),
    Move.APPOINTMENT_DONE: Rule(
        "county_done", RUNNING_STATES, SAME, frozenset({StepKind.COUNTY}), (APPOINTMENT,), StepState.DONE
    ),
    Move.NO_SHOW: Rule("no_show", OPEN_STATES, SAME, frozenset({StepKind.COUNTY}), (APPOINTMENT,)),
    # 转县办理 (the villager takes the approved form) and 镇里报送 (the town sends the file up): the desk records
    # what the county decided.
    Move.COUNTY_OUTCOME: Rule(
        "county_done", RUNNING_STATES, SAME, frozenset({StepKind.COUNTY}), (REFERRAL, SUBMISSION), StepState.DONE
    ),
    Move.FINISH: Rule("completed", RUNNING_STATES, S.COMPLETED),
    # 不予受理 (before 受理: not in scope, or the one-time notice not answered) and 不予办理 (a decision after 受理)
    # close the step as decided; a withdrawal leaves it undone.
    Move.REFUSE: Rule(
        "refused", (S.RECEIVED, S.AWAITING), S.REFUSED, ALL_KINDS, step_to=StepState.DONE, accepted=False
    ),
    Move.REJECT: Rule(
        "rejected",
        OPEN_STATES,
        S.REJECTED,
        frozenset({StepKind.VILLAGE, StepKind.DEPARTMENT}),
        step_to=StepState.DONE,
        accepted=True,
    ),
    Move.WITHDRAW: Rule("withdrawn", OPEN_STATES, S.WITHDRAWN, ALL_KINDS, step_to=StepState.SKIPPED),
    Move.RATE: Rule("rated", FINISHED_STATES, SAME),
    Move.RECTIFY: Rule("rectified", FINISHED_STATES, SAME),
    # 申诉 against a rating, the town office's decision on it, and a rectification handed to another desk.
    Move.APPEAL: Rule("appealed", FINISHED_STATES, SAME),
    Move.DECIDE_APPEAL: Rule("appeal_decided", FINISHED_STATES, SAME),
    Move.REASSIGN: Rule("reassigned", FINISHED_STATES, SAME),
}
del S

# The one-stop view's actions, in the order the page offers them.
DESK_MOVES = (
    Move.STAMP,
    Move.ACCEPT,
    Move.COMPLETE,
    Move.BOOK,
    Move.COUNTY_OUTCOME,
    Move.MATERIALS_BROUGHT,
    Move.REQUEST_MATERIALS,
    Move.RETURN,
    Move.SKIP,
    Move.REFUSE,
    Move.REJECT,
    Move.WITHDRAW,
)


def allows(state: str, move: Move, *, accepted: bool) -> bool:
    """May `move` be done to a case in `state`, accepted (受理) or not?"""
    rule = MOVES[move]
    return state in rule.sources and rule.accepted in (None, accepted)


def allows_case(case, move: Move) -> bool:
    return allows(case.state, move, accepted=is_accepted(case))


def is_accepted(case) -> bool:
    """受理: the case's materials were complete — at intake, or once what the one-time notice asked for was brought.
    Before it the clock has not started and a refusal is 不予受理; after it a refusal is 不予办理."""
    return case.accepted_at is not None


def applies_to(step, move: Move) -> bool:
    """Does `move` fit this step (its kind, and for a county step its mode)?"""
    rule = MOVES[move]
    if not rule.kinds:
        return True
    if step is None or step.kind not in rule.kinds:
        return False
    return not rule.county_modes or step.kind != StepKind.COUNTY or step.county_mode in rule.county_modes


def enter(state: str, move: Move, *, paused_from: str = "", accepted: bool | None = None) -> str:
    """The case's state after `move`; `WrongState` when the table does not allow it in `state` (or, when
    `accepted` is given, before or after 受理)."""
    rule = MOVES[move]
    if state not in rule.sources or (accepted is not None and rule.accepted not in (None, accepted)):
        raise refusal(state, move, accepted=accepted)
    if rule.target == SAME:
        return state
    if rule.target == RESUMED:
        return paused_from or CaseState.IN_PROGRESS
    return rule.target


def refusal(state: str, move: Move, *, accepted: bool | None = None) -> WrongState:
    """Why `move` cannot be done in `state`, in the user's words. Asking again for what is already so (a second
    request for materials, materials brought twice) is a stale page; the rest is the wrong state."""
    if move in (Move.RATE, Move.RECTIFY) and state not in FINISHED_STATES:
        return WrongState(_("A case can be rated once it is finished."))
    if state in CLOSED_STATES:
        return WrongState(_("This case is already closed (%(state)s).") % {"state": CaseState(state).label})
    if move == Move.REFUSE and accepted:
        return WrongState(_("This case was accepted: a refusal now is a decision not to grant (不予办理)."))
    if move == Move.REJECT and accepted is False:
        return WrongState(
            _("This case is not accepted yet: refuse to accept it (不予受理), or wait for the missing materials.")
        )
    if move == Move.MATERIALS_BROUGHT:
        return StaleError(_("This case is not awaiting materials."))
    if move == Move.REQUEST_MATERIALS and state == CaseState.AWAITING:
        return StaleError(_("The missing materials were already requested; the case is awaiting them."))
    if state == CaseState.AWAITING:
        return WrongState(_("This case is awaiting materials; record that they were brought first."))
    return WrongState(_("This cannot be done to the case as it stands."))


def step_refusal(step, move: Move, *, moved_on: bool) -> WrongState:
    """Why `move` does not fit the step the case is at. When the case has already `moved_on` past the desk the move
    is for, the page that offered it is stale; when it has not reached that desk yet, or its county step works the
    other way, it is the wrong state."""
    refusal = StaleError if moved_on else WrongState
    rule = MOVES[move]
    if step is None:
        return WrongState(_("This case has no step being handled."))
    if step.kind == StepKind.VILLAGE:
        return refusal(_("This case is still at the village desk."))
    if step.kind == StepKind.DEPARTMENT:
        return refusal(_("This case is at a town desk, not at the village or the county step."))
    if step.kind in rule.kinds and rule.county_modes == (APPOINTMENT,):
        return WrongState(_("This county step is not an appointment at the hall."))
    if step.kind in rule.kinds and APPOINTMENT not in rule.county_modes:
        return WrongState(_("This county step is an appointment: the county officer records it."))
    return refusal(_("This case is at the county step."))


def step_after(state: str, move: Move) -> str:
    """The active step's state after `move` (unchanged when the move does not end it)."""
    if state != StepState.ACTIVE:
        raise StaleError(_("This step is no longer being handled."))
    return MOVES[move].step_to or state


def step_started(state: str) -> str:
    """A step becoming active (the next desk, or the previous one when the case is returned)."""
    if state not in STEP_STARTS_FROM:
        raise WrongState(_("This step cannot be started again."))
    return StepState.ACTIVE


def history_allows(action: str, from_state: str, to_state: str) -> bool:
    """Could some move have recorded this history event? (The invariant the generated data are checked against.)"""
    for rule in MOVES.values():
        if rule.event != action or from_state not in rule.sources:
            continue
        if rule.target == SAME and to_state == from_state:
            return True
        if rule.target == RESUMED and to_state in RUNNING_STATES:
            return True
        if rule.target == to_state:
            return True
    return False


# --- the clock ----------------------------------------------------------------------------------------------------


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


def deadline(start: dt.datetime, working_days: int, *, town=None, calendar: Calendar | None = None) -> Deadline:
    """The deadline of a limit of `working_days` started at `start` (local date), by the town's calendar."""
    from .calendar import WorkCalendar

    start_day = timezone.localdate(start)
    calendar = calendar or WorkCalendar.ahead(start_day, working_days, town=town)
    due_on = calendar.nth(start_day, working_days)
    return Deadline(due_on=due_on, overdue_from=calendar.nth(due_on, 1))


def extended(due_on: dt.date, waited: int, *, town=None, calendar: Calendar | None = None) -> Deadline:
    """The deadline after the clock stood still for `waited` working days (materials were awaited)."""
    from .calendar import WorkCalendar

    calendar = calendar or WorkCalendar.ahead(due_on, waited, town=town)
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
    running = step.state == StepState.ACTIVE and step.case.state != CaseState.AWAITING
    return light(running=running, due_on=step.due_on, due_at=step.due_at, now=now or timezone.now())


def _running_q(prefix: str = "", *, awaiting=None) -> Q:
    """An active step of a case not awaiting materials. `awaiting`: the cases awaiting materials as a subquery,
    so that counting many steps needs no join of every step to its case (the same rule, another form)."""
    running = Q(**{f"{prefix}state": StepState.ACTIVE})
    if awaiting is not None:
        return running & ~Q(**{f"{prefix}case__in": awaiting})
    return running & ~Q(**{f"{prefix}case__state": CaseState.AWAITING})


def overdue_q(now: dt.datetime | None = None, *, prefix: str = "", awaiting=None) -> Q:
    """Database twin of `light(...) == RED` for steps (`prefix` to reach the step from another model)."""
    now = now or timezone.now()
    return _running_q(prefix, awaiting=awaiting) & Q(**{f"{prefix}due_at__lte": now})


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
