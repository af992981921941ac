"""The only code that changes tickets. Issuing locks the day's counter; every desk action runs in one transaction
with the desk's DeskDay row locked and the page's version checked, and ends with a conditional update of that
version — so a double click on 叫下一位 (or two PCs at one desk) calls one ticket, and the second click is told
why nothing happened.

Nothing here touches a case: a ticket follows its cases from desk to desk because each line is read from the
cases' active steps (tickets.selectors). A case joins its villager's ticket at intake (ticket_attach_intake, on the
cases app's signal), or when the desk puts it on the ticket."""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as NumberError

from cases.errors import InvalidInput, NotAllowed, StaleError, WrongState
from cases.models import Case, CaseStep, mask_name
from villages import page_versions
from villages.access import is_cadre_of, is_office_of
from villages.models import MarketDay, Village

from . import selectors
from .desks import Desk
from .models import MAX_CALLS, DeskDay, Ticket, TicketCall, TicketCounter

ELDERLY_AGE = 70


def _now() -> dt.datetime:
    return timezone.now()


def age_on(id_number: str, day: dt.date) -> int | None:
    """Full years on `day` by the birth date in an 18-digit ID number (GB 11643); None if it is not a valid one."""
    # The birth date and the check digit only: stdnum's table of birth places lacks codes in use (451425 天等县).
    number = ric.compact(id_number or "")
    if len(number) != 18:
        return None
    try:
        if ric.calc_check_digit(number) != number[-1].upper():
            return None
        birth = ric.get_birth_date(number)
    except (NumberError, ValueError):
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_elderly(id_number: str, day: dt.date) -> bool:
    age = age_on(id_number, day)
    return age is not None and age >= ELDERLY_AGE


def market_day_today(town_id: int) -> MarketDay:
    today = timezone.localdate()
    market_day = MarketDay.objects.filter(town_id=town_id, date=today, is_cancelled=False).first()
    if market_day is None:
        raise WrongState(_("Today is not a market day: tickets are given out on market days only."))
    return market_day


def _on_a_ticket(cases: list[Case], *, day: dt.date, besides: Ticket | None = None) -> str | None:
    """The number of the first of `cases` already on one of the day's tickets (other than `besides`)."""
    links = Ticket.cases.through.objects.filter(ticket__day=day, case__in=cases)
    if besides is not None:
        links = links.exclude(ticket=besides)
    return links.order_by("case_id").values_list("case__number", flat=True).first()


@dataclass(frozen=True)
class Villager:
    """Who the ticket is for when no case names them yet (the guide desk)."""

    name: str = ""
    id_number: str = ""


