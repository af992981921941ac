"""The report's counts for any span, from stored month figures where a month is finished and from the rows elsewhere.

A report reads each finished month's figures once stored (`store`) instead of scanning every case, step and rating of
history, so its cost is what the period's own days cost, not what ten years cost. The stored figures are exact by
construction and checked by a full recount (`verify`, `manage.py stats_store --verify`):

- Every figure is counted by the one definition in stats.figures, whether from the rows or into the store.
- Only rows that are final are stored. A case, a finished step, a consultation and a rating are stamped when they
  happen, so once a month is over (and SETTLE_MARGIN has passed, for transactions still committing) its rows never
  change. A step due in the month is final only once finished (Source.settled): the store keeps the finished ones and
  the report counts the ones that were still open when the month was stored from the rows, each time. Rectifications
  follow callbacks and appeals that come later and are always counted from the rows (Source.stored is False).
- The one change that reaches back, a step sent back to a desk that had finished it, marks the months it leaves
  stale in the same transaction (cases.models.recount); a stale month is counted from the rows until stored again.

A month not stored (the running one, one just finished, a stale one) is counted from the rows: storing only makes the
report faster, never different.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from cases.models import Case, StaleMonth
from villages.models import Consultation, Town

from . import figures as f
from .models import MonthDurations, MonthFigure, StoredMonth, pack_seconds, unpack_seconds

# Every figure the report counts, by the table it is counted from: one query per table and span.
TABLES = {
    "cases": ("applications", "received", "pending_materials", "joint", "completed", "same_day", "one_visit",
              "rejected", "refused", "disputes", "disputes_failed", "disputes_referred", "proxied",
              "proxied_returns"),
    "steps": ("overdue_steps", "desk_overdue", "village_overdue", "steps_done", "desk_steps_done",
              "village_steps_done"),
    "rectifications": ("rectifications", "desk_bad_ratings", "village_bad_ratings", "appeal_upheld",
                       "rectifications_done", "rectifications_late"),
    "consultations": ("consultations",),
    "ratings": ("ratings", "satisfied", "bad_ratings"),
}  # fmt: skip
# What the breakdowns group by, per table (the headline adds the groups up).
GROUPS = {
    "cases": ("village", "matter"),
    "steps": ("department", "village"),
    "rectifications": ("department", "village"),
    "consultations": ("village",),
    "ratings": (),
}
TABLE_OF = {key: table for table, keys in TABLES.items() for key in keys}

# Raise when a figure's definition in stats.figures changes (a figure added or removed changes DEFINITIONS itself):
# months stored under other definitions are then counted from their rows until `stats_store` stores them again.
REVISION = 2  # 2: the month's times to complete are stored too (MonthDurations)
DEFINITIONS = hashlib.sha256(repr((REVISION, TABLES, GROUPS)).encode()).hexdigest()[:16]

# How long after a moment every transaction that stamped a row with it has committed (a service's transaction lasts
# milliseconds; the database's statement timeout is far shorter than this).
SETTLE_MARGIN = dt.timedelta(hours=1)


def _stored_table(table: str) -> bool:
    return all(f.SOURCES[f.FIGURES[key].source].stored for key in TABLES[table])


STORED_TABLES = tuple(table for table in TABLES if _stored_table(table))


@dataclass
class Tally:
    """The counts of one table's figures: in total and per member of each dimension (None: no village/department)."""

    totals: dict[str, int] = field(default_factory=dict)
    per: dict[str, dict[int | None, dict[str, int]]] = field(default_factory=dict)

    @classmethod
    def of_rows(cls, rows: list[dict], keys: Iterable[str], dimensions: Iterable[str]) -> "Tally":
        """From f.counts rows (one per combination of the dimensions)."""
        tally = cls()
        for row in rows:
            for key in keys:
                value = row.get(key) or 0
                if not value:
                    continue
                tally.totals[key] = tally.totals.get(key, 0) + value
                for dimension in dimensions:
                    cell = tally.per.setdefault(dimension, {}).setdefault(row[dimension], {})
                    cell[key] = cell.get(key, 0) + value
        return tally

    def add(self, other: "Tally") -> "Tally":
        for key, value in other.totals.items():
            self.totals[key] = self.totals.get(key, 0) + value
        for dimension, members in other.per.items():
            mine = self.per.setdefault(dimension, {})
            for member, values in members.items():
                cell = mine.setdefault(member, {})
                for key, value in values.items():
                    cell[key] = cell.get(key, 0) + value
        return self

    def total(self, key: str) -> int:
        return self.totals.get(key, 0)

    def by(self, dimension: str, keys: Iterable[str]) -> dict:
        """{member: {key: count}} for the members with any count (zeros filled in)."""
        keys = tuple(keys)
        return {
            member: {key: values.get(key, 0) for key in keys} for member, values in self.per.get(dimension, {}).items()
        }

    def rows(self) -> list[dict]:
        """As stored: (figure, dimension, member, value), member 0 for none, zeros left out."""
        result = [{"figure": k, "dimension": "", "member": 0, "value": v} for k, v in self.totals.items() if v]
        for dimension, members in self.per.items():
            for member, values in members.items():
                result += [
                    {"figure": k, "dimension": dimension, "member": member or 0, "value": v}
                    for k, v in values.items()
                    if v
                ]
        return result


