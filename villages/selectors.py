from django.db.models import QuerySet
from django.utils import timezone

from .models import MarketDay, Town, TownStaff, Village


def villages_of_cadre(*, user) -> QuerySet[Village]:
    """The villages whose desk this user may sit at (active cadre memberships)."""
    if not user.is_authenticated:
        return Village.objects.none()
    return Village.objects.filter(cadres__user=user, cadres__is_active=True).select_related("town")


def towns_of_staff(
    *, user, roles: tuple[str, ...] = (TownStaff.Role.OFFICE, TownStaff.Role.SUPERVISOR)
) -> QuerySet[Town]:
    if not user.is_authenticated:
        return Town.objects.none()
    return Town.objects.filter(staff__user=user, staff__is_active=True, staff__role__in=roles).distinct()


def town_list() -> QuerySet[Town]:
    return Town.objects.order_by("code")


def next_market_days(*, town, limit: int = 6, today=None) -> list[MarketDay]:
    """The coming market days that are not cancelled, today included."""
    today = today or timezone.localdate()
    return list(MarketDay.objects.filter(town=town, date__gte=today, is_cancelled=False).order_by("date")[:limit])
