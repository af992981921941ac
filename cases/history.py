"""History that cannot be quietly rewritten (issue 3, point 9; issue 8, point 5).

Four layers, each checked by `verify_history`:

- each event's hash covers its content and its predecessor's hash, and is an HMAC under a key from the environment
  (`cases.history_keys`): changing an event, or re-hashing it, needs a key the database does not hold;
- the case row keeps the chain's head (length and last hash), so a removed newest event shows too;
- on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of the history (migration 0010);
- every finished day, each town's chain heads are folded into a signed `HistoryDigest` that the supervisor prints or
  exports; re-folding the day from the events must give the same heads, so even someone holding the key cannot
  rewrite a day that was sealed without the paper copy showing it.

Sealing lives here rather than in cases/services/: it changes no case, it only records what the history already says.
"""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef
from django.utils import timezone

from villages.models import Town

from . import history_keys
from .models import Case, CaseEvent, HistoryDigest
from .models.history import canonical

BATCH = 2000
# A day is sealed only this long after it ended: a transaction that read the clock just before midnight has committed.
SETTLE = dt.timedelta(minutes=10)


# --- the chains --------------------------------------------------------------------------------------------------


@dataclass
class ChainReport:
    problems: list[str] = field(default_factory=list)
    cases: int = 0
    keys: Counter = field(default_factory=Counter)  # events per key id ("sha256": legacy, unkeyed)


def check_chains(*, number: str | None = None) -> ChainReport:
    """Walk every chain in seq order: keys, signatures, sequence, links and the case row's head.

    Streams events in case order with the case's number and recorded head, so a million-event history runs in
    constant memory.
    """
    report = ChainReport()
    problems = report.problems
    ring = history_keys.keyring()
    cases = Case.objects.all()
    events = CaseEvent.objects.all()
    # The application stopped writing unkeyed events when keys came in: every legacy event is older (smaller id) than
    # the first keyed one. An unkeyed event after that was written past the application, to dodge the key.
    first_keyed = CaseEvent.objects.exclude(key_id=history_keys.LEGACY).aggregate(first=Min("pk"))["first"]
    if number:
        cases = cases.filter(number=number)
        events = events.filter(case__number=number)
    events = events.annotate(
        case_number=F("case__number"), head_length=F("case__history_length"), head_hash=F("case__history_head")
    ).order_by("case_id", "seq")

    current = None
    expected_seq, prev_hash, head = 1, "", None

    def check_head() -> None:
        case_number, length, last_hash = head
        if (length, last_hash) != (expected_seq - 1, prev_hash):
            problems.append(
                f"{case_number}: the history ends at #{expected_seq - 1}, but the case recorded #{length} as its"
                " latest event (events removed or added outside the application)"
            )

    for event in events.iterator(chunk_size=BATCH):
        if event.case_id != current:
            if current is not None:
                check_head()
            current, expected_seq, prev_hash = event.case_id, 1, ""
            head = (event.case_number, event.head_length, event.head_hash)
        label = f"{event.case_number} #{event.seq}"
        report.keys[event.key_id] += 1
        if event.seq != expected_seq:
            problems.append(f"{label}: missing link, expected event #{expected_seq}")
        if event.prev_hash != prev_hash:
            problems.append(f"{label}: broken link, does not point to the previous event")
        problems.extend(f"{label}: {problem}" for problem in _signature_problems(event, ring, first_keyed))
        expected_seq, prev_hash = event.seq + 1, event.hash
    if current is not None:
        check_head()
    for case_number in cases.filter(~Exists(CaseEvent.objects.filter(case=OuterRef("pk")))).values_list(
        "number", flat=True
    ):
        problems.append(f"{case_number}: no history at all")
    report.cases = cases.count()
    return report


def _signature_problems(event: CaseEvent, ring: history_keys.KeyRing, first_keyed: int | None) -> list[str]:
    key = event.key_id
    if key == history_keys.LEGACY:
        found = []
        if first_keyed is not None and event.pk > first_keyed:
            found.append(
                "unkeyed (legacy sha256) event written after the history was keyed: not written by the application"
            )
        if event.compute_hash() != event.hash:
            found.append("content changed after it was written (its sha256 hash does not match)")
        return found
    if key not in ring.secrets:
        return [f"signed with key '{key}', which is not in HISTORY_KEYS: its signature cannot be checked"]
    if event.compute_hash() == event.hash:
        return []
    message = f"content changed after it was written (its signature does not match key '{key}')"
    data = canonical(event.payload())
    if hashlib.sha256(data).hexdigest() == event.hash:
        message += "; it was re-hashed without the key"
    elif ring.derived:
        message += "; the 'dev' key comes from SECRET_KEY: was SECRET_KEY changed?"
    return [message]


