"""The town office sees its own town in the admin, as everywhere else; superusers see every town."""

from django.contrib import admin
from django.db.models import Q

from .selectors import towns_of_staff


class TownScopedAdmin(admin.ModelAdmin):
    town_lookup = "town"

    def town_scope(self, town_ids) -> Q:
        return Q(**{f"{self.town_lookup}__in": town_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        town_ids = list(towns_of_staff(user=request.user).values_list("pk", flat=True))
        return queryset.filter(self.town_scope(town_ids))