# --- months ---------------------------------------------------------------------------------------------------


def _first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_span(month: dt.date, *, now: dt.datetime, town) -> f.Span:
    return f.Span(start=_midnight(month), end=_midnight(_next_month(month)), now=now, town=town)


@dataclass(frozen=True)
class Ledger:
    """Which months of a town are stored and fresh: month -> the moment its rows were final before."""

    months: dict[dt.date, dt.datetime]

    @classmethod
    def load(cls, town) -> "Ledger":
        stale = set(StaleMonth.objects.filter(town=town).values_list("month", flat=True).distinct())
        stored = StoredMonth.objects.filter(town=town, definitions=DEFINITIONS).values_list("month", "settled_before")
        return cls({month: before for month, before in stored if month not in stale})

    @cached_property
    def _bounds(self) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
        return [(month, _midnight(month), _midnight(_next_month(month))) for month in sorted(self.months)]

    def split(self, span: f.Span) -> tuple[list[dt.date], list[f.Span]]:
        """The stored months wholly inside the span, and the rest of the span as spans counted from the rows."""
        stored: list[dt.date] = []
        rest: list[f.Span] = []
        counted_to = span.start
        for month, start, end in self._bounds:
            if start < span.start or end > span.end:
                continue
            if counted_to < start:
                rest.append(f.Span(start=counted_to, end=start, now=span.now, town=span.town))
            stored.append(month)
            counted_to = end
        if counted_to < span.end:
            rest.append(f.Span(start=counted_to, end=span.end, now=span.now, town=span.town))
        return stored, rest


# --- counting -------------------------------------------------------------------------------------------------


def _live(town, span: f.Span, table: str, keys, dimensions, within=None) -> Tally:
    return Tally.of_rows(f.counts(town, span, keys, dimensions, within=within), keys, dimensions)


