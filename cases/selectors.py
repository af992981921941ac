"""Reads, already scoped to the user and shaped for the page that uses them."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate, TruncTime
from django.utils import timezone
from django.utils.functional import Promise

from departments.models import Department
from villages.models import Village
from villages.selectors import next_market_days  # noqa: F401 — offered when booking

from . import workflow
from .access import roles_for
from .calendar import WORKING_DAY_RULE, town_non_working_dates
from .models import (
    Appointment,
    Case,
    CaseEvent,
    CaseStep,
    Material,
    Matter,
    Rating,
    RatingAppeal,
    Rectification,
    RouteStep,
)
from .models.feedback import counts_against_desk

# --- the public catalogue ----------------------------------------------------------------------------------------


def published_matters(*, town) -> QuerySet[Matter]:
    # The town for each matter's address (/<town code>/guide/<code>/), in the same query.
    return (
        Matter.objects.filter(town=town, is_active=True)
        .select_related("town")
        .order_by("category", "display_order", "code")
    )


def desk_matters(*, town, at_department_desk: bool = False) -> QuerySet[Matter]:
    """The matters a desk may open a case for: the published ones; a department's desk only those that need no
    village certificate."""
    matters = published_matters(town=town)
    if at_department_desk:
        matters = matters.filter(needs_village_certificate=False)
    return matters


def intake_matters(*, town, at_department_desk: bool = False) -> QuerySet[Matter]:
    """`desk_matters` as the desk's choose-the-matter list shows them: code, name and category."""
    return (
        desk_matters(town=town, at_department_desk=at_department_desk)
        .select_related(None)
        .only("code", "name", "category")
    )


def guide_by_category(*, town) -> list[tuple[str | Promise, list[Matter]]]:
    """The catalogue grouped under its categories, in the category order of the model."""
    matters = list(published_matters(town=town))
    grouped: list[tuple[str | Promise, list[Matter]]] = []
    for value, label in Matter.Category.choices:
        items = [m for m in matters if m.category == value]
        if items:
            grouped.append((label, items))
    return grouped


def guide_matter(*, town, code: str) -> Matter:
    """A published matter of the town's guide by its code (codes are unique per town, not across the county)."""
    return (
        Matter.objects.filter(town=town, is_active=True)
        .select_related("town", "county_department")
        .prefetch_related(
            Prefetch("route", queryset=RouteStep.objects.select_related("department").order_by("order")),
            Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
        )
        .get(code=code)
    )


# --- who sees which case -----------------------------------------------------------------------------------------


def case_scope(*, user) -> Q:
    """The cases a user may see, as one filter: the union over every role they hold.

    cadre: their villages' cases; clerk: cases that are or were at their department; county officer: cases with an
    appointment at their department, or sent to it (a referral or submission county step at their department that
    has started — what their county board lists); town office and supervisor: every case of their town.
    """
    roles = roles_for(user)
    scope = Q(pk__in=[])
    if roles.town_ids:
        scope |= Q(town_id__in=roles.town_ids)
    if roles.village_ids:
        scope |= Q(village_id__in=roles.village_ids)
    if roles.clerk_department_ids:
        departments = roles.clerk_department_ids
        reached = CaseStep.objects.filter(case=OuterRef("pk")).exclude(state=CaseStep.State.PENDING)
        scope |= Q(intake_department_id__in=departments)
        scope |= Q(Exists(reached.filter(department_id__in=departments)))
        scope |= Q(Exists(reached.filter(desk_department_id__in=departments)))
    if roles.county_department_ids:
        departments = roles.county_department_ids
        sent = CaseStep.objects.filter(
            case=OuterRef("pk"),
            kind=CaseStep.Kind.COUNTY,
            county_mode__in=(workflow.REFERRAL, workflow.SUBMISSION),
            department_id__in=departments,
        ).exclude(state=CaseStep.State.PENDING)
        scope |= Q(Exists(Appointment.objects.filter(case=OuterRef("pk"), department_id__in=departments)))
        scope |= Q(Exists(sent))
    return scope


def visible_cases(*, user) -> QuerySet[Case]:
    return Case.objects.filter(case_scope(user=user))


def case_detail(*, user, number: str) -> Case:
    """The one-stop view: one case with its pipeline, appointments, seal uses and full history (constant queries)."""
    return (
        visible_cases(user=user)
        .select_related("matter", "town", "village", "hamlet", "received_by", "intake_department", "current_step")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=CaseStep.objects.select_related(
                    "department", "desk_department", "accepted_by", "finished_by"
                ).order_by("order"),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("step", "step__department").order_by("seq")),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("department", "booked_by", "confirmed_by").order_by(
                    "booked_at"
                ),
            ),
            Prefetch("seal_uses"),
        )
        .get(number=number)
    )


