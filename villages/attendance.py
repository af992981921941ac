"""Attendance at the village desks (issue 11 point 5): which desks a town expects, how each one is judged against the
town's 947 times, and the figures per village and per cadre. One definition serves the statistics tables, the lists
behind their figures and the printed 值班表, so a figure and its list cannot disagree.

Every market day of the period that is over and not cancelled expects one desk of every village of the town. An
expected desk is attended (its cadre signed in) or absent (缺岗: no duty record, or a record nobody signed in to):
expected = attended + absent. An attended desk may carry any of the flags late, early, not signed out, short and seal
unconfirmed; on time is an attended desk signed in by the town's sign-in time and out from its sign-out time. A desk
nobody signed out of is 未签退, never 早退. Times are judged to the whole second, as DutyShift.attendance does:
09:00:00.4 reads 09:00:00 and is on time.

All figures are aggregates in the database over the span's shifts: their cost follows the span, not the history.
"""

import datetime as dt

from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncSecond, TruncTime
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DutyShift, MarketDay, Town, Village

COUNTS = ("expected", "attended", "absent", "on_time", "late", "early", "not_signed_out", "short", "seal_unconfirmed")
FLAGS = ("late", "early", "not_signed_out", "short", "seal_unconfirmed")
FIGURES = (*COUNTS, "hours")

# The two rows of the per-cadre table that are no cadre: desks whose record names nobody, and desks with no record.
UNASSIGNED = "unassigned"
NO_RECORD = "no_record"

ATTENDANCE_DEFINITIONS = {
    "expected": gettext_lazy(
        "One desk for every village of the town on every market day of the period that was not cancelled and is over "
        "(before today)."
    ),
    "attended": gettext_lazy("Expected desks whose duty cadre signed in."),
    "absent": gettext_lazy(
        "Expected desks with no duty record, or with a record nobody signed in to. Expected = attended + absent."
    ),
    "on_time": gettext_lazy(
        "Attended desks signed in by the town's sign-in time and signed out at or after its sign-out time (947)."
    ),
    "late": gettext_lazy("Attended desks signed in after the town's sign-in time, judged to the whole second."),
    "early": gettext_lazy(
        "Attended desks signed out before the town's sign-out time. A desk nobody signed out of is not counted here "
        "but as not signed out."
    ),
    "not_signed_out": gettext_lazy("Attended desks with no sign-out."),
    "short": gettext_lazy(
        "Signed-out desks whose sign-in and sign-out are less apart than the town's hours on duty (from its sign-in "
        "to its sign-out time: 7 hours under 947), judged to the whole second."
    ),
    "seal_unconfirmed": gettext_lazy(
        "Attended desks whose cadre did not confirm carrying the village committee seal at sign-in."
    ),
    "hours": gettext_lazy(
        "Time between sign-in and sign-out of the signed-out desks, added up, in hours to 0.1; the rows are rounded "
        "so that they add up to the total."
    ),
}


def required_duty(town: Town) -> dt.timedelta:
    """The hours on duty the town's times ask for: from sign_in_by to sign_out_from (7 hours under 947)."""
    return dt.datetime.combine(dt.date.min, town.sign_out_from) - dt.datetime.combine(dt.date.min, town.sign_in_by)


def _hours_text(town: Town) -> str:
    hours = required_duty(town).total_seconds() / 3600
    return f"{hours:g}"


def labels(town: Town) -> dict[str, str]:
    return {
        "expected": _("Desks expected"),
        "attended": _("Desks attended"),
        "absent": _("Absent from the desk"),
        "on_time": _("On time"),
        "late": _("Late"),
        "early": _("Left early"),
        "not_signed_out": _("Not signed out"),
        "short": _("Under %(hours)s hours") % {"hours": _hours_text(town)},
        "seal_unconfirmed": _("Seal not confirmed"),
        "hours": _("Hours on duty"),
    }