def ticket_issue(
    *,
    actor,
    village: Village,
    cases: Iterable[Case] = (),
    villager: Villager | None = None,
    intake_department=None,
    is_disabled: bool = False,
    is_pregnant: bool = False,
    at_guide_desk: bool = False,
) -> Ticket:
    """Give a villager today's next ticket, for all the cases they brought (one ticket however many matters).

    The village desk gives tickets to its own villagers (the village's cadres); the guide desk (the town office)
    to anyone of the town, also before any case is taken in — then the ticket waits at the village's desk, or at
    the department it is sent to. A case already on one of today's tickets is not put on another. 70 or older by
    the ID number, disabled, pregnant: 绿色通道."""
    cases = list(cases)
    town_id = village.town_id
    if at_guide_desk:
        if not is_office_of(actor, town_id):
            raise NotAllowed(_("Only the town office gives tickets at the guide desk."))
    elif not is_cadre_of(actor, village.pk):
        raise NotAllowed(_("Only a cadre of %(village)s gives tickets at its desk.") % {"village": village.name})
    if intake_department is not None and (intake_department.town_id != town_id or not at_guide_desk):
        raise InvalidInput(_("This desk is not in the town's hall."))
    villager = villager or Villager()
    with transaction.atomic():
        market_day = market_day_today(town_id)
        day = market_day.date
        for case in cases:
            if case.town_id != town_id or not case.is_open:
                raise InvalidInput(_("Case %(number)s is not an open case of this town.") % {"number": case.number})
            if not at_guide_desk and case.village_id != village.pk:
                raise NotAllowed(_("Case %(number)s is of another village.") % {"number": case.number})
        taken = _on_a_ticket(cases, day=day)
        if taken:
            raise WrongState(_("Case %(number)s already has a ticket today.") % {"number": taken})
        name = cases[0].applicant_name if cases else villager.name.strip()
        if not name:
            raise InvalidInput(_("Give the villager's name, or choose their cases."))
        id_numbers = [c.applicant_id_number for c in cases] or [villager.id_number.strip()]
        counter, _created = TicketCounter.objects.select_for_update().get_or_create(town_id=town_id, day=day)
        counter.last = F("last") + 1
        counter.save(update_fields=["last"])
        counter.refresh_from_db(fields=["last"])
        elderly = any(is_elderly(n, day) for n in id_numbers if n)
        ticket = Ticket.objects.create(
            town_id=town_id,
            market_day=market_day,
            day=day,
            number=counter.last,
            token=secrets.token_urlsafe(18),
            masked_name=mask_name(name),
            village=village,
            intake_department=intake_department if not cases else None,
            is_elderly=elderly,
            is_disabled=is_disabled,
            is_pregnant=is_pregnant,
            is_green=elderly or is_disabled or is_pregnant,
            issued_at=_now(),
            issued_by=actor,
        )
        if cases:
            ticket.cases.set(cases)
    return ticket


# --- the desk ----------------------------------------------------------------------------------------------------


def _desk_state(actor, desk: Desk, version: int | None) -> DeskDay:
    """The prologue of every desk action: the actor's right at this desk, today a market day, the desk's row
    locked, the page's version the current one."""
    if not desk.may_call(actor):
        raise NotAllowed(_("This is not your desk."))
    day = market_day_today(desk.town_id).date
    state, _created = DeskDay.objects.get_or_create(day=day, town_id=desk.town_id, **desk.lookup)
    state = DeskDay.objects.select_for_update(of=("self",)).select_related("current").get(pk=state.pk)
    if version is not None and state.version != version:
        raise StaleError(
            _("The desk has called since this page was shown (perhaps a double click). Nothing was done; look again.")
        )
    return state


def _save_state(state: DeskDay, *, current: TicketCall | None) -> None:
    """The conditional update that makes each desk action happen once: only from the version read."""
    moved = DeskDay.objects.filter(pk=state.pk, version=state.version).update(version=F("version") + 1, current=current)
    if moved != 1:
        raise StaleError(_("The desk has called since this page was shown. Nothing was done; look again."))
    page_versions.changed({state.town_id})  # an update sends no signal
    state.version += 1
    state.current = current


def _open_current(state: DeskDay) -> TicketCall | None:
    current = state.current
    return current if current is not None and current.is_open else None


def _require_free(state: DeskDay, now: dt.datetime) -> None:
    """Before calling someone else: the villager at the desk is finished; one called and not come must be marked
    come or parked first (过号 only after three calls)."""
    current = _open_current(state)
    if current is None:
        return
    if current.served_at is None:
        raise WrongState(
            _("%(number)s was called and has not come yet: call again, or after three calls mark the no-show.")
            % {"number": current.ticket.label}
        )
    current.finished_at = now
    current.save(update_fields=["finished_at"])


def _queued_at(ticket: Ticket, desk: Desk) -> dt.datetime:
    """When the ticket joined this desk's line: issued, or when its case's step here started, whichever is later."""
    steps = CaseStep.objects.filter(case__tickets=ticket, state=CaseStep.State.ACTIVE)
    if desk.is_village:
        steps = steps.filter(kind=CaseStep.Kind.VILLAGE, village_id=desk.pk)
    else:
        steps = steps.filter(kind=CaseStep.Kind.DEPARTMENT, department_id=desk.pk)
    started = steps.order_by("started_at").values_list("started_at", flat=True).first()
    return max(ticket.issued_at, started) if started else ticket.issued_at