# What a row of the desk's and the queue's lists shows: the step itself, and of its case, matter, village, hamlet and
# department only the columns on the row (a matter's guide texts are long; a page of rows need not read them).
STEP_ROW_FIELDS = (
    *(f.name for f in CaseStep._meta.concrete_fields),
    *(f"case__{name}" for name in ("number", "state", "version", "applicant_name", "matter", "village", "hamlet")),
    "case__matter__name",
    "case__village__name",
    "case__hamlet__name",
    "department__name",
)


def _step_list(queryset: QuerySet[CaseStep]) -> QuerySet[CaseStep]:
    # A row's light is the model's own (CaseStep.light, cases.workflow.step_light), worked out for the rows shown:
    # cheaper than its database twin as an annotation, which the ORM would compile into every list's query.
    return queryset.select_related("case", "case__matter", "case__village", "case__hamlet", "department").only(
        *STEP_ROW_FIELDS
    )


# --- the village desk --------------------------------------------------------------------------------------------


def desk_villages(*, user) -> QuerySet[Village]:
    return Village.objects.filter(pk__in=roles_for(user).village_ids).select_related("town").order_by("desk_order")


def _desk_waiting(village_ids) -> QuerySet[CaseStep]:
    """What waits at the village desk: certificates to stamp, and county steps booked by the village itself — read
    from the steps active now by the step's own copy of the village (casestep_active_village), however long the
    history."""
    return CaseStep.objects.filter(
        Q(kind=CaseStep.Kind.VILLAGE) | Q(kind=CaseStep.Kind.COUNTY, desk_department__isnull=True),
        state=CaseStep.State.ACTIVE,
        village_id__in=village_ids,
    )


def desk_waiting_steps(*, village_ids) -> QuerySet[CaseStep]:
    return _step_list(_desk_waiting(village_ids)).order_by("started_at")


def desk_waiting_count(*, village_ids) -> int:
    return _desk_waiting(village_ids).count()


def desk_recent_cases(*, village_ids, limit: int = 30) -> QuerySet[Case]:
    return (
        Case.objects.filter(village_id__in=village_ids)
        .select_related("matter", "current_step", "current_step__department")
        .only(
            "number",
            "state",
            "applicant_name",
            "matter",
            "matter__name",
            "current_step",
            "current_step__kind",
            "current_step__action",
            "current_step__department",
            "current_step__department__name",
        )
        .order_by("-received_at")[:limit]
    )


# --- the department queue ----------------------------------------------------------------------------------------


def queue_departments(*, user) -> QuerySet[Department]:
    return (
        Department.objects.filter(pk__in=roles_for(user).clerk_department_ids)
        .select_related("town")
        .order_by("desk_order", "name")
    )


def queue_steps(*, department_ids, overdue_only: bool = False, now: dt.datetime | None = None) -> QuerySet[CaseStep]:
    """Active steps at these desks, oldest first; never a case that has not reached them."""
    steps = _step_list(
        CaseStep.objects.filter(
            state=CaseStep.State.ACTIVE, kind=CaseStep.Kind.DEPARTMENT, department_id__in=department_ids
        )
    )
    if overdue_only:
        steps = steps.filter(workflow.overdue_q(now))
    return steps.order_by("started_at", "pk")


def _county_handed_on(department_ids) -> QuerySet[CaseStep]:
    return CaseStep.objects.filter(
        state=CaseStep.State.ACTIVE, kind=CaseStep.Kind.COUNTY, desk_department_id__in=department_ids
    )


def queue_county_count(*, department_ids) -> int:
    """How many county steps these desks follow (casestep_active_county, index-only)."""
    return _county_handed_on(department_ids).count()


def queue_county_steps(*, department_ids) -> QuerySet[CaseStep]:
    """County steps these desks handed on: appointments to book or follow, referrals whose outcome is awaited."""
    open_appointments = Appointment.objects.filter(
        state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]
    ).order_by("date")
    return (
        _step_list(_county_handed_on(department_ids))
        .prefetch_related(Prefetch("appointments", queryset=open_appointments, to_attr="open_appointments"))
        .order_by("started_at", "pk")
    )


