"""The queue's figures, each one a database aggregate over the day's or the period's rows: tickets per market day,
the 绿色通道 share, no-shows, and the waiting time (in line at a desk until first called) and the time from called
to served, per desk and per market day, as median and 90th percentile.

Percentiles: PostgreSQL's percentile_cont; SQLite has none, so there each row is ranked in the database
(row_number and count over the group) and only the one or two rows either side of the percentile's position come
back — the same linear interpolation percentile_cont uses, the same answer on both databases."""

import datetime as dt
import math

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from departments.models import Department
from villages.models import Village

from .desks import Desk
from .models import Ticket, TicketCall

FRACTIONS = (0.5, 0.9)


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=percentile, **extra)


def percentiles(queryset: QuerySet, field: str, *, by: tuple[str, ...] = ()) -> dict[tuple, tuple]:
    """{group values: (median, 90th percentile)} of `field` over `queryset`, grouped by the fields `by`."""
    queryset = queryset.filter(**{f"{field}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        names = {f"p{i}": PercentileCont(F(field), p) for i, p in enumerate(FRACTIONS)}
        if not by:
            row = queryset.aggregate(**names)
            return {(): tuple(row[f"p{i}"] for i in range(len(FRACTIONS)))} if row["p0"] is not None else {}
        rows = queryset.values(*by).annotate(**names)
        return {tuple(r[b] for b in by): tuple(r[f"p{i}"] for i in range(len(FRACTIONS))) for r in rows}
    partition = [F(b) for b in by] or None
    ranked = queryset.annotate(
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition),
    )
    result: dict[tuple, list] = {}
    for i, fraction in enumerate(FRACTIONS):
        position = (F("_n") - 1) * fraction  # 0-based; the rows at floor and ceil of it are 1-based rn in (pos, pos+2)
        rows = ranked.filter(_rn__gt=position, _rn__lt=position + 2).values_list(*by, "_rn", "_n", field)
        picked: dict[tuple, dict[int, float]] = {}
        sizes: dict[tuple, int] = {}
        for row in rows:
            key = tuple(row[: len(by)])
            rn, n, value = row[len(by) :]
            picked.setdefault(key, {})[rn - 1] = value
            sizes[key] = n
        for key, values in picked.items():
            pos = (sizes[key] - 1) * fraction
            lower = values.get(math.floor(pos), values.get(math.ceil(pos)))
            upper = values.get(math.ceil(pos), lower)
            result.setdefault(key, [None] * len(FRACTIONS))[i] = lower + (upper - lower) * (pos - math.floor(pos))
    return {key: tuple(values) for key, values in result.items()}


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _desks(keys) -> dict[tuple, Desk]:
    village_ids = {v for v, d in keys if v}
    department_ids = {d for v, d in keys if d}
    desks = {(v.pk, None): Desk.of_village(v) for v in Village.objects.filter(pk__in=village_ids)}
    desks.update({(None, d.pk): Desk.of_department(d) for d in Department.objects.filter(pk__in=department_ids)})
    return desks


def desk_rows(calls: QuerySet[TicketCall]) -> list[dict]:
    """Per desk: tickets called, waiting and called-to-served minutes (median, p90), no-shows."""
    by = ("village_id", "department_id")
    counts = {
        (r["village_id"], r["department_id"]): r
        for r in calls.order_by()
        .values(*by)
        .annotate(called=Count("pk"), no_shows=Count("pk", filter=Q(no_shows__gt=0)))
    }
    waits = percentiles(calls, "wait_seconds", by=by)
    serves = percentiles(calls, "serve_seconds", by=by)
    desks = _desks(counts)
    rows = []
    for key, count in counts.items():
        wait, serve = waits.get(key, (None, None)), serves.get(key, (None, None))
        rows.append(
            {
                "desk": desks[key],
                "called": count["called"],
                "no_shows": count["no_shows"],
                "wait_p50": _minutes(wait[0]),
                "wait_p90": _minutes(wait[1]),
                "serve_p50": _minutes(serve[0]),
                "serve_p90": _minutes(serve[1]),
            }
        )
    rows.sort(key=lambda r: (not r["desk"].is_village, r["desk"].number, r["desk"].name))
    return rows


def day_rows(*, town, start: dt.date, end: dt.date) -> list[dict]:
    """Per market day in [start, end]: tickets, 绿色通道 share, no-shows, waiting and called-to-served minutes."""
    tickets = {
        r["day"]: r
        for r in Ticket.objects.filter(town=town, day__range=(start, end))
        .order_by()
        .values("day")
        .annotate(tickets=Count("pk"), green=Count("pk", filter=Q(is_green=True)))
    }
    calls = TicketCall.objects.filter(town=town, day__range=(start, end))
    no_shows = dict(
        calls.filter(no_shows__gt=0).order_by().values("day").annotate(n=Count("pk")).values_list("day", "n")
    )
    waits = percentiles(calls, "wait_seconds", by=("day",))
    serves = percentiles(calls, "serve_seconds", by=("day",))
    rows = []
    for day in sorted(tickets):
        t = tickets[day]
        wait, serve = waits.get((day,), (None, None)), serves.get((day,), (None, None))
        rows.append(
            {
                "day": day,
                "tickets": t["tickets"],
                "green": t["green"],
                "green_share": _share(t["green"], t["tickets"]),
                "no_shows": no_shows.get(day, 0),
                "wait_p50": _minutes(wait[0]),
                "wait_p90": _minutes(wait[1]),
                "serve_p50": _minutes(serve[0]),
                "serve_p90": _minutes(serve[1]),
            }
        )
    return rows


def totals(*, town, start: dt.date, end: dt.date) -> dict:
    """The period as a whole: the same figures over all its market days."""
    tickets = Ticket.objects.filter(town=town, day__range=(start, end)).aggregate(
        tickets=Count("pk"), green=Count("pk", filter=Q(is_green=True)), days=Count("day", distinct=True)
    )
    calls = TicketCall.objects.filter(town=town, day__range=(start, end))
    wait = percentiles(calls, "wait_seconds").get((), (None, None))
    serve = percentiles(calls, "serve_seconds").get((), (None, None))
    return {
        **tickets,
        "green_share": _share(tickets["green"], tickets["tickets"]),
        "no_shows": calls.filter(no_shows__gt=0).count(),
        "wait_p50": _minutes(wait[0]),
        "wait_p90": _minutes(wait[1]),
        "serve_p50": _minutes(serve[0]),
        "serve_p90": _minutes(serve[1]),
        "per_day": round(tickets["tickets"] / tickets["days"], 1) if tickets["days"] else None,
    }


def period_figures(*, town, start: dt.date, end: dt.date) -> dict:
    """The statistics page's section: totals, per market day, per desk."""
    calls = TicketCall.objects.filter(town=town, day__range=(start, end))
    return {
        "totals": totals(town=town, start=start, end=end),
        "days": day_rows(town=town, start=start, end=end),
        "desks": desk_rows(calls),
        "start": start,
        "end": end,
    }


def for_period(*, town, period) -> dict:
    """The statistics page's period (stats.periods.Period: `end` is the day after its last day)."""
    return period_figures(town=town, start=period.start, end=period.end - dt.timedelta(days=1))


def day_figures(*, town, day: dt.date) -> dict:
    return period_figures(town=town, start=day, end=day)


def recent_days(*, town, limit: int = 12) -> list[dt.date]:
    return list(Ticket.objects.filter(town=town).order_by("-day").values_list("day", flat=True).distinct()[:limit])