def verify_chains(*, number: str | None = None) -> tuple[list[str], int]:
    """The chains' problems and how many cases were checked (the digests are `check_digests`)."""
    report = check_chains(number=number)
    return report.problems, report.cases


# --- the daily digests -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """One town's day as the events say now: events that day, and each touched case's head at the day's end."""

    events: int
    heads: list[list]  # [[case number, seq, hash], …] sorted by number

    @property
    def cases(self) -> int:
        return len(self.heads)


EMPTY = Fold(events=0, heads=[])


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day [start, end) in the hall's time zone (TIME_ZONE)."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def last_sealable_day(now: dt.datetime | None = None) -> dt.date:
    """The latest local day that has ended (plus SETTLE) and may be sealed."""
    now = now or timezone.now()
    return timezone.localtime(now - SETTLE).date() - dt.timedelta(days=1)


def fold_days(*, town_id: int, first: dt.date, last: dt.date) -> dict[dt.date, Fold]:
    """Each day from `first` to `last` that has events in the town, folded from the events alone (never the case
    row): the number of events that day, and for every case with events that day the last event (highest seq) whose
    time is before the day's end. Two queries, whatever the range."""
    tz = timezone.get_default_timezone()
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    touched = CaseEvent.objects.filter(case__town_id=town_id, at__gte=start, at__lt=end).values("case_id")
    rows = (
        CaseEvent.objects.filter(case_id__in=touched, at__lt=end)
        .order_by("case_id", "seq")
        .values_list("case_id", "case__number", "seq", "at", "hash")
    )
    counts: Counter = Counter()
    heads: dict[dt.date, list[list]] = defaultdict(list)
    for _case_id, group in groupby(rows.iterator(chunk_size=BATCH), key=itemgetter(0)):
        events = list(group)
        days = Counter(at.astimezone(tz).date() for _, _, _, at, _ in events if at >= start)
        counts.update(days)
        for day in days:
            day_end = day_bounds(day)[1]
            _, number, seq, _, hash_ = [event for event in events if event[3] < day_end][-1]
            heads[day].append([number, seq, hash_])
    return {day: Fold(events=counts[day], heads=sorted(heads[day])) for day in sorted(counts)}


def _event_days(town_id: int, *, until: dt.date | None = None) -> set[dt.date]:
    events = CaseEvent.objects.filter(case__town_id=town_id)
    if until is not None:
        events = events.filter(at__lt=day_bounds(until)[1])
    tz = timezone.get_default_timezone()
    return {moment.date() for moment in events.datetimes("at", "day", tzinfo=tz)}


def _seal(town: Town, day: dt.date, fold: Fold, now: dt.datetime) -> tuple[HistoryDigest, bool]:
    digest = HistoryDigest(
        town=town,
        date=day,
        cases=fold.cases,
        events=fold.events,
        heads=fold.heads,
        key_id=history_keys.current_key_id(),
        created_at=now,
    )
    digest.value = digest.compute_value()
    try:
        with transaction.atomic():
            digest.save()
    except IntegrityError:  # another run sealed the day meanwhile; its digest stands
        return HistoryDigest.objects.get(town=town, date=day), False
    return digest, True


