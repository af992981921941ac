"""The town office's report for a period: every figure is a database aggregate over the period's rows (no loops over
cases in Python), each one defined once in stats.figures, compared with the period before (环比) and the same period
a year before (同比), broken down in tables whose 合计 row is the headline figure.
"""

import datetime as dt

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Matter, Rating
from cases.templatetags.hall import cn_date
from departments.models import Department
from villages import attendance as village_attendance
from villages.models import Village

from . import figures as f
from . import tally
from .models import MonthFigure, OpeningBalance
from .periods import Period


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 1) if seconds is not None else None


def _percentiles(town, span: f.Span, ledger) -> tuple[float | None, float | None]:
    """Median and 90th percentile of the time to complete, in hours: percentile_cont's definition (linear
    interpolation) over the period's times, the stored months' read from the store (stats.tally.durations)."""
    durations = tally.durations(town, span, ledger=ledger)
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


# --- the headline -----------------------------------------------------------------------------------------------

COUNTED = (
    "applications", "consultations", "received", "pending_materials", "completed", "same_day", "one_visit",
    "overdue_steps", "joint", "disputes", "disputes_failed", "disputes_referred", "ratings", "satisfied",
    "bad_ratings", "rectifications_done", "rectifications_late", "rejected", "refused", "proxied",
)  # fmt: skip

# The figures made of others: (label, definition, parts it links to).
DERIVED = {
    "visits": (
        _("Visits and consultations"),
        _("Visits and consultations (person-times): applications handed in plus people recorded in consultations."),
        ("applications", "consultations"),
    ),
    "one_visit_rate": (
        _("Done-in-one-visit rate (%)"),
        _("一次办结率: cases done in one visit over all cases completed in the period (see 'Done in one visit')."),
        ("one_visit", "completed"),
    ),
    "same_day_rate": (
        _("Same-day completion rate (%)"),
        _("Same-day completion: share of the period's completed cases finished on the day they were received."),
        ("same_day", "completed"),
    ),
    "median_hours": (
        _("Median time to complete (h)"),
        _("Median time from reception to completion of the period's completed cases, in hours (calendar time, "
          "including nights, weekends and time awaiting materials)."),
        ("completed",),
    ),
    "p90_hours": (
        _("90th percentile time to complete (h)"),
        _("90th percentile of that time, in hours: nine in ten cases were completed faster."),
        ("completed",),
    ),
    "trips_saved": (
        _("Trips saved by 代办"),
        _("The applicant's trips to the hall that 代办 saved: one for each application handed in on the applicant's "
          "behalf, and one more for each such case completed in the period that needed a trip back (see 'Return "
          "trips made by the proxy')."),
        ("proxied", "proxied_returns"),
    ),
    "satisfaction_rate": (
        _("Satisfaction rate (%)"),
        _("Satisfaction: ratings of 'basically satisfied' or better over all ratings of the period."),
        ("satisfied", "ratings"),
    ),
}  # fmt: skip

# The order of the headline on the page, the paper and the workbook.
HEADLINE = (
    "visits", "consultations", "applications", "received", "pending_materials", "completed", "one_visit_rate",
    "same_day_rate", "median_hours", "p90_hours", "overdue_steps", "joint", "proxied", "trips_saved", "disputes",
    "disputes_failed",
    "disputes_referred", "ratings", "satisfaction_rate", "bad_ratings", "rectifications_done",
    "rectifications_late", "rejected", "refused",
)  # fmt: skip
RATES = frozenset({"one_visit_rate", "same_day_rate", "satisfaction_rate"})
HOURS = frozenset({"median_hours", "p90_hours"})

LABELS = {key: FIGURE.label for key, FIGURE in f.FIGURES.items()} | {k: v[0] for k, v in DERIVED.items()}
DEFINITIONS = {key: FIGURE.definition for key, FIGURE in f.FIGURES.items()} | {k: v[1] for k, v in DERIVED.items()}


def span_of(period: Period, now: dt.datetime, town=None) -> f.Span:
    start, end = period.bounds()
    return f.Span(start=start, end=end, now=now, town=town)


def count_all(*, town, span: f.Span, grouped: bool, ledger: tally.Ledger | None = None) -> dict[str, tally.Tally]:
    """The span's counts per table: stored months read, the rest counted from the rows (stats.tally)."""
    return tally.count(town, span, grouped=grouped, ledger=ledger)


