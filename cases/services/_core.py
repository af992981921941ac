"""What every change to a case shares: the case row locked with the page's version checked, the workflow's table
asked, the user's right checked, the history appended, a step finished and the next desk started.

Each transition is one transaction with the case row locked (select_for_update): a stale page or a double click is
refused, never applied twice; the history event is appended in the same transaction.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access, history_keys, workflow
from ..errors import STALE_MESSAGE, NotAllowed, StaleError, WrongState
from ..models import Appointment, Case, CaseEvent, CaseStep, Matter
from ..signals import event_appended
from ..workflow import Move


def now() -> dt.datetime:
    return timezone.now()


def lock(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("matter", "village", "town").get(pk=case_id)


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleError(str(STALE_MESSAGE))


@contextmanager
def locked(case_id: int, *, expected_version: int | None = None) -> Iterator[Case]:
    """The one prologue: a transaction, the case row locked, the page's version checked."""
    with transaction.atomic():
        case = lock(case_id)
        check_version(case, expected_version)
        yield case


@contextmanager
def at_step(
    actor, move: Move, case_id: int, *, step_id: int | None = None, expected_version: int | None = None
) -> Iterator[tuple[Case, CaseStep]]:
    """`locked`, then: the workflow allows `move` in the case's state, the active step is the one the page showed
    and of the kind the move is for, and `actor` is the one who may make it — in that order, so a refusal says the
    most useful thing first."""
    with locked(case_id, expected_version=expected_version) as case:
        require_state(case, move)
        step = expect_step(case, step_id)
        if not workflow.applies_to(step, move):
            kinds = workflow.MOVES[move].kinds
            moved_on = CaseStep.objects.filter(case=case, order__lt=step.order, kind__in=kinds).exists()
            raise workflow.step_refusal(step, move, moved_on=moved_on)
        require(actor, move, case, step)
        yield case, step


def require_state(case: Case, move: Move) -> None:
    if not workflow.allows_case(case, move):
        raise workflow.refusal(case.state, move, accepted=workflow.is_accepted(case))


def require(actor, move: Move, case: Case, step: CaseStep | None = None, *, appointment=None) -> None:
    """`NotAllowed` unless `actor` may make `move` (cases.access.may), read afresh inside the transaction."""
    if not access.may(access.roles_for(actor, fresh=True), move, case, step, appointment=appointment):
        raise NotAllowed(access.refusal_message(move, case))


def lock_appointment(appointment_id: int) -> tuple[Case, Appointment]:
    case_id = Appointment.objects.values_list("case_id", flat=True).get(pk=appointment_id)
    case = lock(case_id)
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("step", "department").get(pk=appointment_id)
    )
    return case, appointment


# --- history ----------------------------------------------------------------------------------------------------


def _actor_name(actor) -> str:
    return actor.get_full_name() if actor is not None else ""


def append_event(
    case: Case,
    *,
    actor,
    action: str,
    at: dt.datetime,
    step: CaseStep | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
) -> CaseEvent:
    """Append to the hash chain, signed with the current history key. The caller holds the case row lock, so seq
    cannot race."""
    last = CaseEvent.objects.filter(case=case).order_by("-seq").values("seq", "hash").first()
    event = CaseEvent(
        case=case,
        seq=(last["seq"] + 1) if last else 1,
        at=at,
        actor=actor,
        actor_name=_actor_name(actor),
        action=action,
        step=step,
        from_state=from_state,
        to_state=to_state,
        note=note,
        prev_hash=last["hash"] if last else "",
        key_id=history_keys.current_key_id(),
    )
    event.hash = event.compute_hash()
    event.save()
    # The case keeps the chain's head, so deleting the newest event is as visible as changing an old one.
    Case.objects.filter(pk=case.pk).update(history_length=event.seq, history_head=event.hash)
    case.history_length, case.history_head = event.seq, event.hash
    event_appended.send(sender=CaseEvent, case=case, event=event)
    return event


def transition(case: Case, move: Move, *, actor, at: dt.datetime, step: CaseStep | None = None, note="") -> str:
    """Make `move`: the case takes the state the workflow gives it, and the history records it. Returns the state
    before; the caller saves the case."""
    before = case.state
    case.state = workflow.enter(before, move, paused_from=case.paused_from, accepted=workflow.is_accepted(case))
    if move == Move.REQUEST_MATERIALS:
        case.had_materials_round = True  # the villager has to come back (not 一次办结); the caller saves it
    append_event(
        case,
        actor=actor,
        action=workflow.MOVES[move].event,
        at=at,
        step=step,
        from_state=before,
        to_state=case.state,
        note=note,
    )
    return before


