"""The town office's month: every figure is a database aggregate (no loops over cases in Python).

Definitions are kept next to the numbers (DEFINITIONS) and shown on the page, in the export and in the API.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.models import Case, CaseStep, Matter, MediationOutcome, Rating, Rectification
from cases.models.feedback import counts_against_desk
from departments.models import Department
from villages.models import Consultation, Village
from villages.selectors import attendance_by_village

SATISFIED_MIN = Rating.Level.BASICALLY_SATISFIED
BAD_MAX = Rating.Level.DISSATISFIED


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> "Month":
        try:
            parsed = dt.datetime.strptime(value, "%Y-%m")
        except (TypeError, ValueError):
            raise ValueError(value) from None
        return cls(parsed.year, parsed.month)

    @classmethod
    def current(cls) -> "Month":
        today = timezone.localdate()
        return cls(today.year, today.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def minus(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 - months
        return Month(index // 12, index % 12 + 1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = timezone.make_aware(dt.datetime.combine(self.first_day, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(self.next.first_day, dt.time.min))
        return start, end


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=percentile, **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _duration():
    return ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 1) if seconds is not None else None


def _percentiles(queryset) -> tuple[float | None, float | None]:
    """Median and 90th percentile of the time to complete, in hours."""
    if connection.vendor == "postgresql":
        result = queryset.aggregate(
            p50=PercentileCont(EpochSeconds(_duration()), 0.5), p90=PercentileCont(EpochSeconds(_duration()), 0.9)
        )
        return _hours(result["p50"]), _hours(result["p90"])
    # SQLite (trying the app out) has no percentile aggregate: order the durations in the database, pick in Python.
    durations = sorted(
        (closed - received).total_seconds() for received, closed in queryset.values_list("received_at", "closed_at")
    )
    return _hours(_pick(durations, 0.5)), _hours(_pick(durations, 0.9))


def _pick(values: list[float], fraction: float) -> float | None:
    """percentile_cont on a sorted list (linear interpolation), the same definition PostgreSQL uses."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


DEFINITIONS = {
    "visits": _("Visits and consultations (person-times): people recorded in consultations plus applications "
                "accepted, in the month."),
    "consultations": _("Consultations and visits that opened no case (person-times)."),
    "received": _("Applications accepted: cases received in the month, whatever happened to them later."),
    "completed": _("Cases completed in the month (the last step done)."),
    "same_day_rate": _("Same-day completion: share of the month's completed cases finished on the day they were "
                       "received."),
    "median_hours": _("Median time from reception to completion of the month's completed cases, in hours "
                      "(calendar time, including nights, weekends and time awaiting materials)."),
    "p90_hours": _("90th percentile of that time, in hours: nine in ten cases were completed faster."),
    "overdue_steps": _("Steps due in the month that were finished after their due time or are still open past it."),
    "joint": _("Village and town together: cases received in the month that have a village certificate step and "
               "a town desk step."),
    "disputes": _("Disputes mediated: dispute cases closed in the month with a mediation outcome."),
    "disputes_success": _("Of those, mediated successfully."),
    "ratings": _("Ratings given in the month."),
    "satisfaction_rate": _("Satisfaction: ratings of 'basically satisfied' or better over all ratings of the month."),
    "bad_ratings": _("Bad ratings (dissatisfied or very dissatisfied) given in the month."),
    "rectifications_done": _("Rectifications opened by the month's bad ratings that are done."),
    "rectifications_late": _("Rectifications opened by the month's bad ratings done late or still open past due "
                             "(15 working days)."),
    "rejected": _("Cases decided not to grant (不予办理, after acceptance) in the month."),
    "refused": _("Applications not accepted (不予受理, before acceptance) in the month."),
}  # fmt: skip

LABELS = {
    "visits": _("Visits and consultations"),
    "consultations": _("Consultations"),
    "received": _("Applications accepted"),
    "completed": _("Completed"),
    "same_day_rate": _("Same-day completion rate (%)"),
    "median_hours": _("Median time to complete (h)"),
    "p90_hours": _("90th percentile time to complete (h)"),
    "overdue_steps": _("Overdue steps"),
    "joint": _("Village and town together"),
    "disputes": _("Disputes mediated"),
    "disputes_success": _("Mediated successfully"),
    "ratings": _("Ratings"),
    "satisfaction_rate": _("Satisfaction rate (%)"),
    "bad_ratings": _("Bad ratings"),
    "rectifications_done": _("Rectifications done"),
    "rectifications_late": _("Rectifications late"),
    "rejected": _("Not granted"),
    "refused": _("Not accepted"),
}


