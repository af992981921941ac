"""Writing messages to the outbox. Only rows are written here, in the caller's transaction — never a network call:
the worker (notices.sender) sends them after commit, so a rolled-back transition leaves no message and a crash
after commit loses none."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from cases import workflow
from cases.models import Appointment, Case, CaseEvent

from . import messages, quiet
from .models import DUE_STATES, Kind, Notification, State

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def notification_record(
    *,
    case: Case,
    kind: str,
    params: dict[str, str],
    dedupe: str,
    at: dt.datetime,
    event: CaseEvent | None = None,
    appointment: Appointment | None = None,
) -> Notification:
    """Put one message in the outbox, once per `dedupe` key. A villager who declined messages at intake gets the row
    recorded as declined, never sent; one written in the quiet hours is held until they end."""
    error = ""
    if case.messages_declined:
        state, due = State.DECLINED, at
    elif not MOBILE.match(case.applicant_phone):
        state, due, error = State.FAILED, at, "没有可用的手机号码"
    elif quiet.is_quiet(at):
        state, due = State.HELD, quiet.quiet_ends(at)
    else:
        state, due = State.WAITING, at
    notification, created = Notification.objects.get_or_create(
        dedupe=dedupe,
        defaults={
            "town_id": case.town_id,
            "case": case,
            "event": event,
            "appointment": appointment,
            "kind": kind,
            "phone": case.applicant_phone,
            "params": params,
            "text": messages.render(kind, params),
            "state": state,
            "created_at": at,
            "next_attempt_at": due,
            "error": error,
        },
    )
    if created and state in DUE_STATES:
        from .tasks import wake

        transaction.on_commit(wake)
    return notification


def refused_at_intake(case: Case, event: CaseEvent) -> bool:
    """不予受理 on the spot: the refusal of a case never asked for materials, so never accepted and never told
    anything but its registration — which was written moments ago, in this same intake (cases.services.intake)."""
    return event.action == workflow.MOVES[workflow.Move.REFUSE].event and not case.had_materials_round


def registration_withdraw(*, case: Case) -> int:
    """A villager refused at the desk gets the refusal, not "已登记" as well: the registration message of the
    case, still in the outbox and never tried, is taken out (in the intake's transaction, so no worker has seen
    it). One already sent, or being sent, stays what it is."""
    deleted, _by_model = Notification.objects.filter(
        case=case, kind=Kind.RECEIVED, state__in=DUE_STATES, attempts=0, claimed_by=""
    ).delete()
    return deleted


def notifications_for_event(*, case: Case, event: CaseEvent) -> list[Notification]:
    """The messages a history event means for the villager (messages.KINDS_FOR_ACTION), written with it; a refusal
    at intake replaces the registration message (refused_at_intake)."""
    if refused_at_intake(case, event):
        registration_withdraw(case=case)
    written = []
    for kind in messages.KINDS_FOR_ACTION.get(event.action, ()):
        found = messages.params_for(kind, case, event)
        if found is None:
            continue
        params, appointment = found
        written.append(
            notification_record(
                case=case,
                kind=kind,
                params=params,
                dedupe=f"event:{event.pk}:{kind}",
                at=event.at,
                event=event,
                appointment=appointment,
            )
        )
    return written


def reminders_write(*, now: dt.datetime | None = None) -> int:
    """The day-before reminder for every open appointment tomorrow, once each (safe to run as often as one likes).
    An appointment booked today is left out: its booking message went out today. After 21:00 none is written (it
    could only go out on the appointment's day)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = today + dt.timedelta(days=1)
    appointments = (
        Appointment.objects.select_related("case__matter", "department")
        .filter(
            date=tomorrow,
            state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED],
            case__state__in=Case.OPEN_STATES,
        )
        .exclude(
            pk__in=Notification.objects.filter(kind=Kind.REMINDER, appointment__isnull=False).values("appointment_id")
        )
        .order_by("time", "pk")
    )
    written = 0
    # A reminder that the quiet hours would keep until the appointment's own day would say "tomorrow" on the day.
    if timezone.localdate(quiet.quiet_ends(now)) >= tomorrow:
        return 0
    for appointment in appointments:
        if timezone.localdate(appointment.booked_at) >= today:
            continue
        with transaction.atomic():
            notification_record(
                case=appointment.case,
                kind=Kind.REMINDER,
                params=messages.appointment_params(appointment.case, appointment),
                dedupe=f"reminder:{appointment.pk}",
                at=now,
                appointment=appointment,
            )
        written += 1
    return written