def conditions(town: Town) -> dict[str, Q]:
    """Each count as a condition on a shift annotated by _judged(): the database twin of the flags on a desk."""
    signed_in = Q(signed_in_at__isnull=False)
    signed_out = Q(signed_out_at__isnull=False)
    # Whole seconds: 09:00:00.999999 still reads 09:00:00; 15:59:59.9 reads 15:59:59 and is early.
    last_on_time = town.sign_in_by.replace(microsecond=999999)
    return {
        "attended": signed_in,
        "unsigned": Q(signed_in_at__isnull=True),
        "on_time": signed_in & signed_out & Q(in_time__lte=last_on_time, out_time__gte=town.sign_out_from),
        "late": signed_in & Q(in_time__gt=last_on_time),
        "early": signed_in & signed_out & Q(out_time__lt=town.sign_out_from),
        "not_signed_out": signed_in & Q(signed_out_at__isnull=True),
        "short": signed_in & signed_out & Q(worked__lt=required_duty(town)),
        "seal_unconfirmed": signed_in & Q(seal_carried=False),
        "signed_out": signed_out,
    }


def _days(*, town: Town, start: dt.date, end: dt.date, now: dt.datetime) -> QuerySet[MarketDay]:
    """The span's market days that expect desks: not cancelled, and over (before today's date)."""
    last = min(end, timezone.localdate(now) - dt.timedelta(days=1))
    return MarketDay.objects.filter(town=town, date__gte=start, date__lte=last, is_cancelled=False)


def _judged(queryset: QuerySet[DutyShift]) -> QuerySet[DutyShift]:
    tz = timezone.get_current_timezone()
    return queryset.annotate(
        in_time=TruncTime("signed_in_at", tzinfo=tz),
        out_time=TruncTime("signed_out_at", tzinfo=tz),
        worked=ExpressionWrapper(
            TruncSecond("signed_out_at", tzinfo=tz) - TruncSecond("signed_in_at", tzinfo=tz),
            output_field=DurationField(),
        ),
        duty=ExpressionWrapper(F("signed_out_at") - F("signed_in_at"), output_field=DurationField()),
        on_duty_id=Coalesce("substitute_id", "cadre_id"),
    )


def _shifts(*, town: Town, start: dt.date, end: dt.date, now: dt.datetime) -> QuerySet[DutyShift]:
    last = min(end, timezone.localdate(now) - dt.timedelta(days=1))
    return _judged(
        DutyShift.objects.filter(
            market_day__town=town,
            market_day__date__gte=start,
            market_day__date__lte=last,
            market_day__is_cancelled=False,
            village__town=town,
        )
    )


def _aggregates(town: Town) -> dict:
    cond = conditions(town)
    return {
        "records": Count("pk"),
        "duty_total": Sum("duty", filter=cond["signed_out"]),
        **{key: Count("pk", filter=cond[key]) for key in ("attended", *("on_time", *FLAGS))},
    }


def _row(*, pk, name: str, expected: int, counts: dict) -> dict:
    """A table row from one group's aggregates; `_duty` keeps the unrounded time on duty (µs) for _hours()."""
    attended = counts.get("attended", 0)
    duty = counts.get("duty_total")
    row = {"pk": pk, "name": name, "expected": expected, "attended": attended, "absent": expected - attended}
    row.update({key: counts.get(key, 0) for key in ("on_time", *FLAGS)})
    row["_duty"] = duty // dt.timedelta(microseconds=1) if duty else 0
    return row


TENTH_HOUR = 360_000_000  # µs