def queue_counts(*, department_ids, now: dt.datetime | None = None) -> dict:
    """The queue's totals in one pass over the desks' active steps (casestep_active_queue, index-only); the list's
    pages are counted from them (cases.views.queue), so the same `now` gives the same overdue rows."""
    now = now or timezone.now()
    active = Q(state=CaseStep.State.ACTIVE, kind=CaseStep.Kind.DEPARTMENT, department_id__in=department_ids)
    # The cases of these desks' towns awaiting materials (few; case_town_awaiting), as a subquery: no join of every
    # active step to its case.
    towns = Department.objects.filter(pk__in=department_ids).values("town_id")
    awaiting = Case.objects.filter(state=Case.State.AWAITING, town_id__in=towns).values("pk")
    return CaseStep.objects.filter(active).aggregate(
        # Counted by case_id (never null, one active step per case), a column the index carries: index-only.
        total=Count("case"),
        overdue=Count("case", filter=workflow.overdue_q(now, awaiting=awaiting)),
        not_accepted=Count("case", filter=Q(accepted_at__isnull=True)),
        awaiting=Count("case", filter=Q(case__in=awaiting)),
    )


# --- the county officer ------------------------------------------------------------------------------------------


def officer_appointments(*, user, since: dt.date | None = None) -> QuerySet[Appointment]:
    """Appointments of the officer's departments: every open one, and those closed in the last week."""
    roles = roles_for(user)
    since = since or (timezone.localdate() - dt.timedelta(days=7))
    return (
        Appointment.objects.filter(department_id__in=roles.county_department_ids)
        .filter(Q(state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]) | Q(date__gte=since))
        .select_related("case", "case__matter", "case__village", "department", "step")
        .order_by("date", "time", "pk")
    )


# --- public tracking ---------------------------------------------------------------------------------------------


def _public_case(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("matter", "town", "village").prefetch_related(
        Prefetch(
            "steps",
            queryset=CaseStep.objects.select_related("department").order_by("order"),
        ),
        Prefetch(
            "appointments",
            queryset=Appointment.objects.filter(
                state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]
            ).select_related("department"),
            to_attr="open_appointments",
        ),
    )


def public_case_by_number(*, number: str, phone4: str) -> Case | None:
    if len(phone4) != 4 or not (phone4.isascii() and phone4.isdigit()):
        return None
    return _public_case(Case.objects.filter(number=number, applicant_phone__endswith=phone4)).first()


def public_case_by_token(*, token: str) -> Case | None:
    # The page also reads the current step (and its desk) and whether the case was rated: joined here, so an open,
    # a referred and a finished case all cost the same queries.
    return (
        _public_case(Case.objects.filter(token=token))
        .select_related("current_step__department")
        .annotate(is_rated=Exists(Rating.objects.filter(case=OuterRef("pk"))))
        .first()
    )


# --- the hall board ----------------------------------------------------------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def hall_counts(*, town, day: dt.date) -> dict:
    """Public numbers for the hall's TV: cases waiting per desk, received and completed today. No personal data."""
    start, end = _day_bounds(day)
    # Both from the rows of now only (an index of the town's active steps; today's range of two case indexes), never
    # the town's history: a department step's desk is a desk of the case's town.
    waiting = dict(
        CaseStep.objects.filter(town=town, state=CaseStep.State.ACTIVE, kind=CaseStep.Kind.DEPARTMENT)
        .order_by()
        .values("department_id")
        .annotate(n=Count("department_id"))  # not the pk: the index alone answers
        .values_list("department_id", "n")
    )
    received, completed = Q(received_at__gte=start, received_at__lt=end), Q(closed_at__gte=start, closed_at__lt=end)
    today = Case.objects.filter(received | completed, town=town).aggregate(
        received=Count("pk", filter=received),
        completed=Count("pk", filter=completed & Q(state=Case.State.COMPLETED)),
    )
    return {"waiting": waiting, **today}


# --- oversight ---------------------------------------------------------------------------------------------------

OVERSIGHT_LIMIT = 100
WORKDAY_START = dt.time(8, 0)
WORKDAY_END = dt.time(18, 0)