def figures(*, town, period: Period, now: dt.datetime, counted: dict | None = None, ledger=None) -> dict:
    """Every headline figure of the period from its counts (count_all) and the percentiles."""
    span = span_of(period, now, town)
    counted = counted if counted is not None else count_all(town=town, span=span, grouped=False, ledger=ledger)
    values = {key: counted[table].total(key) for table, keys in tally.TABLES.items() for key in keys}
    median, p90 = _percentiles(town, span, ledger)
    return {
        **values,
        "visits": values["applications"] + values["consultations"],
        "one_visit_rate": _rate(values["one_visit"], values["completed"]),
        "trips_saved": values["proxied"] + values["proxied_returns"],
        "same_day_rate": _rate(values["same_day"], values["completed"]),
        "median_hours": median,
        "p90_hours": p90,
        "satisfaction_rate": _rate(values["satisfied"], values["ratings"]),
    }


def change(key: str, value, base) -> str | None:
    """How a figure moved against a comparison: a count in per cent of the base, a rate in percentage points, a
    time in hours. None when there is nothing to compare with."""
    if value is None or base is None:
        return None
    if key in RATES:
        return f"{value - base:+.1f}个百分点"
    if key in HOURS:
        return f"{value - base:+.1f}小时"
    if not base:
        return None
    return f"{100 * (value - base) / base:+.1f}%"


def _headline(current: dict, previous: dict | None, year_before: dict | None) -> list[dict]:
    rows = []
    for key in HEADLINE:
        parts = DERIVED[key][2] if key in DERIVED else (key,)
        row = {
            "key": key,
            "label": str(LABELS[key]),
            "value": current[key],
            "definition": str(DEFINITIONS[key]),
            "parts": [{"key": part, "label": str(LABELS[part]), "value": current[part]} for part in parts],
        }
        for name, other in (("previous", previous), ("year_before", year_before)):
            if other is not None:
                row[name] = other[key]
                row[f"{name}_change"] = change(key, current[key], other[key])
        rows.append(row)
    return rows


def report(*, town, period: Period, now: dt.datetime | None = None, compare: bool = True) -> dict:
    """The report the town office files for `period`: the headline with 环比 and 同比, the breakdowns with their 合计
    rows, attendance, the thirteen months up to the period's last month, and the since-start totals."""
    now = now or timezone.now()
    span = span_of(period, now, town)
    ledger = tally.Ledger.load(town)
    counted = count_all(town=town, span=span, grouped=True, ledger=ledger)
    current = figures(town=town, period=period, now=now, counted=counted, ledger=ledger)
    previous = figures(town=town, period=period.previous, now=now, ledger=ledger) if compare else None
    # A year's 环比 is the year before, which is also its 同比: counted once.
    same = compare and period.year_before.bounds() == period.previous.bounds()
    year_before = (
        (previous if same else figures(town=town, period=period.year_before, now=now, ledger=ledger))
        if compare
        else None
    )
    year, month = period.last_month
    return {
        "town": {"code": town.code, "name": town.name, "government": town.government},
        "title": report_title(town, period),
        "period": {"param": period.param, "kind": period.kind, "label": period.label,
                   "start": period.start.isoformat(), "end": period.last_day.isoformat(),
                   "previous": period.previous.label, "year_before": period.year_before.label},
        "month": period.param,
        "headline": _headline(current, previous, year_before),
        "figures": current,
        "previous": previous,
        "year_before": year_before,
        "by_village": by_village(town=town, counted=counted),
        "by_department": by_department(town=town, counted=counted),
        "by_village_desk": by_village_desk(town=town, counted=counted),
        "by_matter": by_matter(town=town, counted=counted),
        "attendance": attendance(town=town, period=period, now=now),
        "series": series(town=town, last=Period.month(year, month), ledger=ledger),
        "highlight": period.months,
        "totals": totals(town=town, now=now, ledger=ledger),
    }  # fmt: skip


def report_title(town, period: Period) -> str:
    """进结镇"村事镇办"便民服务站2026年11月工作情况统计表: the form's title as the town files it."""
    return f"{town.name}“村事镇办”便民服务站{period.label}工作情况统计表"


def monthly_report(*, town, month: Period, now: dt.datetime | None = None) -> dict:
    return report(town=town, period=month, now=now)


