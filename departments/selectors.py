import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from villages.models import MarketDay, Town

from . import access
from .models import Department, DepartmentMember, VisitRound


def hall_desks(*, town) -> QuerySet[Department]:
    """The departments with a desk in the town's hall, in desk order."""
    return Department.objects.filter(town=town).order_by("desk_order", "name")


# --- the county officer's board (县级约办 across the county's towns) ----------------------------------------------

# The appointments and referral steps are cases' rows, and departments never imports cases (DESIGN.md): the models
# are read by name, as villages' admin reads the holiday calendar.
OPEN_APPOINTMENT = ("booked", "confirmed")
REFERRAL_MODES = ("referral", "submission")
PAST_WINDOW_DAYS = 60


@dataclass
class BoardDay:
    """One town's hall on one day: the department's appointments there, referrals written that day, the visits
    planned (and cancelled) for it."""

    date: dt.date
    is_market_day: bool
    appointments: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    rounds: list = field(default_factory=list)

    @property
    def open_appointments(self) -> int:
        return sum(1 for a in self.appointments if a.state in OPEN_APPOINTMENT)

    @property
    def planned_round(self) -> VisitRound | None:
        return next((r for r in self.rounds if r.is_planned), None)

    @property
    def unplanned(self) -> bool:
        """Booked appointments at this hall on this day, and no visit planned to meet them."""
        return self.open_appointments > 0 and self.planned_round is None


@dataclass
class BoardTown:
    town: Town
    days: list[BoardDay] = field(default_factory=list)
    open_referrals: list = field(default_factory=list)
    next_market_days: list[dt.date] = field(default_factory=list)

    @property
    def open_appointments(self) -> int:
        return sum(day.open_appointments for day in self.days)

    @property
    def unplanned_days(self) -> int:
        return sum(1 for day in self.days if day.unplanned)

    @property
    def planned_rounds(self) -> int:
        return sum(1 for day in self.days if day.planned_round is not None)

    @property
    def referrals(self) -> int:
        return len(self.open_referrals) + sum(len(day.referrals) for day in self.days)


@dataclass
class Board:
    department: Department
    towns: list[BoardTown]
    past: bool
    start: dt.date
    end: dt.date | None  # open-ended for the coming days

    @property
    def shown_towns(self) -> list[BoardTown]:
        return [t for t in self.towns if t.days or t.open_referrals]

    @property
    def unplanned_days(self) -> int:
        return sum(t.unplanned_days for t in self.towns)


def officer_departments(*, user) -> QuerySet[Department]:
    return access.county_departments(user)


def officer_rounds(*, user) -> QuerySet[VisitRound]:
    """The visit rounds a user may see and change: those of their county departments, in their county's towns."""
    return (
        VisitRound.objects.filter(department__in=access.county_departments(user))
        .select_related("department", "town")
        .prefetch_related("staff")
    )


def department_officers(*, department: Department):
    return (
        get_user_model()
        .objects.filter(
            department_memberships__department=department,
            department_memberships__role=DepartmentMember.Role.COUNTY_OFFICER,
            department_memberships__is_active=True,
        )
        .order_by("name")
    )


def coming_market_days(*, towns, today: dt.date, per_town: int = 6) -> dict[int, list[dt.date]]:
    """Each town's next market days (not cancelled), in one query."""
    found: dict[int, list[dt.date]] = {}
    rows = MarketDay.objects.filter(town__in=towns, date__gte=today, date__lte=today + dt.timedelta(days=60))
    for town_id, day in rows.filter(is_cancelled=False).order_by("date").values_list("town_id", "date"):
        days = found.setdefault(town_id, [])
        if len(days) < per_town:
            days.append(day)
    return found


def county_board(
    *, department: Department, today: dt.date | None = None, past: bool = False, until: dt.date | None = None
) -> Board:
    """The department's appointments and referrals across every town of its county, by town and by day, with the
    visits planned for them. Coming days (today on) by default, the soonest first, with every referral still
    awaiting the county; or, `past`, the days of the PAST_WINDOW_DAYS before `until` (default today), the latest
    first. A constant number of queries however many towns, days or cases."""
    today = today or timezone.localdate()
    appointment_model = apps.get_model("cases", "Appointment")
    step_model = apps.get_model("cases", "CaseStep")
    towns = list(access.county_towns(department))
    last = min(until or today, today)  # the past window ends before this day
    start = last - dt.timedelta(days=PAST_WINDOW_DAYS) if past else today
    end = last if past else None
    in_window: dict[str, dt.date] = {"date__gte": start, "date__lt": last} if past else {"date__gte": start}

    appointments = appointment_model.objects.filter(
        department=department, case__town__in=towns, **in_window
    ).select_related("case", "case__matter", "case__village", "case__town")
    rounds = (
        VisitRound.objects.filter(department=department, town__in=towns, **in_window)
        .select_related("town", "planned_by")
        .prefetch_related(Prefetch("staff", queryset=get_user_model().objects.order_by("name")))
        .order_by("state", "planned_at")
    )
    referral_steps = step_model.objects.filter(
        kind="county", county_mode__in=REFERRAL_MODES, department=department, town__in=towns
    ).select_related("case", "case__matter", "case__village")
    if past:
        tz = timezone.get_current_timezone()
        since = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
        before = timezone.make_aware(dt.datetime.combine(last, dt.time.min), tz)
        dated_referrals = list(
            referral_steps.filter(started_at__gte=since, started_at__lt=before).order_by("started_at")
        )
        open_referrals = []
    else:
        dated_referrals = []
        open_referrals = list(referral_steps.filter(state="active").order_by("started_at"))

    cells: dict[tuple[int, dt.date], BoardDay] = {}

    def cell(town_id: int, day: dt.date) -> BoardDay:
        if (town_id, day) not in cells:
            cells[(town_id, day)] = BoardDay(date=day, is_market_day=False)
        return cells[(town_id, day)]

    for appointment in appointments.order_by("date", "time", "pk"):
        cell(appointment.case.town_id, appointment.date).appointments.append(appointment)
    for visit in rounds:
        cell(visit.town_id, visit.date).rounds.append(visit)
    for step in dated_referrals:  # started in the window, so started
        cell(step.town_id, timezone.localdate(step.started_at)).referrals.append(step)
    if cells:
        days = {day for _town, day in cells}
        for town_id, day in MarketDay.objects.filter(
            town__in=towns, date__in=sorted(days), is_cancelled=False
        ).values_list("town_id", "date"):
            if (town_id, day) in cells:
                cells[(town_id, day)].is_market_day = True

    coming = coming_market_days(towns=towns, today=today)
    board_towns = []
    for town in towns:
        town_days = sorted(
            (c for (town_id, _day), c in cells.items() if town_id == town.pk), key=lambda c: c.date, reverse=past
        )
        board_towns.append(
            BoardTown(
                town=town,
                days=town_days,
                open_referrals=[s for s in open_referrals if s.town_id == town.pk],
                next_market_days=coming.get(town.pk, []),
            )
        )
    return Board(department=department, towns=board_towns, past=past, start=start, end=end)
