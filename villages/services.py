"""Every change to market days, the duty roster, sign-ins and consultations happens here."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import page_versions
from .access import is_cadre_of, is_office_of
from .models import (
    Consultation,
    DutyShift,
    MarketDay,
    MarketSchedule,
    ShiftCorrection,
    Town,
    Village,
    VillageCadre,
)
from .schedule import rule_dates


class VillageError(Exception):
    """A refused action, with a message for the user."""


def _now() -> dt.datetime:
    return timezone.now()


def _require_office(actor, town: Town) -> None:
    if not is_office_of(actor, town.pk):
        raise VillageError(_("Only the town office may do this."))


# --- consultations -----------------------------------------------------------------------------------------------


def consultation_record(
    *, actor, town, village: Village | None, topic: str, people: int, note: str = ""
) -> Consultation:
    """A visit without a case. Anyone working a desk of the town may record it."""
    if village is not None and village.town_id != town.pk:
        raise VillageError(_("The village belongs to another town."))
    if people < 1 or people > 500:
        raise VillageError(_("The number of people must be between 1 and 500."))
    if topic not in Consultation.Topic.values:
        raise VillageError(_("Choose a topic."))
    with transaction.atomic():
        return Consultation.objects.create(
            town=town,
            village=village,
            topic=topic,
            people=people,
            note=note.strip(),
            recorded_at=_now(),
            recorded_by=actor,
        )


# --- market days -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateResult:
    created: int
    removed: int
    kept: int


def market_days_generate(
    *, town: Town, start: dt.date, until: dt.date, protected_dates: set[dt.date] | frozenset[dt.date] = frozenset()
) -> GenerateResult:
    """Make the rule's market days exist from `start` to `until`. Idempotent.

    Hand-made days (added or cancelled by the town office) are never touched. A rule day that the rule no longer
    gives is removed only if nothing hangs on it: no shifts and no date in `protected_dates` (days with cases).
    """
    if until < start:
        raise VillageError(_("The end date is before the start date."))
    schedules = list(MarketSchedule.objects.filter(town=town))
    wanted = set(rule_dates(schedules, start, until))
    with transaction.atomic():
        existing = {
            m.date: m
            for m in MarketDay.objects.select_for_update(of=("self",))
            .filter(town=town, date__gte=start, date__lte=until)
            .annotate(has_shifts=Exists(DutyShift.objects.filter(market_day=OuterRef("pk"))))
        }
        new = [MarketDay(town=town, date=day, source=MarketDay.Source.RULE) for day in sorted(wanted - existing.keys())]
        MarketDay.objects.bulk_create(new, ignore_conflicts=True)
        page_versions.changed({town.pk})  # bulk_create sends no signal
        stale = [
            m.pk
            for day, m in existing.items()
            if day not in wanted
            and m.source == MarketDay.Source.RULE
            and not m.is_cancelled
            and not m.has_shifts
            and day not in protected_dates
        ]
        MarketDay.objects.filter(pk__in=stale).delete()
    return GenerateResult(created=len(new), removed=len(stale), kept=len(existing) - len(stale))


def market_day_add(*, actor, town: Town, date: dt.date, note: str = "") -> MarketDay:
    _require_office(actor, town)
    with transaction.atomic():
        day, created = MarketDay.objects.select_for_update().get_or_create(
            town=town, date=date, defaults={"source": MarketDay.Source.MANUAL, "note": note.strip()}
        )
        if not created:
            if not day.is_cancelled:
                raise VillageError(_("That date is already a market day."))
            day.is_cancelled = False
            day.source = MarketDay.Source.MANUAL
            day.note = note.strip()
            day.save(update_fields=["is_cancelled", "source", "note"])
    return day


def market_day_cancel(*, actor, market_day_id: int, reason: str) -> MarketDay:
    """Cancel one market day (e.g. Spring Festival). The record stays, so the rule never brings it back."""
    reason = reason.strip()
    if not reason:
        raise VillageError(_("A reason is required to cancel a market day."))
    with transaction.atomic():
        day = MarketDay.objects.select_for_update(of=("self",)).select_related("town").get(pk=market_day_id)
        _require_office(actor, day.town)
        if day.is_cancelled:
            raise VillageError(_("This market day is already cancelled."))
        if DutyShift.objects.filter(market_day=day, signed_in_at__isnull=False).exists():
            raise VillageError(_("Cadres have already signed in on this day; it cannot be cancelled."))
        day.is_cancelled = True
        day.source = MarketDay.Source.MANUAL
        day.note = reason
        day.save(update_fields=["is_cancelled", "source", "note"])
    return day


# --- the duty roster ---------------------------------------------------------------------------------------------


def roster_assign(*, actor, market_day: MarketDay, village: Village, cadre) -> DutyShift:
    """Assign (or clear, with cadre=None) the duty cadre of one village desk on one market day."""
    _require_office(actor, market_day.town)
    if village.town_id != market_day.town_id:
        raise VillageError(_("The village belongs to another town."))
    if market_day.is_cancelled:
        raise VillageError(_("This market day is cancelled."))
    if cadre is not None and not is_cadre_of(cadre, village.pk):
        raise VillageError(_("%(name)s is not a cadre of %(village)s.") % {"name": cadre, "village": village})
    with transaction.atomic():
        shift, _created = DutyShift.objects.select_for_update().get_or_create(market_day=market_day, village=village)
        if shift.signed_in_at is not None and shift.cadre_id != getattr(cadre, "pk", None):
            raise VillageError(_("The cadre has already signed in; correct the record instead."))
        shift.cadre = cadre
        shift.save(update_fields=["cadre"])
    return shift


def roster_fill_rotation(*, actor, town: Town, market_days: list[MarketDay]) -> int:
    """Fill every empty desk by rotating through each village's active cadres, continuing the last rotation.

    Returns how many desks were filled. Desks already assigned are left alone.
    """
    _require_office(actor, town)
    filled = 0
    days = sorted((d for d in market_days if not d.is_cancelled and d.town_id == town.pk), key=lambda d: d.date)
    if not days:
        return 0
    with transaction.atomic():
        villages = list(Village.objects.filter(town=town).order_by("desk_order"))
        cadres: dict[int, list[int]] = {}
        for village_id, user_id in (
            VillageCadre.objects.filter(village__town=town, is_active=True)
            .order_by("village_id", "title", "user_id")
            .values_list("village_id", "user_id")
        ):
            cadres.setdefault(village_id, []).append(user_id)
        existing = {
            (s.market_day_id, s.village_id): s
            for s in DutyShift.objects.select_for_update().filter(market_day__in=days)
        }
        for village in villages:
            pool = cadres.get(village.pk, [])
            if not pool:
                continue
            previous = (
                DutyShift.objects.filter(village=village, market_day__date__lt=days[0].date, cadre__isnull=False)
                .order_by("-market_day__date")
                .values_list("cadre_id", flat=True)
                .first()
            )
            index = (pool.index(previous) + 1) if previous in pool else 0
            for day in days:
                shift = existing.get((day.pk, village.pk))
                if shift is not None and shift.cadre_id is not None:
                    if shift.cadre_id in pool:
                        index = pool.index(shift.cadre_id) + 1
                    continue
                cadre_id = pool[index % len(pool)]
                index += 1
                if shift is None:
                    DutyShift.objects.create(market_day=day, village=village, cadre_id=cadre_id)
                else:
                    shift.cadre_id = cadre_id
                    shift.save(update_fields=["cadre"])
                filled += 1
    return filled


@dataclass(frozen=True)
class RosterCell:
    """One posted cell of the grid: the cadre chosen (None: a gap) and, if the page sent it, the cadre it showed."""

    market_day_id: int
    village_id: int
    cadre_id: int | None
    shown: bool = False
    shown_cadre_id: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.market_day_id, self.village_id)


@dataclass(frozen=True)
class RosterRefusal:
    """Why one cell was refused. `code`: invalid (input that cannot be), wrong_state, stale (changed meanwhile)."""

    market_day_id: int
    village_id: int
    date: dt.date | None
    village_name: str
    code: str
    reason: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.market_day_id, self.village_id)

    def __str__(self) -> str:
        return _("%(date)s %(village)s: %(reason)s") % {
            "date": formats.date_format(self.date, "MONTH_DAY_FORMAT") if self.date else "—",
            "village": self.village_name or "—",
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RosterResult:
    changed: int = 0
    refusals: list[RosterRefusal] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.refusals


def _roster_cell_touched(cell: RosterCell) -> bool:
    """False if the user left the cell as the page showed it (then it is never written, whatever is saved now)."""
    return not cell.shown or cell.cadre_id != cell.shown_cadre_id


def _roster_cell_problem(
    cell: RosterCell,
    *,
    day: MarketDay | None,
    village: Village | None,
    shift: DutyShift | None,
    users: dict,
    serving: set[tuple[int, int]],
    today: dt.date,
) -> tuple[str, str] | None:
    """(code, reason) if the cell may not be saved; None if it may, or if it changes nothing."""
    if day is None:
        return "invalid", _("This market day is not in the town's calendar.")
    if village is None:
        return "invalid", _("The village belongs to another town.")
    current = shift.cadre_id if shift else None
    if cell.cadre_id == current or not _roster_cell_touched(cell):
        return None
    if cell.shown and cell.shown_cadre_id != current:
        now = shift.cadre.get_full_name() if shift and shift.cadre else _("— gap —")
        return "stale", _(
            "Changed by someone else after you opened the page (now: %(name)s). Check it and save again."
        ) % {"name": now}
    if day.is_cancelled:
        return "wrong_state", _("This market day is cancelled.")
    if day.date < today:
        return "wrong_state", _("This market day is over; its duty cadre can no longer be changed.")
    if shift is not None and shift.signed_in_at is not None:
        return "wrong_state", _("The cadre has already signed in; correct the record instead.")
    if cell.cadre_id is None:
        return None
    if cell.cadre_id not in users:
        return "invalid", _("Choose one of the village’s cadres.")
    if (village.pk, cell.cadre_id) not in serving:
        return "invalid", _("%(name)s is not a cadre of %(village)s.") % {
            "name": users[cell.cadre_id],
            "village": village,
        }
    return None


def roster_save(*, actor, town: Town, cells: list[RosterCell]) -> RosterResult:
    """Save a posted roster grid all or nothing: every cell is checked first, and one refused cell saves none.

    A cell changes only if its cadre differs from the saved one. A changing cell must be of this town's villages and
    market days, on a day that is neither cancelled nor past, on a desk nobody has signed in at, with an active cadre
    of that village. A cell whose page showed another cadre than the saved one was changed by someone else meanwhile:
    left alone if the user kept what the page showed, refused (stale) if the user changed it too.
    """
    _require_office(actor, town)
    if not cells:
        return RosterResult()
    day_ids = {c.market_day_id for c in cells}
    village_ids = {c.village_id for c in cells}
    cadre_ids = {c.cadre_id for c in cells if c.cadre_id is not None}
    today = timezone.localdate(_now())
    try:
        with transaction.atomic():
            # The days are locked too: a market day is cancelled under its own lock (market_day_cancel).
            days = {d.pk: d for d in MarketDay.objects.select_for_update().filter(town=town, pk__in=day_ids)}
            villages = {v.pk: v for v in Village.objects.filter(town=town, pk__in=village_ids)}
            shifts = {
                (s.market_day_id, s.village_id): s
                for s in DutyShift.objects.select_for_update(of=("self",))
                .select_related("cadre")
                .filter(market_day_id__in=days.keys(), village_id__in=villages.keys())
            }
            # Only users who are cadres somewhere in this town can be named; anyone else is an unknown id.
            users = {
                u.pk: u
                for u in get_user_model()
                .objects.filter(pk__in=cadre_ids, village_memberships__village__town=town)
                .distinct()
            }
            serving = set(
                VillageCadre.objects.filter(
                    village_id__in=villages.keys(), user_id__in=users.keys(), is_active=True
                ).values_list("village_id", "user_id")
            )
            refusals: list[RosterRefusal] = []
            updates: list[DutyShift] = []
            creates: list[DutyShift] = []
            for cell in cells:
                day, village = days.get(cell.market_day_id), villages.get(cell.village_id)
                shift = shifts.get(cell.key)
                problem = _roster_cell_problem(
                    cell, day=day, village=village, shift=shift, users=users, serving=serving, today=today
                )
                if problem is not None:
                    refusals.append(
                        RosterRefusal(
                            market_day_id=cell.market_day_id,
                            village_id=cell.village_id,
                            date=day.date if day else None,
                            village_name=village.name if village else "",
                            code=problem[0],
                            reason=problem[1],
                        )
                    )
                elif cell.cadre_id == (shift.cadre_id if shift else None) or not _roster_cell_touched(cell):
                    continue
                elif shift is None:
                    creates.append(DutyShift(market_day=day, village=village, cadre_id=cell.cadre_id))
                else:
                    shift.cadre_id = cell.cadre_id
                    updates.append(shift)
            if refusals:
                return RosterResult(refusals=refusals)
            DutyShift.objects.bulk_update(updates, ["cadre"])
            DutyShift.objects.bulk_create(creates)
            page_versions.changed({town.pk})  # bulk writes send no signal
    except IntegrityError:
        # A desk created by someone else between our read and our write (a new row cannot be locked beforehand).
        raise VillageError(
            _("Someone else saved the roster at the same moment; nothing was saved. Save again.")
        ) from None
    return RosterResult(changed=len(updates) + len(creates))


# --- sign-in and sign-out ----------------------------------------------------------------------------------------


def _lock_shift(shift_id: int) -> DutyShift:
    return (
        DutyShift.objects.select_for_update(of=("self",))
        .select_related("market_day", "market_day__town", "village")
        .get(pk=shift_id)
    )


def shift_sign_in(*, actor, shift_id: int, seal_carried: bool) -> DutyShift:
    """The duty cadre signs in at the desk, on that day only, once, confirming the village seal is with them.

    Another cadre of the same village may stand in when nobody is assigned or the assigned cadre has not come.
    """
    if not seal_carried:
        raise VillageError(_("Confirm that you carry the village committee seal."))
    with transaction.atomic():
        shift = _lock_shift(shift_id)
        now = _now()
        if shift.market_day.is_cancelled:
            raise VillageError(_("This market day is cancelled."))
        if timezone.localdate(now) != shift.market_day.date:
            raise VillageError(_("You can only sign in on the market day itself."))
        if shift.signed_in_at is not None:
            raise VillageError(_("This desk is already signed in."))
        if shift.cadre_id != actor.pk:
            if not is_cadre_of(actor, shift.village_id):
                raise VillageError(_("This is not your village's desk."))
            shift.substitute = actor
        shift.signed_in_at = now
        shift.seal_carried = True
        shift.save(update_fields=["signed_in_at", "seal_carried", "substitute"])
    return shift


def shift_sign_out(*, actor, shift_id: int) -> DutyShift:
    with transaction.atomic():
        shift = _lock_shift(shift_id)
        now = _now()
        if shift.signed_in_at is None:
            raise VillageError(_("Sign in first."))
        if shift.on_duty_user is None or shift.on_duty_user.pk != actor.pk:
            raise VillageError(_("Only the cadre who signed in may sign out."))
        if timezone.localdate(now) != shift.market_day.date:
            raise VillageError(_("You can only sign out on the market day itself; ask the town office to correct it."))
        if shift.signed_out_at is not None:
            raise VillageError(_("This desk is already signed out."))
        shift.signed_out_at = now
        shift.save(update_fields=["signed_out_at"])
    return shift


def shift_correct(
    *, actor, shift_id: int, signed_in_at: dt.datetime | None, signed_out_at: dt.datetime | None, reason: str
) -> ShiftCorrection:
    """Only the town office corrects a sign-in record; the correction and its reason stay visible."""
    reason = reason.strip()
    if not reason:
        raise VillageError(_("A reason is required to correct a record."))
    if signed_out_at is not None and (signed_in_at is None or signed_out_at < signed_in_at):
        raise VillageError(_("The sign-out time must be after the sign-in time."))
    with transaction.atomic():
        shift = _lock_shift(shift_id)
        _require_office(actor, shift.market_day.town)
        for value in (signed_in_at, signed_out_at):
            if value is not None and timezone.localdate(value) != shift.market_day.date:
                raise VillageError(_("The corrected times must be on the market day itself."))
        correction = ShiftCorrection.objects.create(
            shift=shift,
            corrected_by=actor,
            corrected_at=_now(),
            reason=reason,
            old_signed_in_at=shift.signed_in_at,
            new_signed_in_at=signed_in_at,
            old_signed_out_at=shift.signed_out_at,
            new_signed_out_at=signed_out_at,
        )
        shift.signed_in_at = signed_in_at
        shift.signed_out_at = signed_out_at
        shift.is_corrected = True
        shift.save(update_fields=["signed_in_at", "signed_out_at", "is_corrected"])
    return correction
