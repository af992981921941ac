from django.db.models import Q, QuerySet
from django.utils import timezone

from .access import OVERSEEING, visible_towns
from .models import DutyShift, MarketDay, Town, Village, VillageCadre


def towns_of_staff(*, user, roles: tuple[str, ...] = OVERSEEING) -> QuerySet[Town]:
    """The towns the user oversees (villages.access.visible_towns)."""
    return visible_towns(user, roles=roles)


def town_list() -> QuerySet[Town]:
    return Town.objects.order_by("code")


def next_market_days(*, town, limit: int = 6, today=None) -> list[MarketDay]:
    """The coming market days that are not cancelled, today included."""
    today = today or timezone.localdate()
    return list(MarketDay.objects.filter(town=town, date__gte=today, is_cancelled=False).order_by("date")[:limit])


def coming_market_days(*, town, limit: int = 10, today=None) -> list[MarketDay]:
    today = today or timezone.localdate()
    return list(MarketDay.objects.filter(town=town, date__gte=today).order_by("date")[:limit])


def today_market_day(*, town, today=None) -> MarketDay | None:
    today = today or timezone.localdate()
    return MarketDay.objects.filter(town=town, date=today, is_cancelled=False).first()


def roster_grid(*, town, market_days: list[MarketDay]) -> dict:
    """Villages × market days with the shift of each cell and each village's cadres, in four queries.

    Each cell's `chosen` is the cadre its select shows (the saved one; a refused save puts the posted one there) and
    `error` why a save refused it.
    """
    villages = list(Village.objects.filter(town=town).order_by("desk_order"))
    shifts = {
        (s.market_day_id, s.village_id): s
        for s in DutyShift.objects.filter(market_day__in=market_days).select_related("cadre", "substitute")
    }
    cadres: dict[int, list] = {}
    for membership in VillageCadre.objects.filter(village__town=town, is_active=True).select_related("user"):
        cadres.setdefault(membership.village_id, []).append(membership.user)
    rows = []
    gaps = []
    for village in villages:
        cells = []
        for day in market_days:
            shift = shifts.get((day.pk, village.pk))
            cells.append({"day": day, "shift": shift, "chosen": shift.cadre_id if shift else None, "error": ""})
            if not day.is_cancelled and (shift is None or shift.cadre_id is None):
                gaps.append((day, village))
        rows.append({"village": village, "cadres": cadres.get(village.pk, []), "cells": cells})
    return {"rows": rows, "gaps": gaps}


def shifts_of_cadre(*, user, village_ids, today=None, limit: int = 4) -> list[DutyShift]:
    """The cadre's desks from today on: assigned to them, or today's desk of their village they may stand in for."""
    today = today or timezone.localdate()
    return list(
        DutyShift.objects.filter(
            Q(cadre=user) | Q(substitute=user) | Q(village_id__in=village_ids, market_day__date=today),
            market_day__date__gte=today,
            market_day__is_cancelled=False,
        )
        .select_related("market_day", "market_day__town", "village", "cadre", "substitute")
        .order_by("market_day__date", "village__desk_order")[:limit]
    )


def hall_shifts(*, market_day) -> list[DutyShift]:
    return list(DutyShift.objects.filter(market_day=market_day).select_related("village", "cadre", "substitute"))


def shift_detail(*, pk: int) -> DutyShift:
    return (
        DutyShift.objects.select_related("market_day", "market_day__town", "village", "cadre", "substitute")
        .prefetch_related("corrections__corrected_by")
        .get(pk=pk)
    )
