"""The reads: each desk's line, derived from the day's tickets and their cases' active steps, and what the hall
board, the desk panel and the villager's phone show. Every query is bounded by (town, day) and by an index, and
the board and the panel run a fixed number of queries however many tickets the day has."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.models import CaseStep

from .desks import Desk, desk_of_call
from .models import DeskDay, Ticket, TicketCall

LINE_ORDER = ("-is_green", "issued_at", "pk")
BOARD_LIMIT = 6
PANEL_LIMIT = 8


def at_desk_q(desk: Desk) -> Q:
    """The ticket stands in this desk's line: one of its cases has its active step here, or it has no case yet and
    was sent here (its village's desk, or the department it was sent to)."""
    steps = CaseStep.objects.filter(case__tickets=OuterRef("pk"), state=CaseStep.State.ACTIVE)
    if desk.is_village:
        steps = steps.filter(kind=CaseStep.Kind.VILLAGE, village_id=desk.pk)
        sent_here = Q(village_id=desk.pk, intake_department__isnull=True)
    else:
        steps = steps.filter(kind=CaseStep.Kind.DEPARTMENT, department_id=desk.pk)
        sent_here = Q(intake_department_id=desk.pk)
    no_case = ~Exists(Ticket.cases.through.objects.filter(ticket_id=OuterRef("pk")))
    return Exists(steps) | (sent_here & no_case)


def _line_ids(desk: Desk, day: dt.date):
    """The ids of the tickets in `desk`'s line, found from the desk's side — its active steps (few, by index), then
    their cases' tickets of the day, and the day's tickets sent here without a case — so the cost follows the
    desk's own line, not the day's ticket count."""
    through = Ticket.cases.through
    steps = CaseStep.objects.filter(state=CaseStep.State.ACTIVE)
    if desk.is_village:
        steps = steps.filter(kind=CaseStep.Kind.VILLAGE, village_id=desk.pk)
        sent_here = {"village_id": desk.pk, "intake_department__isnull": True}
    else:
        steps = steps.filter(kind=CaseStep.Kind.DEPARTMENT, department_id=desk.pk)
        sent_here = {"intake_department_id": desk.pk}
    linked = through.objects.filter(case_id__in=steps.values("case_id"), ticket__day=day).values("ticket_id").order_by()
    has_case = Exists(through.objects.filter(ticket_id=OuterRef("pk")))
    sent = Ticket.objects.filter(town_id=desk.town_id, day=day, **sent_here).filter(~has_case).values("pk").order_by()
    return linked.union(sent)


def _active_steps_here(desk: Desk) -> QuerySet[CaseStep]:
    steps = CaseStep.objects.filter(state=CaseStep.State.ACTIVE)
    if desk.is_village:
        return steps.filter(kind=CaseStep.Kind.VILLAGE, village_id=desk.pk)
    return steps.filter(kind=CaseStep.Kind.DEPARTMENT, department_id=desk.pk)


def turns_holding(desk: Desk) -> QuerySet[TicketCall]:
    """The ticket's turns at `desk` (correlated on the ticket's pk) that keep it out of the desk's line: one still
    open (called, at the window, or parked), or one that ended with no case of the ticket coming (back) to the desk
    since — a case sent back here the same day after the turn ended, or a further matter reaching the desk, puts the
    ticket in the line again. Its Python twin is `turn_holds`."""
    back_since = _active_steps_here(desk).filter(
        case__tickets=OuterRef("ticket_id"), started_at__gt=OuterRef("finished_at")
    )
    return TicketCall.objects.filter(ticket_id=OuterRef("pk"), **desk.lookup).filter(
        Q(finished_at__isnull=True) | ~Exists(back_since)
    )


def turn_holds(call: TicketCall, started_here: list[dt.datetime]) -> bool:
    """`turns_holding` for one turn, given when the ticket's active steps at the turn's desk started."""
    return call.finished_at is None or not any(started > call.finished_at for started in started_here if started)


def desk_line(*, desk: Desk, day: dt.date) -> QuerySet[Ticket]:
    """The tickets waiting at `desk`: in its line and not called there for what brings them now (turns_holding),
    绿色通道 first, then by arrival — the time the ticket was issued, kept from desk to desk and also when a case
    is sent back to a desk that served it: the villager has waited once, and the return is the hall's doing."""
    return (
        Ticket.objects.filter(pk__in=_line_ids(desk, day), town_id=desk.town_id, day=day)
        .exclude(Exists(turns_holding(desk)))
        .order_by(*LINE_ORDER)
    )


def ahead_of(ticket: Ticket, *, desk: Desk) -> int:
    """How many are called before `ticket` at `desk`."""
    before = Q(is_green__gt=ticket.is_green) | Q(is_green=ticket.is_green, issued_at__lt=ticket.issued_at)
    before |= Q(is_green=ticket.is_green, issued_at=ticket.issued_at, pk__lt=ticket.pk)
    return desk_line(desk=desk, day=ticket.day).filter(before).count()


def desk_day(*, desk: Desk, day: dt.date) -> DeskDay | None:
    return DeskDay.objects.filter(day=day, **desk.lookup).select_related("current", "current__ticket").first()


def desk_panel(*, desk: Desk, day: dt.date) -> dict:
    """What the calling panel shows: the ticket at the desk, the first of the line, the parked ones. Five queries;
    one while nobody in the town has taken a number today (the hall not open yet, a town that calls no numbers)."""
    if not Ticket.objects.filter(town_id=desk.town_id, day=day).exists():
        return {"current_cases": [], "desk": desk, "version": 0, "current": None, "waiting": [], "waiting_count": 0,
                "parked": []}  # fmt: skip
    state = desk_day(desk=desk, day=day)
    line = desk_line(desk=desk, day=day)
    parked = (
        TicketCall.objects.filter(day=day, is_parked=True, **desk.lookup)
        .select_related("ticket")
        .order_by("last_called_at")[:PANEL_LIMIT]
    )
    current = state.current if state and state.current_id and state.current.is_open else None
    return {
        "current_cases": cases_here(desk=desk, ticket=current.ticket) if current else [],
        "desk": desk,
        "version": state.version if state else 0,
        "current": current,
        "waiting": list(line[:PANEL_LIMIT]),
        "waiting_count": line.count(),
        "parked": list(parked),
    }


def cases_here(*, desk: Desk, ticket: Ticket) -> list:
    """The ticket's cases whose active step is at `desk`: what the desk opens for the villager just called (only
    cases at the desk, which its staff may see)."""
    from cases.models import Case

    steps = _active_steps_here(desk)
    return list(
        Case.objects.filter(tickets=ticket, pk__in=steps.values("case_id")).select_related("matter").order_by("pk")
    )


def board_calls(*, town, day: dt.date, limit: int = BOARD_LIMIT) -> list[TicketCall]:
    """The hall board: the latest calls still at a desk, newest first. One query."""
    return list(
        TicketCall.objects.filter(town=town, day=day, is_parked=False, finished_at__isnull=True)
        .select_related("ticket", "village", "department")
        .order_by("-last_called_at", "-pk")[:limit]
    )


def ticket_by_token(*, token: str) -> Ticket | None:
    return Ticket.objects.filter(token=token).select_related("town", "village", "intake_department").first()


def ticket_desks(*, ticket: Ticket) -> dict:
    """Where the ticket stands now: the desks calling it, and the lines it waits in with how many are ahead."""
    from departments.models import Department
    from villages.models import Village

    calls = list(ticket.calls.select_related("village", "department"))
    at_window = [{"desk": desk_of_call(c), "call": c} for c in calls if c.is_open]
    parked = [{"desk": desk_of_call(c), "call": c} for c in calls if c.is_parked]
    steps = CaseStep.objects.filter(
        case__tickets=ticket, state=CaseStep.State.ACTIVE, kind__in=[CaseStep.Kind.VILLAGE, CaseStep.Kind.DEPARTMENT]
    ).values_list("kind", "village_id", "department_id", "started_at")
    desks: list[Desk] = []
    started: dict[str, list[dt.datetime]] = {}
    for kind, village_id, department_id, started_at in steps:
        if kind == CaseStep.Kind.VILLAGE:
            desk = Desk.of_village(Village.objects.get(pk=village_id))
        else:
            desk = Desk.of_department(Department.objects.get(pk=department_id))
        desks.append(desk)
        started.setdefault(desk.key, []).append(started_at)
    called_keys = {desk_of_call(c).key for c in calls if turn_holds(c, started.get(desk_of_call(c).key, []))}
    if not desks and not ticket.cases.exists():
        desks.append(
            Desk.of_department(ticket.intake_department)
            if ticket.intake_department_id
            else Desk.of_village(ticket.village)
        )
    seen: set[str] = set()
    waiting = []
    for desk in desks:
        if desk.key in called_keys or desk.key in seen:
            continue
        seen.add(desk.key)
        waiting.append({"desk": desk, "ahead": ahead_of(ticket, desk=desk)})
    return {"at_window": at_window, "waiting": waiting, "parked": parked}


def calls_of_ticket(*, ticket: Ticket) -> QuerySet[TicketCall]:
    return ticket.calls.select_related("village", "department").order_by("called_at")