def history_seal(
    *, towns, day: dt.date | None = None, now: dt.datetime | None = None
) -> list[tuple[HistoryDigest, bool]]:
    """Seal every finished day that has events and no digest yet (yesterday, and any earlier day missed), or only
    `day`. Idempotent; an existing digest is never rewritten — it is returned with created=False.

    Raises ValueError for a day that has not ended yet (more events may come)."""
    now = now or timezone.now()
    until = last_sealable_day(now)
    if day is not None and day > until:
        raise ValueError(f"{day:%Y-%m-%d} has not ended yet (days are sealed from {SETTLE} after midnight)")
    results: list[tuple[HistoryDigest, bool]] = []
    for town in towns:
        sealed = {d.date: d for d in HistoryDigest.objects.filter(town=town).select_related("town")}
        if day is not None:
            if day in sealed:
                results.append((sealed[day], False))
                continue
            pending = [day]
        else:
            pending = sorted(_event_days(town.pk, until=until) - sealed.keys())
        for _month, days in groupby(pending, key=lambda d: (d.year, d.month)):
            days = list(days)
            folds = fold_days(town_id=town.pk, first=days[0], last=days[-1])
            for each in days:
                if each in folds:
                    results.append(_seal(town, each, folds[each], now))
    return results


def digest_label(digest: HistoryDigest) -> str:
    return f"{digest.town.name} {digest.date:%Y-%m-%d}"


def digest_differences(digest: HistoryDigest, fold: Fold | None, ring: history_keys.KeyRing) -> list[str]:
    """What differs between a sealed digest and the day re-folded from the events now; [] when they agree."""
    fold = fold or EMPTY
    found = []
    if digest.key_id not in ring.secrets:
        found.append(
            f"sealed with key '{digest.key_id}', which is not in HISTORY_KEYS: its signature cannot be checked"
        )
    elif digest.compute_value() != digest.value:
        found.append(f"the digest row was changed after it was sealed (signature does not match key '{digest.key_id}')")
    sealed = {number: (seq, hash_) for number, seq, hash_ in digest.heads}
    now = {number: (seq, hash_) for number, seq, hash_ in fold.heads}
    for number in sorted(sealed.keys() | now.keys()):
        if number not in now:
            found.append(f"case {number} was sealed at #{sealed[number][0]}, now it has no events that day")
        elif number not in sealed:
            found.append(f"case {number} now has events that day (head #{now[number][0]}), none were sealed")
        elif now[number][0] != sealed[number][0]:
            found.append(f"case {number} head now #{now[number][0]}, sealed #{sealed[number][0]}")
        elif now[number][1] != sealed[number][1]:
            found.append(f"case {number} #{now[number][0]} is not the event that was sealed (its hash differs)")
    if fold.events != digest.events:
        found.append(f"events that day: sealed {digest.events}, now {fold.events}")
    return found


def check_town_digests(town_id: int, digests: list[HistoryDigest]) -> dict[int, list[str]]:
    """Re-fold the days of `digests` (one town's, any range) and compare: {digest pk: differences}. Two queries per
    calendar month spanned, whatever the number of digests."""
    ring = history_keys.keyring()
    result: dict[int, list[str]] = {}
    ordered = sorted(digests, key=lambda d: d.date)
    for _month, group in groupby(ordered, key=lambda d: (d.date.year, d.date.month)):
        group = list(group)
        folds = fold_days(town_id=town_id, first=group[0].date, last=group[-1].date)
        for digest in group:
            result[digest.pk] = digest_differences(digest, folds.get(digest.date), ring)
    return result


@dataclass
class DigestReport:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    keys: Counter = field(default_factory=Counter)
    unsealed: list[tuple[str, dt.date]] = field(default_factory=list)  # finished days with events, not sealed yet


def check_digests(*, towns=None, now: dt.datetime | None = None) -> DigestReport:
    """Every digest re-folded and compared; and no day with events may lack a digest while a later day has one."""
    report = DigestReport()
    until = last_sealable_day(now)
    towns = Town.objects.order_by("code") if towns is None else towns
    for town in towns:
        digests = list(HistoryDigest.objects.filter(town=town).select_related("town").order_by("date"))
        days = _event_days(town.pk)
        latest = digests[-1].date if digests else None
        sealed = {digest.date for digest in digests}
        for day in sorted(days - sealed):
            if latest is not None and day < latest:
                report.problems.append(
                    f"{town.name} {day:%Y-%m-%d}: events that day but no digest, though later days are sealed"
                    " (a digest removed, or events back-dated into a sealed period)"
                )
            elif day <= until:
                report.unsealed.append((town.name, day))
        differences = check_town_digests(town.pk, digests)
        for digest in digests:
            report.checked += 1
            report.keys[digest.key_id] += 1
            report.problems.extend(f"{digest_label(digest)}: digest differs — {d}" for d in differences[digest.pk])
    return report