def _finish_elsewhere(ticket: Ticket, *, now: dt.datetime, exclude: int) -> None:
    """The villager called here has left the desks where their case has moved on: those turns are over (the desk
    may not have pressed 办完), so the board and the villager's page no longer send them back."""
    from .desks import desk_of_call

    left = TicketCall.objects.filter(ticket=ticket, finished_at__isnull=True, served_at__isnull=False, is_parked=False)
    for call in left.exclude(pk=exclude).select_related("village", "department"):
        if not Ticket.objects.filter(pk=ticket.pk).filter(selectors.at_desk_q(desk_of_call(call))).exists():
            call.finished_at = now
            call.save(update_fields=["finished_at"])


def ticket_call_next(*, actor, desk: Desk, version: int | None) -> TicketCall:
    """叫下一位: finish the villager at the desk and call the first of the line (绿色通道 first, then by arrival)."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        now = _now()
        _require_free(state, now)
        ticket = selectors.desk_line(desk=desk, day=state.day).select_for_update(of=("self",)).first()
        if ticket is None:
            raise WrongState(_("Nobody is waiting at this desk."))
        queued = min(_queued_at(ticket, desk), now)
        call = TicketCall.objects.create(
            ticket=ticket,
            town_id=desk.town_id,
            day=state.day,
            queued_at=queued,
            called_at=now,
            last_called_at=now,
            called_by=actor,
            wait_seconds=int((now - queued).total_seconds()),
            **desk.lookup,
        )
        _finish_elsewhere(ticket, now=now, exclude=call.pk)
        _save_state(state, current=call)
    return call


def ticket_call_again(*, actor, desk: Desk, version: int | None) -> TicketCall:
    """再叫一次: the villager called has not come; at most three calls."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = _open_current(state)
        if call is None or call.served_at is not None:
            raise WrongState(_("Nobody called is waiting to come to this desk."))
        if call.call_count >= MAX_CALLS:
            raise WrongState(_("Called three times already: mark the no-show."))
        call.call_count += 1
        call.last_called_at = _now()
        call.save(update_fields=["call_count", "last_called_at"])
        _save_state(state, current=call)
    return call


def ticket_serve(*, actor, desk: Desk, version: int | None) -> TicketCall:
    """已到: the villager called is at the desk."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = _open_current(state)
        if call is None or call.served_at is not None:
            raise WrongState(_("Nobody called is waiting to come to this desk."))
        now = _now()
        call.served_at = now
        call.serve_seconds = int((now - call.called_at).total_seconds())
        call.save(update_fields=["served_at", "serve_seconds"])
        _save_state(state, current=call)
    return call


def ticket_finish(*, actor, desk: Desk, version: int | None) -> TicketCall:
    """办完: the villager at the desk is done here (叫下一位 does the same on its way)."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = _open_current(state)
        if call is None or call.served_at is None:
            raise WrongState(_("Nobody is at this desk."))
        call.finished_at = _now()
        call.save(update_fields=["finished_at"])
        _save_state(state, current=None)
    return call


def ticket_park(*, actor, desk: Desk, version: int | None) -> TicketCall:
    """过号: called three times and not come; parked, to be recalled when the villager turns up."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = _open_current(state)
        if call is None or call.served_at is not None:
            raise WrongState(_("Nobody called is waiting to come to this desk."))
        if call.call_count < MAX_CALLS:
            raise WrongState(_("A ticket is parked only after three calls."))
        call.is_parked = True
        call.no_shows += 1
        call.save(update_fields=["is_parked", "no_shows"])
        _save_state(state, current=None)
    return call


def ticket_recall(*, actor, desk: Desk, version: int | None, call_id: int) -> TicketCall:
    """重新叫号: a parked ticket's villager is back; called again at once, ahead of the line."""
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = TicketCall.objects.select_for_update().filter(pk=call_id, day=state.day, **desk.lookup).first()
        if call is None:
            raise NotAllowed(_("This ticket was not parked at this desk."))
        if not call.is_parked:
            raise WrongState(_("This ticket is not parked."))
        now = _now()
        _require_free(state, now)
        call.is_parked = False
        call.call_count = 1
        call.last_called_at = now
        call.called_by = actor
        call.save(update_fields=["is_parked", "call_count", "last_called_at", "called_by"])
        _finish_elsewhere(call.ticket, now=now, exclude=call.pk)
        _save_state(state, current=call)
    return call


