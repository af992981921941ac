"""The town office sees its own town in the admin, as everywhere else; superusers see every town."""

from django.contrib import admin
from django.db.models import Q

from .selectors import towns_of_staff

# How a related row belongs to a town, by model label (no imports: apps depend one way).
RELATED_TOWN_SCOPES = {
    "villages.Town": lambda ids: Q(pk__in=ids),
    "villages.Village": lambda ids: Q(town__in=ids),
    "villages.Hamlet": lambda ids: Q(village__town__in=ids),
    "departments.Department": lambda ids: Q(town__in=ids) | Q(level="county"),
    "cases.Matter": lambda ids: Q(town__in=ids),
}


def staff_town_ids(request) -> list[int] | None:
    """None for a superuser (no limit); otherwise the towns the user works for."""
    if request.user.is_superuser:
        return None
    return list(towns_of_staff(user=request.user).values_list("pk", flat=True))


class TownScopedChoicesMixin:
    """Drop-downs offer only the user's town's villages, departments, matters…"""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = RELATED_TOWN_SCOPES.get(db_field.related_model._meta.label)
        town_ids = staff_town_ids(request)
        if scope is not None and town_ids is not None:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(scope(town_ids))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TownScopedAdmin(TownScopedChoicesMixin, admin.ModelAdmin):
    town_lookup = "town"

    def town_scope(self, town_ids) -> Q:
        return Q(**{f"{self.town_lookup}__in": town_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        town_ids = staff_town_ids(request)
        if town_ids is None:
            return queryset
        return queryset.filter(self.town_scope(town_ids))


class TownScopedTabularInline(TownScopedChoicesMixin, admin.TabularInline):
    pass
