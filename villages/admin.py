from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Consultation, Hamlet, MarketDay, Town, TownStaff, Village, VillageCadre


class HamletInline(admin.TabularInline):
    model = Hamlet
    extra = 0


class VillageCadreInline(admin.TabularInline):
    model = VillageCadre
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "county", "village_count")
    search_fields = ("code", "name", "county")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_village_count=Count("villages"))

    @admin.display(description=_("villages"), ordering="_village_count")
    def village_count(self, obj):
        return obj._village_count


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("desk_order", "name", "code", "town", "distance_km", "hamlet_count", "is_sample")
    list_display_links = ("name",)
    list_filter = ("town", "is_sample")
    search_fields = ("name", "code", "hamlets__name")
    inlines = [HamletInline, VillageCadreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("town").annotate(_hamlet_count=Count("hamlets"))

    @admin.display(description=_("hamlets"), ordering="_hamlet_count")
    def hamlet_count(self, obj):
        return obj._hamlet_count


@admin.register(Hamlet)
class HamletAdmin(admin.ModelAdmin):
    list_display = ("name", "village", "distance_km")
    list_filter = ("village__town", "village")
    search_fields = ("name", "village__name")
    list_select_related = ("village",)


@admin.register(VillageCadre)
class VillageCadreAdmin(admin.ModelAdmin):
    list_display = ("user", "village", "title", "is_active")
    list_filter = ("village__town", "village", "title", "is_active")
    search_fields = ("user__name", "user__username", "village__name")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "village")


@admin.register(TownStaff)
class TownStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "town", "role", "is_active")
    list_filter = ("town", "role", "is_active")
    search_fields = ("user__name", "user__username")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "town")


@admin.register(MarketDay)
class MarketDayAdmin(admin.ModelAdmin):
    list_display = ("date", "town", "source", "is_cancelled", "note")
    list_filter = ("town", "source", "is_cancelled")
    date_hierarchy = "date"


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("recorded_at", "town", "village", "topic", "people", "recorded_by", "note")
    list_filter = ("town", "topic", "village")
    search_fields = ("note",)
    date_hierarchy = "recorded_at"
    list_select_related = ("town", "village", "recorded_by")