def oversight(*, town_ids, now: dt.datetime | None = None, days: int = 90) -> dict:
    """What openness is for: slow, bounced or odd cases and open rectifications, each a link to its one-stop view.
    A constant number of queries however many events or rectifications there are."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    steps = CaseStep.objects.filter(case__town_id__in=town_ids).select_related(
        "case", "case__matter", "case__village", "department"
    )
    overdue = steps.filter(workflow.overdue_q(now)).order_by("due_at")[:OVERSIGHT_LIMIT]
    longest = steps.filter(state=CaseStep.State.ACTIVE).order_by("started_at")[:20]
    bounced = (
        CaseEvent.objects.filter(
            case__town_id__in=town_ids, action__in=[CaseEvent.Action.RETURNED, CaseEvent.Action.REJECTED]
        )
        .values("case_id", "case__number", "case__matter__name", "case__village__name", "case__state")
        .annotate(
            returned=Count("pk", filter=Q(action=CaseEvent.Action.RETURNED)),
            rejected=Count("pk", filter=Q(action=CaseEvent.Action.REJECTED)),
            total=Count("pk"),
        )
        .filter(total__gt=1)
        .order_by("-total", "-case_id")[:OVERSIGHT_LIMIT]
    )
    rectifications = open_rectifications(town_ids=town_ids)
    today = timezone.localdate(now)
    open_listed = list(rectifications[:OVERSIGHT_LIMIT])
    for rectification in open_listed:
        due_on = rectification.due_on or timezone.localdate(rectification.due_at)
        late = rectification.due_at <= now
        rectification.days_overdue = max((today - due_on).days, 1) if late else 0  # type: ignore[attr-defined]
    return {
        "overdue": list(overdue),
        "longest": list(longest),
        "bounced": [{**row, "state_label": Case.State(row["case__state"]).label} for row in bounced],
        "odd_hours": list(odd_hour_events(town_ids=town_ids, since=since, now=now)[:OVERSIGHT_LIMIT]),
        "open_rectifications": open_listed,
        "open_rectifications_total": rectifications.count(),
        "working_day_rule": WORKING_DAY_RULE,
        "since": since,
        "now": now,
    }


def odd_hour_events(*, town_ids, since: dt.datetime, now: dt.datetime) -> QuerySet[CaseEvent]:
    """Actions by a person outside the hall's working hours, newest first: before 08:00 or from 18:00 local time,
    or on a day that is not a working day for the case's town (cases.calendar.town_non_working_dates: the
    calendar's working days and the town's market days). The days off are worked out once for the window, so the
    events are filtered in the database."""
    tz = timezone.get_current_timezone()
    days_off = town_non_working_dates(
        town_ids=town_ids, start=timezone.localdate(since, tz), end=timezone.localdate(now, tz)
    )
    outside = Q(time__lt=WORKDAY_START) | Q(time__gte=WORKDAY_END)
    for town_id, dates in days_off.items():
        if dates:
            outside |= Q(case__town_id=town_id, day__in=sorted(dates))
    return (
        CaseEvent.objects.filter(case__town_id__in=town_ids, at__gte=since, at__lte=now)
        .annotate(time=TruncTime("at", tzinfo=tz), day=TruncDate("at", tzinfo=tz))
        .filter(outside)
        .exclude(actor__isnull=True)
        .select_related("case", "case__matter")
        .order_by("-at")
    )


def open_rectifications(*, town_ids) -> QuerySet[Rectification]:
    """Every rectification of the towns not yet done, however long ago it was opened, the oldest first; one an
    upheld appeal excused is owed no more."""
    return (
        Rectification.objects.filter(rating__town_id__in=town_ids, done_at__isnull=True)
        .exclude(rating__appeal__decision=RatingAppeal.Decision.UPHELD)
        .select_related("rating", "rating__case", "rating__case__matter", "rating__appeal", "department", "village")
        .order_by("opened_at", "pk")
    )


def rectifications_for(*, user) -> QuerySet[Rectification]:
    """Open and recent rectifications the user's desk must answer (or, for the town, all of them), with the rating,
    its reasons and its appeal."""
    roles = roles_for(user)
    scope = Q(department_id__in=roles.clerk_department_ids) | Q(
        department__isnull=True, village_id__in=roles.village_ids
    )
    if roles.town_ids:
        scope |= Q(village__town_id__in=roles.town_ids)
    return (
        Rectification.objects.filter(scope)
        .select_related(
            "rating",
            "rating__case",
            "rating__case__matter",
            "rating__appeal",
            "rating__appeal__filed_by",
            "rating__appeal__decided_by",
            "department",
            "village",
            "done_by",
        )
        .order_by(F("done_at").desc(nulls_first=True), "due_at", "pk")
    )


def reassign_desks(*, town_ids) -> dict[int | None, list[Department]]:
    """The desks of each town a rectification may be handed to (改派): its town departments and utility desks."""
    desks: dict[int | None, list[Department]] = {}
    for department in Department.objects.filter(town_id__in=town_ids).order_by("level", "desk_order", "name"):
        desks.setdefault(department.town_id, []).append(department)
    return desks


def overdue_rectifications(*, town_ids, now: dt.datetime | None = None) -> QuerySet[Rectification]:
    """Rectifications still open past their due time (cases.workflow.late_q), oldest first; an upheld appeal
    excuses one (cases.models.feedback.counts_against_desk)."""
    now = now or timezone.now()
    return (
        Rectification.objects.filter(rating__town_id__in=town_ids, done_at__isnull=True)
        .filter(workflow.late_q(now, finished="done_at"), counts_against_desk("rating__"))
        .select_related("rating", "rating__case", "rating__case__matter", "department", "village")
        .order_by("due_at", "pk")
    )