def _case_figures(town, start, end) -> dict:
    tz = timezone.get_current_timezone()
    cases = Case.objects.filter(town=town)
    received = cases.filter(received_at__gte=start, received_at__lt=end).aggregate(
        received=Count("pk"), joint=Count("pk", filter=Q(is_joint=True))
    )
    closed = (
        cases.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(received_day=TruncDate("received_at", tzinfo=tz), closed_day=TruncDate("closed_at", tzinfo=tz))
        .aggregate(
            completed=Count("pk", filter=Q(state=Case.State.COMPLETED)),
            same_day=Count("pk", filter=Q(state=Case.State.COMPLETED, received_day=F("closed_day"))),
            rejected=Count("pk", filter=Q(state=Case.State.REJECTED)),
            refused=Count("pk", filter=Q(state=Case.State.REFUSED)),
            disputes=Count("pk", filter=Q(matter__category=Matter.Category.DISPUTE) & ~Q(mediation_outcome="")),
            disputes_success=Count(
                "pk", filter=Q(matter__category=Matter.Category.DISPUTE, mediation_outcome=MediationOutcome.SUCCESS)
            ),
        )
    )
    median, p90 = _percentiles(cases.filter(state=Case.State.COMPLETED, closed_at__gte=start, closed_at__lt=end))
    return {**received, **closed, "median_hours": median, "p90_hours": p90}


def _due_in(start, end) -> Q:
    """Steps whose due date (cases.workflow: the last working day of the limit) falls in [start, end)."""
    return Q(due_on__gte=timezone.localdate(start), due_on__lt=timezone.localdate(end))


def _overdue_steps(now) -> Q:
    """Finished after it became overdue, or red now (cases.workflow) — the clock is stopped while awaiting."""
    return Q(finished_at__gte=F("due_at")) | (Q(finished_at__isnull=True) & workflow.overdue_q(now))


def _rating_figures(ratings) -> dict:
    # Counting `level` (in the covering index) rather than ids keeps these index-only scans.
    result = ratings.aggregate(
        ratings=Count("level"),
        satisfied=Count("level", filter=Q(level__gte=SATISFIED_MIN)),
        bad_ratings=Count("level", filter=Q(level__lte=BAD_MAX)),
    )
    result["satisfaction_rate"] = _rate(result["satisfied"], result["ratings"])
    return result