def save_case(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


# --- steps ------------------------------------------------------------------------------------------------------


def active_step(case: Case) -> CaseStep:
    step = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(case=case, state=CaseStep.State.ACTIVE)
        .first()
    )
    if step is None:
        raise WrongState(_("This case has no step being handled."))
    return step


def expect_step(case: Case, step_id: int | None) -> CaseStep:
    step = active_step(case)
    if step_id is not None and step.pk != step_id:
        raise StaleError(str(STALE_MESSAGE))
    return step


def activate(case: Case, step: CaseStep, at: dt.datetime, actor) -> None:
    """The step becomes the case's active one, its clock started by the workflow's deadline rule."""
    step.state = workflow.step_started(step.state)
    step.started_at = at
    due = workflow.deadline(at, step.time_limit_days, town=case.town_id)
    step.due_on, step.due_at = due.due_on, due.overdue_at
    step.accepted_at = None
    step.accepted_by = None
    step.finished_at = None
    step.finished_by = None
    step.save(
        update_fields=[
            "state",
            "started_at",
            "due_on",
            "due_at",
            "accepted_at",
            "accepted_by",
            "finished_at",
            "finished_by",
        ]
    )
    case.current_step = step
    if workflow.applies_to(step, Move.REFER):
        from . import papers

        county = step.department.name  # type: ignore[union-attr]
        if step.county_mode == workflow.SUBMISSION:
            note = _("The town sends the file up to %(department)s.") % {"department": county}
        else:
            note = _("Approved form to be taken to %(department)s.") % {"department": county}
        transition(case, Move.REFER, actor=actor, at=at, step=step, note=note)
        papers.county_paper(case, step, actor=actor, at=at)


def advance(case: Case, done_step: CaseStep, at: dt.datetime, actor) -> None:
    """Hand the case to the next waiting step, or complete it when none is left."""
    nxt = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(case=case, order__gt=done_step.order, state__in=workflow.NEXT_STEP_FROM)
        .order_by("order")
        .first()
    )
    if nxt is None:
        transition(case, Move.FINISH, actor=actor, at=at)
        case.closed_at = at
        case.current_step = None
        save_case(case, "state", "closed_at", "current_step")
        return
    # The state moves first: a referral started here is recorded with the case already in progress.
    before = case.state
    case.state = workflow.enter(before, Move.NEXT_STEP)
    activate(case, nxt, at, actor)
    save_case(case, "state", "current_step")
    append_event(
        case,
        actor=actor,
        action=workflow.MOVES[Move.NEXT_STEP].event,
        at=at,
        step=nxt,
        from_state=before,
        to_state=case.state,
        note=nxt.label,
    )


def finish_step(case: Case, step: CaseStep, move: Move, *, actor, at: dt.datetime, outcome: str, note=None) -> None:
    """The one way a step ends and the case moves on: the step takes the state the move gives it (done, skipped),
    the history records it, and the next desk starts (or the case completes)."""
    step.state = workflow.step_after(step.state, move)
    if step.state == CaseStep.State.DONE and step.accepted_at is None:
        step.accepted_at = at
        step.accepted_by = actor if step.kind != CaseStep.Kind.COUNTY else None
    step.finished_at = at
    step.finished_by = actor
    step.outcome = outcome
    step.save(update_fields=["state", "accepted_at", "accepted_by", "finished_at", "finished_by", "outcome"])
    transition(case, move, actor=actor, at=at, step=step, note=outcome if note is None else note)
    advance(case, step, at, actor)


def cancel_open_appointments(step: CaseStep, at: dt.datetime, reason: str) -> None:
    """A step that ends other than by its appointment takes its open appointment with it."""
    Appointment.objects.filter(step=step, state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]).update(
        state=Appointment.State.CANCELLED, finished_at=at, note=reason
    )


def is_referral(step: CaseStep) -> bool:
    return step.kind == CaseStep.Kind.COUNTY and step.county_mode == Matter.CountyMode.REFERRAL
