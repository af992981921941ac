"""The county's dashboard: the towns of a county side by side for a period, each figure counted by the town report's
own definitions (stats.figures, read through the stored months of stats.tally), each cell linking to the town's
drill-down list, and a 合计 row whose rates are recomputed from the summed counts — never an average of rates."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from villages import attendance as village_attendance

from . import tally
from .periods import Period
from .queries import DEFINITIONS, LABELS, TOTAL_LABEL, _rate, span_of

# (column, the figure it shows or the rate's parts). A rate links to its numerator's list.
COUNTS = ("applications", "received", "completed", "one_visit", "overdue_steps", "ratings", "satisfied", "proxied")
RATES = {"one_visit_rate": ("one_visit", "completed"), "satisfaction_rate": ("satisfied", "ratings")}
ATTENDANCE = ("expected", "attended", "absent")
COLUMNS = (
    "applications", "received", "completed", "one_visit_rate", "overdue_steps", "satisfaction_rate", "proxied",
    "attendance_rate", "absent",
)  # fmt: skip
ATTENDANCE_LABELS = {
    "attendance_rate": _("Desk attendance (%)"),
    "absent": _("Desks absent"),
}
ATTENDANCE_DEFINITIONS = {
    "attendance_rate": _(
        "Village desks attended over the desks expected (every village on every market day of "
        "the period), as in each town's attendance table."
    ),  # fmt: skip
    "absent": _("Village desks expected on a market day of the period with no shift or no one signed in (缺岗)."),
}


def _town_row(town, period: Period, now: dt.datetime) -> dict:
    span = span_of(period, now, town)
    counted = tally.count(town, span, grouped=False, tables=("cases", "steps", "ratings"))
    values = {key: counted[tally.TABLE_OF[key]].total(key) for key in COUNTS}
    attendance = village_attendance.attendance_by_village(town=town, start=period.start, end=period.last_day, now=now)[
        "total"
    ]
    values.update({key: attendance[key] for key in ATTENDANCE})
    return values


def _with_rates(values: dict) -> dict:
    row = dict(values)
    for key, (part, whole) in RATES.items():
        row[key] = _rate(values[part], values[whole])
    row["attendance_rate"] = _rate(values["attended"], values["expected"])
    return row


def dashboard(*, towns, period: Period, now: dt.datetime) -> dict:
    """One row per town (in code order) and the 合计 row."""
    rows = []
    for town in towns:
        rows.append({"town": town, **_with_rates(_town_row(town, period, now))})
    summed = {key: sum(row[key] for row in rows) for key in (*COUNTS, *ATTENDANCE)}
    total = {"town": None, "name": str(TOTAL_LABEL), **_with_rates(summed)}
    return {
        "period": period,
        "columns": [(key, str(label_of(key)), str(definition_of(key))) for key in COLUMNS],
        "rows": rows,
        "total": total,
    }


def label_of(key: str):
    return ATTENDANCE_LABELS.get(key) or LABELS[key]


def definition_of(key: str):
    return ATTENDANCE_DEFINITIONS.get(key) or DEFINITIONS[key]


def link_figure(key: str) -> str:
    """The town report's drill-down list a cell opens: a figure's own, a rate's numerator, attendance's absences."""
    if key in RATES:
        return RATES[key][0]
    if key in ("attendance_rate", "absent"):
        return "attendance.absent"
    return key


def title(county: str, period: Period) -> str:
    """天等县各乡镇“村事镇办”便民服务站2026年11月工作情况对比表"""
    return f"{county}各乡镇“村事镇办”便民服务站{period.label}工作情况对比表"