def monthly_report(*, town, month: Month, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    start, end = month.bounds()
    cases = _case_figures(town, start, end)
    consultations = Consultation.objects.filter(town=town, recorded_at__gte=start, recorded_at__lt=end).aggregate(
        people=Coalesce(Sum("people"), 0), records=Count("pk")
    )
    steps = CaseStep.objects.filter(_due_in(start, end), case__town=town)
    overdue = steps.filter(_overdue_steps(now)).count()
    ratings = _rating_figures(Rating.objects.filter(town=town, rated_at__gte=start, rated_at__lt=end))
    rectifications = Rectification.objects.filter(
        counts_against_desk("rating__"), rating__town=town, opened_at__gte=start, opened_at__lt=end
    ).aggregate(
        opened=Count("pk"),
        done=Count("pk", filter=Q(done_at__isnull=False)),
        late=Count("pk", filter=workflow.late_q(now, finished="done_at")),
    )
    headline = {
        "visits": cases["received"] + consultations["people"],
        "consultations": consultations["people"],
        "received": cases["received"],
        "completed": cases["completed"],
        "same_day_rate": _rate(cases["same_day"], cases["completed"]),
        "median_hours": cases["median_hours"],
        "p90_hours": cases["p90_hours"],
        "overdue_steps": overdue,
        "joint": cases["joint"],
        "disputes": cases["disputes"],
        "disputes_success": cases["disputes_success"],
        "ratings": ratings["ratings"],
        "satisfaction_rate": ratings["satisfaction_rate"],
        "bad_ratings": ratings["bad_ratings"],
        "rectifications_done": rectifications["done"],
        "rectifications_late": rectifications["late"],
        "rejected": cases["rejected"],
        "refused": cases["refused"],
    }
    return {
        "town": {"code": town.code, "name": town.name},
        "month": str(month),
        "headline": [
            {"key": key, "label": str(LABELS[key]), "value": value, "definition": str(DEFINITIONS[key])}
            for key, value in headline.items()
        ],
        "figures": headline,
        "by_village": by_village(town=town, start=start, end=end),
        "by_department": by_department(town=town, start=start, end=end, now=now),
        "by_matter": by_matter(town=town, start=start, end=end),
        "by_village_desk": by_village_desk(town=town, start=start, end=end, now=now),
        "attendance": attendance(town=town, month=month, now=now),
        "series": series(town=town, month=month),
        "totals": totals(town=town),
    }


def _merge(base: list[dict], *parts: dict[int, dict]) -> list[dict]:
    """Lay grouped counts (keyed by id) over the full list of villages, departments or matters."""
    rows = []
    for row in base:
        merged = dict(row)
        for part in parts:
            merged.update(part.get(row["pk"], {}))
        rows.append(merged)
    return rows


def _grouped(queryset, key: str, **aggregates) -> dict[int, dict]:
    return {row.pop(key): row for row in queryset.values(key).annotate(**aggregates).order_by()}


TOTAL_LABEL = _("Total")


def _with_total(table: dict) -> dict:
    """Add the 合计 row: the sum of every numeric column over the rows and the extra rows (which together are
    complete for the town, so each sum is the month's headline figure)."""
    keys = [key for key, _label in table["columns"][1:]]
    every = [*table["rows"], *table.get("extra_rows", [])]
    table["total"] = {"name": str(TOTAL_LABEL), **{key: sum(row[key] or 0 for row in every) for key in keys}}
    table.setdefault("extra_rows", [])
    return table


def by_village(*, town, start, end) -> dict:
    # Each figure is grouped from its own fact table over the month's index range, then laid over the villages:
    # one join of villages to all cases would read every case the town ever had.
    zero = {"received": 0, "joint": 0, "completed": 0, "consultations": 0}
    received = _grouped(
        Case.objects.filter(town=town, received_at__gte=start, received_at__lt=end),
        "village_id",
        received=Count("pk"),
        joint=Count("pk", filter=Q(is_joint=True)),
    )
    completed = _grouped(
        Case.objects.filter(town=town, state=Case.State.COMPLETED, closed_at__gte=start, closed_at__lt=end),
        "village_id",
        completed=Count("pk"),
    )
    consultations = _grouped(
        Consultation.objects.filter(town=town, recorded_at__gte=start, recorded_at__lt=end, village__isnull=False),
        "village_id",
        consultations=Sum("people"),
    )
    no_village = Consultation.objects.filter(
        town=town, recorded_at__gte=start, recorded_at__lt=end, village__isnull=True
    ).aggregate(people=Coalesce(Sum("people"), 0))["people"]
    villages = [{**v, **zero} for v in Village.objects.filter(town=town).order_by("desk_order").values("pk", "name")]
    return _with_total(
        {
            "columns": [
                ("name", str(_("Village"))),
                ("received", str(_("Applications accepted"))),
                ("completed", str(_("Completed"))),
                ("joint", str(_("Village and town together"))),
                ("consultations", str(_("Consultations"))),
            ],
            "rows": _merge(villages, received, completed, consultations),
            # Consultations at the hall's front desk name no village: shown, not left out of the 合计.
            "extra_rows": [{"name": str(_("No village")), **zero, "consultations": no_village}],
        }
    )


def by_department(*, town, start, end, now) -> dict:
    zero = {"handled": 0, "overdue": 0, "bad_ratings": 0}
    steps = CaseStep.objects.filter(case__town=town, department__isnull=False)
    handled = _grouped(
        steps.filter(state=CaseStep.State.DONE, finished_at__gte=start, finished_at__lt=end),
        "department_id",
        handled=Count("pk"),
    )
    overdue = _grouped(
        steps.filter(_due_in(start, end)).filter(_overdue_steps(now)),
        "department_id",
        overdue=Count("pk"),
    )
    bad = _grouped(
        # A rating whose appeal the town office upheld is not counted against the desk.
        Rectification.objects.filter(
            counts_against_desk("rating__"), rating__town=town, opened_at__gte=start, opened_at__lt=end
        ),
        "department_id",
        bad_ratings=Count("pk"),
    )
    departments = [
        {**d, **zero}
        for d in Department.objects.filter(Q(town=town) | Q(pk__in=[*handled, *overdue, *bad]))
        .order_by("level", "desk_order", "name")
        .values("pk", "name")
    ]
    village = by_village_desk(town=town, start=start, end=end, now=now)["total"]
    upheld = Rectification.objects.filter(
        ~counts_against_desk("rating__"), rating__town=town, opened_at__gte=start, opened_at__lt=end
    ).count()
    return _with_total(
        {
            "columns": [
                ("name", str(_("Department"))),
                ("handled", str(_("Steps completed"))),
                ("overdue", str(_("Overdue steps"))),
                ("bad_ratings", str(_("Bad ratings"))),
            ],
            "rows": _merge(departments, handled, overdue, bad),
            # The village steps (certificates) and the village desks' 差评, split by village in by_village_desk;
            # and the 差评 whose appeal was upheld, which count against no desk but are in the month's figure.
            "extra_rows": [
                {"name": str(_("Villages (village committees)")), **{k: village[k] for k in zero}},
                {"name": str(_("Appeal upheld (not counted against a desk)")), **zero, "bad_ratings": upheld},
            ],
        }
    )


def by_village_desk(*, town, start, end, now) -> dict:
    """The village steps (村委证明 and other village work) and the 差评 answered by a village desk, per village."""
    zero = {"handled": 0, "overdue": 0, "bad_ratings": 0}
    steps = CaseStep.objects.filter(case__town=town, department__isnull=True)
    handled = _grouped(
        steps.filter(state=CaseStep.State.DONE, finished_at__gte=start, finished_at__lt=end),
        "case__village_id",
        handled=Count("pk"),
    )
    overdue = _grouped(
        steps.filter(_due_in(start, end)).filter(_overdue_steps(now)), "case__village_id", overdue=Count("pk")
    )
    bad = _grouped(
        Rectification.objects.filter(
            counts_against_desk("rating__"),
            rating__town=town,
            department__isnull=True,
            opened_at__gte=start,
            opened_at__lt=end,
        ),
        "village_id",
        bad_ratings=Count("pk"),
    )
    villages = [{**v, **zero} for v in Village.objects.filter(town=town).order_by("desk_order").values("pk", "name")]
    return _with_total(
        {
            "columns": [
                ("name", str(_("Village"))),
                ("handled", str(_("Village steps completed"))),
                ("overdue", str(_("Overdue village steps"))),
                ("bad_ratings", str(_("Bad ratings of the village desk"))),
            ],
            "rows": _merge(villages, handled, overdue, bad),
        }
    )


def by_matter(*, town, start, end) -> dict:
    received = _grouped(
        Case.objects.filter(town=town, received_at__gte=start, received_at__lt=end), "matter_id", received=Count("pk")
    )
    closed = _grouped(
        Case.objects.filter(town=town, closed_at__gte=start, closed_at__lt=end),
        "matter_id",
        completed=Count("pk", filter=Q(state=Case.State.COMPLETED)),
        rejected=Count("pk", filter=Q(state=Case.State.REJECTED)),
        refused=Count("pk", filter=Q(state=Case.State.REFUSED)),
    )
    active = set(received) | set(closed)
    matters = [
        {**m, "received": 0, "completed": 0, "rejected": 0, "refused": 0}
        for m in Matter.objects.filter(pk__in=active).order_by("category", "display_order", "code").values("pk", "name")
    ]
    return _with_total(
        {
            "columns": [
                ("name", str(_("Matter"))),
                ("received", str(_("Applications accepted"))),
                ("completed", str(_("Completed"))),
                ("rejected", str(_("Not granted"))),
                ("refused", str(_("Not accepted"))),
            ],
            "rows": _merge(matters, received, closed),
        }
    )


# Attendance (issue 11, point 5): every village is expected at its desk on every market day of the month that is not
# cancelled and is over, whether or not a shift was planned. Judged to the whole second, like DutyShift.attendance.
ATTENDANCE_DEFINITIONS = {
    "expected": _("Market days of the month that are over and not cancelled, times the villages of the town."),
    "shifts": _("Desks on the roster (a shift row, with or without a cadre planned)."),
    "on_time": _("Signed in by the sign-in time and signed out from the sign-out time."),
    "late": _("Signed in after the sign-in time."),
    "early": _("Signed out before the sign-out time. A desk never signed out is not counted here."),
    "not_signed_out": _("Signed in but never signed out (未签退): the hours on duty are not known."),
    "absent": _("No shift planned, or a shift nobody signed in to (缺岗): counted against the village."),
    "hours": _("Hours between sign-in and sign-out of the desks signed out, to 0.1 h; the 合计 adds the rows."),
    "short": _("Signed in and out less than 7 hours apart (the 7 of 947)."),
    "seal_unconfirmed": _("Signed in without the cadre confirming the village seal (a sign-in entered by correction)."),
}
ATTENDANCE_COUNTS = ("on_time", "late", "early", "not_signed_out", "short", "seal_unconfirmed")
SEVEN_HOURS = dt.timedelta(hours=7)


def attendance(*, town, month: Month, now) -> dict:
    start_day = month.first_day
    end_day = month.next.first_day - dt.timedelta(days=1)
    return {
        "columns": [
            ("name", str(_("Village"))),
            ("shifts", str(_("Shifts"))),
            ("on_time", str(_("On time"))),
            ("late", str(_("Late"))),
            ("early", str(_("Left early"))),
            ("absent", str(_("Absent"))),
            ("hours", str(_("Hours on duty"))),
        ],
        "rows": attendance_by_village(town=town, start=start_day, end=end_day, now=now),
    }


def series(*, town, month: Month, months: int = 13) -> list[dict]:
    """The chosen month and the twelve before it: accepted, completed and satisfaction per month.

    One pass per table with a filtered COUNT per month: plain range comparisons on the covering indexes, several
    times cheaper than grouping by a month computed in local time for every row.
    """
    keys = [month.minus(months - 1 - i) for i in range(months)]
    bounds = [m.bounds() for m in keys]
    start, end = bounds[0][0], bounds[-1][1]

    def per_month(field: str, counted: str, extra: Q | None = None) -> dict:
        return {
            f"m{i}": Count(counted, filter=Q(**{f"{field}__gte": lo, f"{field}__lt": hi}) & (extra or Q()))
            for i, (lo, hi) in enumerate(bounds)
        }

    received = Case.objects.filter(town=town, received_at__gte=start, received_at__lt=end).aggregate(
        **per_month("received_at", "received_at")
    )
    completed = Case.objects.filter(
        town=town, state=Case.State.COMPLETED, closed_at__gte=start, closed_at__lt=end
    ).aggregate(**per_month("closed_at", "closed_at"))
    satisfied_per_month = {
        f"ok{key[1:]}": value for key, value in per_month("rated_at", "level", Q(level__gte=SATISFIED_MIN)).items()
    }
    rated = Rating.objects.filter(town=town, rated_at__gte=start, rated_at__lt=end).aggregate(
        **per_month("rated_at", "level"), **satisfied_per_month
    )
    return [
        {
            "month": str(m),
            "received": received[f"m{i}"],
            "completed": completed[f"m{i}"],
            "satisfaction_rate": _rate(rated[f"ok{i}"], rated[f"m{i}"]),
        }
        for i, m in enumerate(keys)
    ]


def totals(*, town) -> list[dict]:
    """Since the start, like the article's figures."""
    # COUNT(*) rather than COUNT(id): the covering index (town, received_at) answers without reading the table.
    cases = Case.objects.filter(town=town).aggregate(
        received=Count("*"),
        joint=Count("received_at", filter=Q(is_joint=True)),
        # Only dispute cases get a mediation outcome (services.step_complete), so no join to the catalogue.
        disputes=Count("received_at", filter=~Q(mediation_outcome="")),
    )
    people = Consultation.objects.filter(town=town).aggregate(
        n=Coalesce(Sum("people"), Value(0), output_field=IntegerField())
    )
    ratings = _rating_figures(Rating.objects.filter(town=town))
    return [
        {"key": "visits", "label": str(LABELS["visits"]), "value": cases["received"] + people["n"]},
        {"key": "received", "label": str(LABELS["received"]), "value": cases["received"]},
        {"key": "joint", "label": str(LABELS["joint"]), "value": cases["joint"]},
        {"key": "disputes", "label": str(LABELS["disputes"]), "value": cases["disputes"]},
        {"key": "satisfaction_rate", "label": str(LABELS["satisfaction_rate"]), "value": ratings["satisfaction_rate"]},
    ]