def ticket_mark_urgent(*, actor, desk: Desk, ticket_id: int) -> Ticket:
    """加急 (绿色通道): a desk marks a ticket waiting in its line urgent; every desk then calls it first."""
    if not desk.may_call(actor):
        raise NotAllowed(_("This is not your desk."))
    with transaction.atomic():
        day = market_day_today(desk.town_id).date
        ticket = selectors.desk_line(desk=desk, day=day).filter(pk=ticket_id).select_for_update(of=("self",)).first()
        if ticket is None:
            raise WrongState(_("This ticket is not waiting at this desk."))
        ticket.is_urgent = True
        ticket.is_green = True
        ticket.save(update_fields=["is_urgent", "is_green"])
    return ticket


def ticket_add_cases(*, actor, desk: Desk, version: int | None, cases: Iterable[Case]) -> Ticket:
    """The cases just taken in for the villager at the desk go on their ticket; it then follows them."""
    cases = list(cases)
    with transaction.atomic():
        state = _desk_state(actor, desk, version)
        call = _open_current(state)
        if call is None or call.served_at is None:
            raise WrongState(_("Nobody is at this desk."))
        ticket = call.ticket
        for case in cases:
            if case.town_id != ticket.town_id or not case.is_open:
                raise InvalidInput(_("Case %(number)s is not an open case of this town.") % {"number": case.number})
            if desk.is_village and case.village_id != desk.pk:
                raise NotAllowed(_("Case %(number)s is of another village.") % {"number": case.number})
        taken = _on_a_ticket(cases, day=ticket.day, besides=ticket)
        if taken:
            raise WrongState(_("Case %(number)s already has a ticket today.") % {"number": taken})
        ticket.cases.add(*cases)
        _save_state(state, current=call)
    return ticket


# --- intake ------------------------------------------------------------------------------------------------------


def intake_desk(case: Case) -> Desk:
    """The desk a case was taken in at: the clerk's window (case.intake_department), else its village's desk."""
    if case.intake_department_id:
        return Desk.of_department(case.intake_department)
    return Desk.of_village(case.village)


def ticket_of_intake(case: Case, *, day: dt.date) -> Ticket | None:
    """The ticket of the villager a case was just taken in for, on `day`: the one already carrying a case of the
    same ID number (one ticket per villager however many matters), else the one whose turn is open at the intake
    desk — called, or at the window — when its name is the applicant's or the 代办人's (黄** for 黄必刘). A walk-in
    taken in while someone else's number is called is on no ticket; the desk can still put the case on one."""
    todays = Ticket.objects.filter(town_id=case.town_id, day=day)
    if case.applicant_id_number:
        held = (
            todays.filter(cases__applicant_id_number=case.applicant_id_number, cases__town_id=case.town_id)
            .order_by("number")
            .first()
        )
        if held is not None:
            return held
    desk = intake_desk(case)
    state = DeskDay.objects.filter(day=day, **desk.lookup).select_related("current__ticket").first()
    call = state.current if state is not None else None
    if call is None or not call.is_open or call.ticket.town_id != case.town_id:
        return None
    names = {mask_name(case.applicant_name), mask_name(case.proxy_name)} - {""}
    return call.ticket if call.ticket.masked_name in names else None


def ticket_attach_intake(*, case: Case, at: dt.datetime) -> Ticket | None:
    """受理 puts the new case on its villager's ticket of the day (ticket_of_intake), in the intake's own
    transaction (tickets.receivers listens to cases.signals.event_appended), so the ticket follows it from this
    desk on without the desk's "put on the ticket". The desk's version is left alone: its page is not made stale."""
    ticket = ticket_of_intake(case, day=timezone.localdate(at))
    if ticket is not None:
        ticket.cases.add(case)
    return ticket