# --- the breakdowns ---------------------------------------------------------------------------------------------

TOTAL_LABEL = _("Total")


NAME_LABELS = {"village": _("Village"), "department": _("Department"), "matter": _("Matter")}


def _table(*, key, title, dimension, columns, base, values, extra_rows=(), total_figures=None) -> dict:
    """A breakdown: a row per village / department / matter (zeros included), extra rows for what belongs to none
    of them, and the 合计 row — the sum of every column over all rows, which is the headline figure.

    `columns` are (column key, label, figure key); a cell links to the rows of its figure in its row's dimension
    value. An extra row names its own figure per column and the dimension value it stands for ("all": no filter).
    """
    keys = [column for column, _label, _figure in columns]
    rows = []
    for item in base:
        counted = values.get(item["pk"], {})
        row = {"pk": item["pk"], "name": item["name"]}
        for column, _label, figure in columns:
            row[column] = counted.get(figure, 0) or 0
        row["links"] = {column: (figure, dimension, item["pk"]) for column, _label, figure in columns}
        rows.append(row)
    extras = [dict(row) for row in extra_rows]
    every = [*rows, *extras]
    total = {"name": str(TOTAL_LABEL), **{column: sum(row.get(column) or 0 for row in every) for column in keys}}
    total["links"] = {
        column: ((total_figures or {}).get(column, figure), None, None) for column, _label, figure in columns
    }
    return {
        "key": key,
        "title": str(title),
        "dimension": dimension,
        "columns": [
            ("name", str(NAME_LABELS[dimension])),
            *((column, str(label)) for column, label, _figure in columns),
        ],
        "rows": rows,
        "extra_rows": extras,
        "total": total,
    }


def _villages(town) -> list[dict]:
    return [dict(row) for row in Village.objects.filter(town=town).order_by("desk_order").values("pk", "name")]


def by_village(*, town, counted: dict) -> dict:
    columns = [
        ("received", _("Applications accepted"), "received"),
        ("completed", _("Completed"), "completed"),
        ("joint", _("Village and town together"), "joint"),
        ("proxied", _("Handled on behalf (代办)"), "proxied"),
        ("consultations", _("Consultations"), "consultations"),
    ]
    values = {
        **counted["cases"].by("village", ("received", "completed", "joint", "proxied")),
    }
    consultations = counted["consultations"].by("village", ("consultations",))
    for pk, row in consultations.items():
        values.setdefault(pk, {}).update(row)
    no_village = consultations.get(None, {}).get("consultations", 0)
    return _table(
        key="by_village",
        title=_("By village"),
        dimension="village",
        columns=columns,
        base=_villages(town),
        values=values,
        # Consultations at the hall's front desk name no village: shown, not left out of the 合计.
        extra_rows=[
            {
                "pk": None,
                "name": str(_("No village")),
                "received": 0,
                "completed": 0,
                "joint": 0,
                "proxied": 0,
                "consultations": no_village,
                "links": {"consultations": ("consultations", "village", None)},
            }
        ],
    )


def by_department(*, town, counted: dict) -> dict:
    columns = [
        ("handled", _("Steps completed"), "desk_steps_done"),
        ("overdue", _("Overdue steps"), "desk_overdue"),
        ("bad_ratings", _("Bad ratings"), "desk_bad_ratings"),
    ]
    values = counted["steps"].by("department", ("desk_steps_done", "desk_overdue"))
    for pk, row in counted["rectifications"].by("department", ("desk_bad_ratings",)).items():
        values.setdefault(pk, {}).update(row)
    worked = [pk for pk, row in values.items() if pk is not None and any(row.values())]
    departments = (
        Department.objects.filter(Q(town=town) | Q(pk__in=worked))
        .order_by("level", "desk_order", "name")
        .values("pk", "name")
    )
    village = {
        key: counted[table].total(key)
        for table, keys in (("steps", ("village_steps_done", "village_overdue")),
                            ("rectifications", ("village_bad_ratings", "appeal_upheld")))
        for key in keys
    }  # fmt: skip
    return _table(
        key="by_department",
        title=_("By department"),
        dimension="department",
        columns=columns,
        base=departments,
        values=values,
        # The village steps (certificates) and the village desks' 差评, split by village in by_village_desk; and the
        # 差评 whose appeal was upheld, which count against no desk but are in the period's figure.
        extra_rows=[
            {
                "pk": None,
                "name": str(_("Villages (village committees)")),
                "handled": village["village_steps_done"],
                "overdue": village["village_overdue"],
                "bad_ratings": village["village_bad_ratings"],
                "links": {
                    "handled": ("village_steps_done", None, None),
                    "overdue": ("village_overdue", None, None),
                    "bad_ratings": ("village_bad_ratings", None, None),
                },
            },
            {
                "pk": None,
                "name": str(_("Appeal upheld (not counted against a desk)")),
                "handled": 0,
                "overdue": 0,
                "bad_ratings": village["appeal_upheld"],
                "links": {"bad_ratings": ("appeal_upheld", None, None)},
            },
        ],
        total_figures={"handled": "steps_done", "overdue": "overdue_steps", "bad_ratings": "rectifications"},
    )