def _hours(rows: list[dict]) -> float:
    """Each row's hours to 0.1 such that the rows add up to the 合计, itself the whole time rounded to 0.1: the tenths
    the rounding down of the rows leaves go to the rows with the largest remainders. So the per-village and the
    per-cadre tables show the same 合计, and each row is within 0.1 of its exact hours."""
    duties = [row.pop("_duty") for row in rows]
    tenths = [duty // TENTH_HOUR for duty in duties]
    total = (sum(duties) + TENTH_HOUR // 2) // TENTH_HOUR
    by_remainder = sorted(range(len(rows)), key=lambda n: duties[n] % TENTH_HOUR, reverse=True)
    for n in by_remainder[: total - sum(tenths)]:
        tenths[n] += 1
    for row, row_tenths in zip(rows, tenths, strict=True):
        row["hours"] = row_tenths / 10
    return total / 10


def _table(*, town: Town, first_label: str, rows: list[dict]) -> dict:
    total = {"pk": None, "name": _("Total")}
    for key in COUNTS:
        total[key] = sum(row[key] for row in rows)
    total["hours"] = _hours(rows)
    names = labels(town)
    return {
        "columns": [("name", first_label), *((key, names[key]) for key in FIGURES)],
        "rows": rows,
        "total": total,
    }


def attendance_by_village(*, town: Town, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> dict:
    """Per village of the town (every one, zeros included), the desks expected in [start, end] and how they went."""
    now = now or timezone.now()
    expected = _days(town=town, start=start, end=end, now=now).count()
    counts = {
        row.pop("village_id"): row
        for row in _shifts(town=town, start=start, end=end, now=now)
        .values("village_id")
        .annotate(**_aggregates(town))
        .order_by()
    }
    rows = [
        _row(pk=village["pk"], name=village["name"], expected=expected, counts=counts.get(village["pk"], {}))
        for village in Village.objects.filter(town=town).order_by("desk_order", "name").values("pk", "name")
    ]
    return _table(town=town, first_label=_("Village"), rows=rows)


def attendance_by_cadre(*, town: Town, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> dict:
    """Per cadre on duty (the stand-in if one signed in, else the assigned cadre), with a row 未排班 for records that
    name nobody and a row 无值班记录 for expected desks with no record, so the 合计 is the per-village table's."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    desks = _days(town=town, start=start, end=end, now=now).count() * Village.objects.filter(town=town).count()
    counts = {
        row.pop("on_duty_id"): row
        for row in _shifts(town=town, start=start, end=end, now=now)
        .values("on_duty_id")
        .annotate(**_aggregates(town))
        .order_by()
    }
    users = get_user_model().objects.filter(pk__in=[pk for pk in counts if pk is not None]).order_by("name", "pk")
    rows = [
        _row(pk=user.pk, name=user.get_full_name(), expected=counts[user.pk]["records"], counts=counts[user.pk])
        for user in users
    ]
    if None in counts:
        rows.append(_row(pk=UNASSIGNED, name=_("Not assigned"), expected=counts[None]["records"], counts=counts[None]))
    missing = desks - sum(row["records"] for row in counts.values())
    if missing:
        rows.append(_row(pk=NO_RECORD, name=_("No duty record"), expected=missing, counts={}))
    return _table(town=town, first_label=_("Cadre on duty"), rows=rows)


def _flag_annotations(town: Town) -> dict:
    cond = conditions(town)
    return {f"is_{key}": ExpressionWrapper(cond[key], output_field=BooleanField()) for key in ("on_time", *FLAGS)}


def _marks(town: Town, keys: list[str]) -> list[tuple[str, str]]:
    names = labels(town)
    return [(key, names[key]) for key in keys]


def _shift_item(town: Town, shift: DutyShift) -> dict:
    attended = shift.signed_in_at is not None
    flags = [key for key in FLAGS if attended and getattr(shift, f"is_{key}")]
    status = ("on_time" if shift.is_on_time else "attended") if attended else "absent"
    person = shift.substitute or shift.cadre
    return {
        "date": shift.market_day.date,
        "market_day_id": shift.market_day_id,
        "village_id": shift.village_id,
        "village": shift.village.name,
        "desk_order": shift.village.desk_order,
        "shift_id": shift.pk,
        "cadre_id": person.pk if person else None,
        "cadre": person.get_full_name() if person else "",
        "assigned": shift.cadre.get_full_name() if shift.cadre else "",
        "is_stand_in": shift.substitute_id is not None,
        "signed_in_at": shift.signed_in_at,
        "signed_out_at": shift.signed_out_at,
        "hours": round(shift.duty.total_seconds() / 3600, 1) if shift.signed_out_at else None,
        "seal_carried": shift.seal_carried,
        "is_corrected": shift.is_corrected,
        "status": status,
        "flags": flags,
        "marks": _marks(town, ([status] if status in ("absent", "on_time") else []) + flags),
    }


def _missing_item(town: Town, day: MarketDay, village: Village) -> dict:
    return {
        "date": day.date,
        "market_day_id": day.pk,
        "village_id": village.pk,
        "village": village.name,
        "desk_order": village.desk_order,
        "shift_id": None,
        "cadre_id": None,
        "cadre": "",
        "assigned": "",
        "is_stand_in": False,
        "signed_in_at": None,
        "signed_out_at": None,
        "hours": None,
        "seal_carried": False,
        "is_corrected": False,
        "status": "absent",
        "flags": [],
        "marks": _marks(town, ["absent"]),
    }


def attendance_items(
    *,
    town: Town,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    figure: str,
    village_id: int | None = None,
    cadre_id: int | str | None = None,
) -> list[dict]:
    """The desks behind one figure of the tables: len(items) is the figure of the village (village_id), of the cadre
    (cadre_id: a user's pk, UNASSIGNED or NO_RECORD) or of the 合计 (neither). For "hours" the signed-out desks whose
    hours add up to the figure. Ordered by date and desk."""
    if figure not in FIGURES:
        raise ValueError(f"unknown attendance figure {figure!r}")
    now = now or timezone.now()
    if isinstance(cadre_id, str) and cadre_id not in (UNASSIGNED, NO_RECORD):
        cadre_id = int(cadre_id)
    cond = conditions(town)
    shifts = _shifts(town=town, start=start, end=end, now=now)
    if village_id is not None:
        shifts = shifts.filter(village_id=village_id)
    chosen = shifts
    if cadre_id == UNASSIGNED:
        chosen = chosen.filter(on_duty_id__isnull=True)
    elif cadre_id == NO_RECORD:
        chosen = chosen.none()
    elif cadre_id is not None:
        chosen = chosen.filter(on_duty_id=cadre_id)
    if figure == "absent":
        chosen = chosen.filter(cond["unsigned"])
    elif figure == "hours":
        chosen = chosen.filter(cond["signed_out"])
    elif figure != "expected":
        chosen = chosen.filter(cond[figure])
    items = [
        _shift_item(town, shift)
        for shift in chosen.annotate(**_flag_annotations(town)).select_related(
            "market_day", "village", "cadre", "substitute"
        )
    ]
    if figure in ("expected", "absent") and cadre_id in (None, NO_RECORD):
        recorded = set(shifts.values_list("market_day_id", "village_id"))
        villages = Village.objects.filter(town=town).order_by("desk_order", "name")
        if village_id is not None:
            villages = villages.filter(pk=village_id)
        villages = list(villages)
        for day in _days(town=town, start=start, end=end, now=now).order_by("date"):
            items.extend(
                _missing_item(town, day, village) for village in villages if (day.pk, village.pk) not in recorded
            )
    items.sort(key=lambda item: (item["date"], item["desk_order"], item["village"]))
    return items


def duty_roster(
    *,
    town: Town,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    village_ids: frozenset[int] | None = None,
) -> dict:
    """The 值班表 of [start, end]: market days × villages (only `village_ids` when given), each cell the cadre on duty,
    the sign-in and sign-out and the marks of its status; cancelled days and days not yet over carry no marks.
    Three queries whatever the number of days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    villages = Village.objects.filter(town=town).order_by("desk_order", "name")
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    villages = list(villages)
    days = list(MarketDay.objects.filter(town=town, date__gte=start, date__lte=end).order_by("date"))
    shifts = {
        (shift.market_day_id, shift.village_id): shift
        for shift in _judged(DutyShift.objects.filter(market_day__in=[day.pk for day in days], village__in=villages))
        .annotate(**_flag_annotations(town))
        .select_related("market_day", "village", "cadre", "substitute")
    }
    rows = []
    for day in days:
        expected = not day.is_cancelled and day.date < today
        cells = []
        for village in villages:
            shift = shifts.get((day.pk, village.pk))
            cell = _shift_item(town, shift) if shift is not None else _missing_item(town, day, village)
            cell["expected"] = expected
            if not expected:
                cell.update(status="", flags=[], marks=[])
            cells.append(cell)
        rows.append({"day": day, "expected": expected, "cells": cells})
    return {"villages": villages, "rows": rows, "labels": labels(town)}
