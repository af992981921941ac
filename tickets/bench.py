"""A market day with N tickets for `manage.py bench --tickets N` (cases/management/commands/bench.py): built through
the services, as the hall would build it — tickets given at the village desks (a quarter of them for open cases
whose active step is at a village or a town desk, so the lines are read from the cases), some sent to a window from
the guide desk, one in ten 绿色通道, and about half of them called and served at their desks."""

import random

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStep
from departments.models import Department, DepartmentMember
from villages.models import MarketDay, TownStaff, Village, VillageCadre

from . import selectors, services
from .desks import Desk
from .models import DeskDay, Ticket, TicketCall, TicketCounter


def reset_day(*, town) -> MarketDay:
    """Today a market day of `town`, with none of its tickets: the bench's database only."""
    today = timezone.localdate()
    market_day, _ = MarketDay.objects.update_or_create(town=town, date=today, defaults={"is_cancelled": False})
    DeskDay.objects.filter(town=town, day=today).delete()
    TicketCall.objects.filter(town=town, day=today).delete()
    Ticket.objects.filter(town=town, day=today).delete()
    TicketCounter.objects.filter(town=town, day=today).delete()
    return market_day


def build_day(*, town, count: int, seed: int = 1) -> dict:
    """`count` tickets on today's market day of `town`; returns the busiest town window and its clerk."""
    rng = random.Random(seed)
    market_day = reset_day(town=town)
    cadres = {
        c.village_id: c.user
        for c in VillageCadre.objects.filter(village__town=town, is_active=True).select_related("user")
    }
    villages = list(Village.objects.filter(town=town, pk__in=cadres).order_by("desk_order"))
    windows = list(Department.objects.filter(town=town, members__role="clerk", members__is_active=True).distinct())
    office = TownStaff.objects.filter(town=town, role=TownStaff.Role.OFFICE, is_active=True).first()
    with_cases = (
        Case.objects.filter(town=town, state__in=Case.OPEN_STATES, village__in=villages)
        .filter(current_step__state=CaseStep.State.ACTIVE, current_step__kind__in=["village", "department"])
        .order_by("pk")
        .values_list("pk", flat=True)[: count // 4]
    )
    case_ids = list(with_cases)
    issued = 0
    with transaction.atomic():
        for case in Case.objects.filter(pk__in=case_ids).select_related("village"):
            services.ticket_issue(actor=cadres[case.village_id], village=case.village, cases=[case])
            issued += 1
        while issued < count:
            village = rng.choice(villages)
            flags = {"is_disabled": rng.random() < 0.05, "is_pregnant": rng.random() < 0.05}
            if office is not None and windows and rng.random() < 0.2:
                services.ticket_issue(
                    actor=office.user,
                    village=village,
                    villager=services.Villager(name=f"黄{issued}"),
                    intake_department=rng.choice(windows),
                    at_guide_desk=True,
                    **flags,
                )
            else:
                services.ticket_issue(
                    actor=cadres[village.pk], village=village, villager=services.Villager(name=f"黄{issued}"), **flags
                )
            issued += 1
    # About half called and served, desk by desk, through the same services as the 叫下一位 button.
    clerks = {
        m.department_id: m.user
        for m in DepartmentMember.objects.filter(department__in=windows, role="clerk", is_active=True)
    }
    desks = [(Desk.of_village(v), cadres[v.pk]) for v in villages] + [
        (Desk.of_department(d), clerks[d.pk]) for d in windows
    ]
    day = market_day.date
    for desk, actor in desks:
        waiting = selectors.desk_line(desk=desk, day=day).count()
        for _ in range(waiting // 2):
            version = DeskDay.objects.filter(day=day, **desk.lookup).values_list("version", flat=True).first() or 0
            services.ticket_call_next(actor=actor, desk=desk, version=version)
            services.ticket_serve(actor=actor, desk=desk, version=version + 1)
    busiest = max(
        ((desk, actor) for desk, actor in desks if not desk.is_village),
        key=lambda pair: selectors.desk_line(desk=pair[0], day=day).count(),
        default=desks[0],
    )
    # Someone at the measured window, at every count: the calling panel then shows the same parts each time.
    desk, clerk = busiest
    state = DeskDay.objects.filter(day=day, **desk.lookup).select_related("current").first()
    if office is not None and not desk.is_village and (state is None or state.current is None):
        top_up(desk=desk, town=town, office=office.user)
        version = desk_version(desk, day)
        services.ticket_call_next(actor=clerk, desk=desk, version=version)
        services.ticket_serve(actor=clerk, desk=desk, version=version + 1)
    return {
        "day": day,
        "tickets": Ticket.objects.filter(town=town, day=day).count(),
        "calls": TicketCall.objects.filter(town=town, day=day).count(),
        "desk": busiest[0],
        "clerk": busiest[1],
        "office": office.user if office else None,
        "town": town,
        "tokens": list(Ticket.objects.filter(town=town, day=day).order_by("?").values_list("token", flat=True)[:20]),
    }


def top_up(*, desk: Desk, town, office) -> Ticket:
    """One more villager sent to `desk` from the guide desk, so each timed 叫下一位 has someone to call."""
    return services.ticket_issue(
        actor=office,
        village=Village.objects.filter(town=town).order_by("desk_order").first(),
        villager=services.Villager(name="黄某"),
        intake_department=Department.objects.get(pk=desk.pk),
        at_guide_desk=True,
    )


def desk_version(desk: Desk, day) -> int:
    return DeskDay.objects.filter(day=day, **desk.lookup).values_list("version", flat=True).first() or 0