def by_village_desk(*, town, counted: dict) -> dict:
    """The village steps (村委证明 and other village work) and the 差评 answered by a village desk, per village."""
    columns = [
        ("handled", _("Village steps completed"), "village_steps_done"),
        ("overdue", _("Overdue village steps"), "village_overdue"),
        ("bad_ratings", _("Bad ratings of the village desk"), "village_bad_ratings"),
    ]
    values = counted["steps"].by("village", ("village_steps_done", "village_overdue"))
    for pk, row in counted["rectifications"].by("village", ("village_bad_ratings",)).items():
        values.setdefault(pk, {}).update(row)
    return _table(
        key="by_village_desk",
        title=_("Village desks"),
        dimension="village",
        columns=columns,
        base=_villages(town),
        values=values,
    )


def by_matter(*, town, counted: dict) -> dict:
    columns = [
        ("received", _("Applications accepted"), "received"),
        ("completed", _("Completed"), "completed"),
        ("rejected", _("Not granted"), "rejected"),
        ("refused", _("Not accepted"), "refused"),
    ]
    values = counted["cases"].by("matter", ("received", "completed", "rejected", "refused"))
    matters = (
        Matter.objects.filter(pk__in=[pk for pk, row in values.items() if any(row.values())])
        .order_by("category", "display_order", "code")
        .values("pk", "name")
    )
    return _table(key="by_matter", title=_("By matter"), dimension="matter", columns=columns, base=matters,
                  values=values)  # fmt: skip


def attendance(*, town, period: Period, now: dt.datetime) -> dict:
    """The village desks on the period's market days (villages.attendance: every village expected every market day)."""
    first, last = period.start, period.last_day
    return {
        "by_village": {
            "key": "attendance_village",
            "title": str(_("Cadre attendance (947) by village")),
            "dimension": "village",
            **village_attendance.attendance_by_village(town=town, start=first, end=last, now=now),
        },
        "by_cadre": {
            "key": "attendance_cadre",
            "title": str(_("Cadre attendance (947) by cadre")),
            "dimension": "cadre",
            **village_attendance.attendance_by_cadre(town=town, start=first, end=last, now=now),
        },
        "definitions": [
            (label, str(village_attendance.ATTENDANCE_DEFINITIONS[key]))
            for key, label in village_attendance.labels(town).items()
            if key in village_attendance.ATTENDANCE_DEFINITIONS
        ],
    }


# --- the thirteen months and the since-start totals ---------------------------------------------------------------