def count(
    town, span: f.Span, *, grouped: bool, ledger: Ledger | None = None, tables=None, keys=None
) -> dict[str, Tally]:
    """The span's counts per table (TABLES): stored months from MonthFigure (one query for all tables), the rows not
    yet final when they were stored and the rest of the span from the rows, with the breakdowns if `grouped`; only
    the figures `keys` when given."""
    ledger = ledger if ledger is not None else Ledger.load(town)
    tables = tuple(tables or TABLES)
    wanted = {table: [key for key in TABLES[table] if keys is None or key in keys] for table in tables}
    tables = tuple(table for table in tables if wanted[table])
    result = {table: Tally() for table in tables}
    months, rest = ledger.split(span)
    for table in tables:
        dimensions = GROUPS[table] if grouped else ()
        if table not in STORED_TABLES:
            result[table].add(_live(town, span, table, wanted[table], dimensions))
            continue
        for piece in rest:
            result[table].add(_live(town, piece, table, wanted[table], dimensions))
        if months:
            result[table].add(_unsettled(town, span, table, wanted[table], months, ledger, dimensions))
    stored_tables = [table for table in tables if table in STORED_TABLES]
    if months and stored_tables:
        keys = [key for table in stored_tables for key in wanted[table]]
        dimension_names = {""} | ({d for table in stored_tables for d in GROUPS[table]} if grouped else set())
        rows = (
            MonthFigure.objects.filter(town=town, month__in=months, figure__in=keys, dimension__in=dimension_names)
            .values("figure", "dimension", "member")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for row in rows:
            tally = result[TABLE_OF[row["figure"]]]
            if row["dimension"]:
                cell = tally.per.setdefault(row["dimension"], {}).setdefault(row["member"] or None, {})
                cell[row["figure"]] = cell.get(row["figure"], 0) + row["total"]
            else:
                tally.totals[row["figure"]] = tally.totals.get(row["figure"], 0) + row["total"]
    return result


def _runs(months: list[dt.date], ledger: Ledger) -> list[tuple[dt.date, dt.date, dt.datetime]]:
    """The stored months (in order) as runs of consecutive months final before the same moment (first, last, moment):
    months stored by one `stats_store` share it, so ten years of them are one condition rather than 120."""
    runs: list[tuple[dt.date, dt.date, dt.datetime]] = []
    for month in months:
        before = ledger.months[month]
        if runs and runs[-1][2] == before and _next_month(runs[-1][1]) == month:
            runs[-1] = (runs[-1][0], month, before)
        else:
            runs.append((month, month, before))
    return runs


def _unsettled(town, span: f.Span, table: str, keys, months: list[dt.date], ledger: Ledger, dimensions) -> Tally:
    """The rows of stored months that were not final when stored (steps still open then), counted from the rows."""
    tally = Tally()
    by_source: dict[str, list[str]] = {}
    for key in keys:
        by_source.setdefault(f.FIGURES[key].source, []).append(key)
    for source_key, source_keys in by_source.items():
        source = f.SOURCES[source_key]
        if source.settled is None:
            continue
        per_month = Q(pk__in=[])
        for first, last, before in _runs(months, ledger):
            piece = f.Span(start=_midnight(first), end=_midnight(_next_month(last)), now=span.now, town=town)
            per_month |= source.range(piece) & ~source.settled(before)
        # Not final at the earliest store is implied by each month's own condition (final is for ever): said once
        # outright, it lets the database start from the few open rows and those finished since, not the whole span.
        within = ~source.settled(min(ledger.months[month] for month in months)) & per_month
        tally.add(_live(town, span, table, source_keys, dimensions, within={source_key: within}))
    return tally


# --- the times to complete -------------------------------------------------------------------------------------


def _durations(town, span: f.Span) -> list[float]:
    """Seconds from reception to completion of the cases the figure 'completed' counts in the span."""
    rows = f.FIGURES["completed"].rows(town, span).values_list("received_at", "closed_at")
    return [(closed - received).total_seconds() for received, closed in rows]


def durations(town, span: f.Span, *, ledger: Ledger | None = None) -> list[float]:
    """The span's times to complete, sorted: stored months read (a closed case is final), the rest from the rows."""
    ledger = ledger if ledger is not None else Ledger.load(town)
    months, rest = ledger.split(span)
    stored = dict(MonthDurations.objects.filter(town=town, month__in=months).values_list("month", "packed"))
    values: list[float] = []
    for month in months:
        if month in stored:
            values += unpack_seconds(stored[month])
        else:  # stored before its times were kept: from its rows
            values += _durations(town, month_span(month, now=span.now, town=town))
    for piece in rest:
        values += _durations(town, piece)
    values.sort()  # runs already in order: the merge is linear
    return values


# --- storing --------------------------------------------------------------------------------------------------


def last_storable(now: dt.datetime) -> dt.date | None:
    """The last month that ended at least SETTLE_MARGIN before `now` (its first day)."""
    return _first_of(timezone.localdate(now - SETTLE_MARGIN)) - dt.timedelta(days=1)


def store_month(town, month: dt.date, *, now: dt.datetime | None = None) -> int:
    """Count the finished month from its rows and keep its figures; returns the number of stored rows. The town row
    is locked, so two stores of a town never interleave; the stale marks go first, so a step sent back while this
    counts leaves its mark (the month stays counted from the rows until stored again)."""
    now = now or timezone.now()
    month = _first_of(month)
    before = now - SETTLE_MARGIN
    if _midnight(_next_month(month)) > before:
        raise ValueError(f"{month:%Y-%m} is not over (or ended less than {SETTLE_MARGIN} ago).")
    with transaction.atomic():
        Town.objects.select_for_update().filter(pk=town.pk).first()
        StaleMonth.objects.filter(town=town, month=month).delete()
        span = month_span(month, now=before, town=town)
        rows = []
        for table in STORED_TABLES:
            keys, dimensions = TABLES[table], GROUPS[table]
            within = {
                source: f.SOURCES[source].settled(before)  # type: ignore[misc]
                for source in {f.FIGURES[key].source for key in keys}
                if f.SOURCES[source].settled is not None
            }
            rows += _live(town, span, table, keys, dimensions, within=within).rows()
        MonthFigure.objects.filter(town=town, month=month).delete()
        MonthFigure.objects.bulk_create([MonthFigure(town=town, month=month, **row) for row in rows], batch_size=2000)
        MonthDurations.objects.update_or_create(
            town=town, month=month, defaults={"packed": pack_seconds(sorted(_durations(town, span)))}
        )
        StoredMonth.objects.update_or_create(
            town=town, month=month, defaults={"settled_before": before, "stored_at": now, "definitions": DEFINITIONS}
        )
    return len(rows)


def first_month(town) -> dt.date | None:
    """The first month with anything counted: the first case or consultation."""
    firsts = [
        Case.objects.filter(town=town).aggregate(first=Min("received_at"))["first"],
        Consultation.objects.filter(town=town).aggregate(first=Min("recorded_at"))["first"],
    ]
    known = [moment for moment in firsts if moment is not None]
    return _first_of(timezone.localdate(min(known))) if known else None


def storable_months(town, *, now: dt.datetime, missing_only: bool = True) -> list[dt.date]:
    """The finished months from the first one, those not stored (or stale) when `missing_only`."""
    first, last = first_month(town), last_storable(now)
    if first is None or last is None or first > last:
        return []
    fresh = Ledger.load(town).months if missing_only else {}
    months, month = [], first
    while month <= last:
        if month not in fresh:
            months.append(month)
        month = _next_month(month)
    return months


def store(town, *, now: dt.datetime | None = None, missing_only: bool = True) -> list[dt.date]:
    """Store every finished month not stored yet (or stale); returns the months stored."""
    now = now or timezone.now()
    months = storable_months(town, now=now, missing_only=missing_only)
    for month in months:
        store_month(town, month, now=now)
    return months


def forget(town) -> None:
    """Drop a town's stored months (after its history was loaded in bulk, e.g. generate_load_data)."""
    with transaction.atomic():
        MonthDurations.objects.filter(town=town).delete()
        MonthFigure.objects.filter(town=town).delete()
        StoredMonth.objects.filter(town=town).delete()


def verify(town, *, now: dt.datetime | None = None) -> list[str]:
    """Recount every stored month from its rows alone and compare with what the report reads for it; returns the
    differences (none when the store is exact)."""
    now = now or timezone.now()
    ledger = Ledger.load(town)
    problems = []
    for month in sorted(ledger.months):
        span = month_span(month, now=now, town=town)
        read = count(town, span, grouped=True, ledger=ledger)
        recount = count(town, span, grouped=True, ledger=Ledger({}))
        for table in TABLES:
            if read[table].rows() and sorted(map(_key, read[table].rows())) != sorted(map(_key, recount[table].rows())):
                problems.append(
                    f"{month:%Y-%m} {table}: stored {read[table].totals} != recount {recount[table].totals}"
                )
            elif not read[table].rows() and recount[table].rows():
                problems.append(f"{month:%Y-%m} {table}: stored nothing, recount {recount[table].totals}")
    return problems


def _key(row: dict) -> tuple:
    return row["figure"], row["dimension"], row["member"], row["value"]
