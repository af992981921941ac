"""The county step: an appointment for the county department to come to the hall (县级约办), confirmed and done by
its officer or missed; or a referral whose result the town desk records."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import InvalidInput, StaleError
from ..models import Appointment, CaseStep
from ..workflow import Move
from . import _core

OPEN_APPOINTMENT = (Appointment.State.BOOKED, Appointment.State.CONFIRMED)


def appointment_book(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    date: dt.date,
    time: dt.time,
    place: str,
    note: str = "",
) -> Appointment:
    """Book the county department to come to the hall. One open appointment per step."""
    with _core.at_step(actor, Move.BOOK, case_id, step_id=step_id, expected_version=expected_version) as (case, step):
        now = _core.now()
        if date < timezone.localdate(now):
            raise InvalidInput(_("The appointment date has passed."))
        if Appointment.objects.filter(step=step, state__in=OPEN_APPOINTMENT).exists():
            raise StaleError(_("An appointment is already booked for this case."))
        appointment = Appointment.objects.create(
            case=case,
            step=step,
            department=step.department,  # type: ignore[misc]  # a county step has its department
            date=date,
            time=time,
            place=place.strip() or _("Town service hall"),
            booked_by=actor,
            booked_at=now,
            note=note.strip(),
        )
        _core.transition(
            case,
            Move.BOOK,
            actor=actor,
            at=now,
            step=step,
            note=f"{step.department.name} {date:%Y-%m-%d} {time:%H:%M} {appointment.place}",  # type: ignore[union-attr]
        )
        _core.save_case(case, "state")
    return appointment


def _appointment_move(actor, move: Move, appointment_id: int, *, still_open: str):
    """The appointment's prologue: both rows locked, who may act on it, the case's state, and that the appointment
    is still open."""
    case, appointment = _core.lock_appointment(appointment_id)
    _core.require(actor, move, case, appointment.step, appointment=appointment)
    done_already = appointment.state not in OPEN_APPOINTMENT or (
        move == Move.CONFIRM and appointment.state != Appointment.State.BOOKED
    )
    if done_already and appointment.state != Appointment.State.CANCELLED:
        raise StaleError(still_open)  # a second click, or someone else was first
    _core.require_state(case, move)  # cancelled with its case: say the case is closed
    if done_already:
        raise StaleError(still_open)
    return case, appointment


def appointment_confirm(*, actor, appointment_id: int) -> Appointment:
    with transaction.atomic():
        case, appointment = _appointment_move(
            actor,
            Move.CONFIRM,
            appointment_id,
            still_open=_("This appointment is no longer waiting for confirmation."),
        )
        now = _core.now()
        appointment.state = Appointment.State.CONFIRMED
        appointment.confirmed_by = actor
        appointment.confirmed_at = now
        appointment.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        _core.transition(
            case,
            Move.CONFIRM,
            actor=actor,
            at=now,
            step=appointment.step,
            note=f"{appointment.date:%Y-%m-%d} {appointment.time:%H:%M}",
        )
        _core.save_case(case)
    return appointment


def appointment_done(*, actor, appointment_id: int, outcome: str) -> Appointment:
    """The county officer handled the matter at the hall: the county step is done and the case moves on."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write the county's result."))
    with transaction.atomic():
        case, appointment = _appointment_move(
            actor, Move.APPOINTMENT_DONE, appointment_id, still_open=_("This appointment is already closed.")
        )
        step = CaseStep.objects.select_for_update().get(pk=appointment.step_id)
        if step.state != CaseStep.State.ACTIVE:
            raise StaleError(_("This step is no longer being handled."))
        now = _core.now()
        appointment.state = Appointment.State.DONE
        appointment.finished_at = now
        appointment.note = outcome
        appointment.save(update_fields=["state", "finished_at", "note"])
        _core.finish_step(case, step, Move.APPOINTMENT_DONE, actor=actor, at=now, outcome=outcome)
    return appointment


def appointment_no_show(*, actor, appointment_id: int, note: str = "") -> Appointment:
    """Nobody came (the villager or the county staff): the appointment closes and the desk rebooks."""
    with transaction.atomic():
        case, appointment = _appointment_move(
            actor, Move.NO_SHOW, appointment_id, still_open=_("This appointment is already closed.")
        )
        now = _core.now()
        appointment.state = Appointment.State.NO_SHOW
        appointment.finished_at = now
        appointment.note = note.strip()
        appointment.save(update_fields=["state", "finished_at", "note"])
        _core.transition(case, Move.NO_SHOW, actor=actor, at=now, step=appointment.step, note=note.strip())
        _core.save_case(case)
    return appointment


def county_record_outcome(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, outcome: str
):
    """For a referral: the desk records what the county office decided, and the case moves on."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write the county's result."))
    with _core.at_step(actor, Move.COUNTY_OUTCOME, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        _core.finish_step(case, step, Move.COUNTY_OUTCOME, actor=actor, at=_core.now(), outcome=outcome)
    return case