def series(*, town, last: Period, months: int = 13, ledger: tally.Ledger | None = None) -> list[dict]:
    """The month `last` and the twelve before it: accepted, completed and satisfaction per month.

    Stored months are read (stats.tally); the others counted from the rows in one pass per table, with a filtered
    COUNT per month: plain range comparisons on the covering indexes."""
    ledger = ledger if ledger is not None else tally.Ledger.load(town)
    keys = [last]
    for _i in range(months - 1):
        keys.insert(0, keys[0].previous)
    counted: dict[str, dict[str, int]] = {k.param: {} for k in keys}
    stored = {k.start: k.param for k in keys if k.start in ledger.months}
    figures_read = ("received", "completed", "ratings", "satisfied")
    for row in (
        MonthFigure.objects.filter(town=town, month__in=list(stored), figure__in=figures_read, dimension="")
        .values_list("month", "figure", "value")
        .order_by()
    ):
        counted[stored[row[0]]][row[1]] = row[2]
    live = [k for k in keys if k.start not in stored]
    if live:
        first, end = live[0].bounds()[0], live[-1].bounds()[1]
        spans = {k.param: k.bounds() for k in live}

        def per_month(field: str, counted_field: str, extra: Q | None = None) -> dict:
            return {
                param: Count(counted_field, filter=Q(**{f"{field}__gte": lo, f"{field}__lt": hi}) & (extra or Q()))
                for param, (lo, hi) in spans.items()
            }

        accepted = Case.objects.filter(town=town, accepted_at__gte=first, accepted_at__lt=end).aggregate(
            **per_month("accepted_at", "accepted_at")
        )
        completed = Case.objects.filter(
            town=town, state=Case.State.COMPLETED, closed_at__gte=first, closed_at__lt=end
        ).aggregate(**per_month("closed_at", "closed_at"))
        satisfied = {
            f"ok{key}": value for key, value in per_month("rated_at", "level", Q(level__gte=f.SATISFIED_MIN)).items()
        }
        rated = Rating.objects.filter(town=town, rated_at__gte=first, rated_at__lt=end).aggregate(
            **per_month("rated_at", "level"), **satisfied
        )
        for k in live:
            counted[k.param] = {"received": accepted[k.param], "completed": completed[k.param],
                                "ratings": rated[k.param], "satisfied": rated[f"ok{k.param}"]}  # fmt: skip
    return [
        {
            "month": k.param,
            "received": counted[k.param].get("received", 0),
            "completed": counted[k.param].get("completed", 0),
            "satisfaction_rate": _rate(counted[k.param].get("satisfied", 0), counted[k.param].get("ratings", 0)),
        }
        for k in keys
    ]


TOTALS = ("visits", "received", "joint", "disputes", "satisfaction_rate")
# Before any opening balance: the system's figures start with its first case (or consultation).
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def totals(*, town, now: dt.datetime, ledger: tally.Ledger | None = None) -> dict:
    """Since the start, like the article's figures: the opening balance from the paper ledgers (stats.OpeningBalance)
    plus the system's own counts from the day it took over, by the same definitions as the period's figures."""
    balance = OpeningBalance.objects.filter(town=town).first()
    start = EPOCH if balance is None else timezone.make_aware(dt.datetime.combine(balance.system_from, dt.time.min))
    # Nothing is counted before the town's first case or consultation (every step, rating and rectification is of a
    # case): the years before it need no counting.
    first = tally.first_month(town)
    if first is not None:
        start = max(start, timezone.make_aware(dt.datetime.combine(first, dt.time.min)))
    span = f.Span(start=start, end=now, now=now, town=town)
    keys = ("applications", "consultations", "received", "joint", "disputes", "ratings", "satisfied")
    tallies = tally.count(town, span, grouped=False, ledger=ledger, keys=keys)
    counted = {key: t.total(key) for t in tallies.values() for key in t.totals}
    counted = {key: counted.get(key, 0) for key in keys}
    system = {
        "visits": counted["applications"] + counted["consultations"],
        "received": counted["received"],
        "joint": counted["joint"],
        "disputes": counted["disputes"],
        "ratings": counted["ratings"],
        "satisfied": counted["satisfied"],
    }
    paper = {key: getattr(balance, key) if balance else 0 for key in system}
    combined: dict[str, float | None] = {key: system[key] + paper[key] for key in system}
    combined["satisfaction_rate"] = _rate(
        system["satisfied"] + paper["satisfied"], system["ratings"] + paper["ratings"]
    )
    since: dt.date | None
    if balance is not None:
        since = balance.counted_from
    else:
        first = Case.objects.filter(town=town).aggregate(first=Min("received_at"))["first"]
        since = timezone.localdate(first) if first else None
    return {
        "since": since.isoformat() if since else None,
        "since_label": cn_date(since),
        "balance": (
            {"counted_from": cn_date(balance.counted_from), "system_from": cn_date(balance.system_from),
             "source": balance.source,
             **{key: paper[key] for key in paper}}
            if balance else None
        ),
        "rows": [
            {"key": key, "label": str(LABELS[key]), "value": combined[key],
             "system": system.get(key) if key != "satisfaction_rate" else _rate(system["satisfied"], system["ratings"])}
            for key in TOTALS
        ],
    }  # fmt: skip
