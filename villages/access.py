"""Who a user is in a town and its villages, read from the memberships this app keeps (STYLE.md: access predicates
live beside the memberships they read). Higher apps compose these; they never query the memberships themselves."""

from django.db.models import CharField, Q, QuerySet, Value

from .models import CountyStaff, Town, TownStaff, VillageCadre

OVERSEEING = (TownStaff.Role.OFFICE, TownStaff.Role.SUPERVISOR)


def is_cadre_of(user, village_id: int | None) -> bool:
    if not user.is_authenticated or village_id is None:
        return False
    return VillageCadre.objects.filter(user=user, village_id=village_id, is_active=True).exists()


def is_office_of(user, town_id: int | None) -> bool:
    if not user.is_authenticated or town_id is None:
        return False
    return TownStaff.objects.filter(user=user, town_id=town_id, role=TownStaff.Role.OFFICE, is_active=True).exists()


def cadre_memberships(user) -> QuerySet:
    """(village id, "") for each active cadre membership, unevaluated (cases.access.roles_for reads it in one
    query with the others)."""
    return (
        VillageCadre.objects.filter(user=user, is_active=True)
        .order_by()
        .annotate(role=Value("", output_field=CharField()))
        .values_list("village_id", "role")
    )


def cadre_village_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(village for village, _ in cadre_memberships(user))


def town_memberships(user) -> QuerySet:
    """(town id, role) for each active office or supervisor membership, unevaluated."""
    return TownStaff.objects.filter(user=user, is_active=True).order_by().values_list("town_id", "role")


def town_roles(user) -> list[tuple[int, str]]:
    """(town id, role) for each active office or supervisor membership; read once per request (kept on the user)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_hall_town_roles", None)
    if cached is None:
        cached = list(town_memberships(user))
        user._hall_town_roles = cached
    return cached


def visible_town_ids(user, *, roles: tuple[str, ...] = OVERSEEING) -> frozenset[int]:
    """The one answer to "which towns may this user see as a whole": the towns where the user is an active town
    office or supervisor (or only those of `roles`). Selectors, the admin's scoping, the roles and the statistics
    all ask this."""
    return frozenset(town for town, role in town_roles(user) if role in roles)


def visible_towns(user, *, roles: tuple[str, ...] = OVERSEEING) -> QuerySet[Town]:
    return Town.objects.filter(pk__in=visible_town_ids(user, roles=roles))


def county_office_counties(user) -> frozenset[str]:
    """The counties whose towns' statistics this user reads as the county office (CountyStaff)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_hall_counties", None)
    if cached is None:
        cached = frozenset(
            CountyStaff.objects.filter(user=user, is_active=True).order_by().values_list("county", flat=True)
        )
        user._hall_counties = cached
    return cached


def is_county_office(user) -> bool:
    return bool(county_office_counties(user))


def statistics_towns(user) -> QuerySet[Town]:
    """The towns whose statistics (only those: not their cases or people) a user may read: their own office or
    supervisor towns, and every town of a county whose office they are."""
    if not user.is_authenticated:
        return Town.objects.none()
    # The county memberships as a subquery: no query of their own on every statistics page.
    counties = CountyStaff.objects.filter(user=user, is_active=True).values("county")
    return Town.objects.filter(Q(pk__in=visible_town_ids(user)) | Q(county__in=counties))
