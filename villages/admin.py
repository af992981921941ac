from django import forms
from django.apps import apps
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_scope import SharedReadOnlyMixin, SuperuserOnlyMixin, TownScopedAdmin, TownScopedTabularInline
from .models import (
    Consultation,
    CountyStaff,
    DutyShift,
    Hamlet,
    MarketDay,
    MarketSchedule,
    ShiftCorrection,
    Town,
    TownStaff,
    Village,
    VillageCadre,
)


class MarketDayForm(forms.ModelForm):
    class Meta:
        model = MarketDay
        fields = ["town", "date", "source", "is_cancelled", "note"]

    def clean(self):
        data = super().clean()
        if data.get("is_cancelled") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("A cancelled market day needs a reason (e.g. Spring Festival)."))
        if (
            data.get("is_cancelled")
            and self.instance.pk
            and self.instance.shifts.filter(signed_in_at__isnull=False).exists()
        ):
            raise forms.ValidationError(_("Cadres have already signed in on this day; it cannot be cancelled."))
        return data


class HamletInline(TownScopedTabularInline):
    model = Hamlet
    extra = 0


class VillageCadreInline(TownScopedTabularInline):
    model = VillageCadre
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Town)
class TownAdmin(TownScopedAdmin):
    town_lookup = "pk"
    list_display = ("code", "name", "county", "village_count")
    search_fields = ("code", "name", "county")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_village_count=Count("villages"))

    # A new town takes over the public pages; towns are made and removed at the county, by a superuser.
    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=_("villages"), ordering="_village_count")
    def village_count(self, obj):
        return obj._village_count


@admin.register(Village)
class VillageAdmin(TownScopedAdmin):
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
class HamletAdmin(TownScopedAdmin):
    town_lookup = "village__town"
    list_display = ("name", "village", "distance_km")
    list_filter = ("village__town", "village")
    search_fields = ("name", "village__name")
    list_select_related = ("village",)


@admin.register(VillageCadre)
class VillageCadreAdmin(TownScopedAdmin):
    town_lookup = "village__town"
    list_display = ("user", "village", "title", "is_active")
    list_filter = ("village__town", "village", "title", "is_active")
    search_fields = ("user__name", "user__username", "village__name")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "village")


@admin.register(TownStaff)
class TownStaffAdmin(SharedReadOnlyMixin, TownScopedAdmin):
    """Who is a town's office or supervisor is decided at the county: the office reads it, a superuser sets it
    (an office could otherwise remove its own supervisor)."""

    list_display = ("user", "town", "role", "is_active")
    list_filter = ("town", "role", "is_active")
    search_fields = ("user__name", "user__username")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "town")


@admin.register(CountyStaff)
class CountyStaffAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """The county office reads every town's statistics of its county: set by a superuser only (no town's office
    may widen who reads its figures)."""

    list_display = ("user", "county", "is_active")
    list_filter = ("county", "is_active")
    search_fields = ("user__name", "user__username", "county")
    autocomplete_fields = ["user"]
    list_select_related = ("user",)


@admin.register(MarketDay)
class MarketDayAdmin(TownScopedAdmin):
    form = MarketDayForm
    list_display = ("date", "town", "on_holiday", "source", "is_cancelled", "note")
    list_filter = ("town", "source", "is_cancelled")
    date_hierarchy = "date"

    def get_queryset(self, request):
        # The holiday calendar is cases', which villages never imports: the model by name, and one subquery for the
        # whole list instead of a query per row.
        holiday = apps.get_model("cases", "Holiday")
        # The shared calendar's holidays and the market day's own town's (issue 13), never another town's.
        holidays = holiday.objects.filter(
            Q(town__isnull=True) | Q(town=OuterRef("town")), date=OuterRef("date"), kind=holiday.Kind.HOLIDAY
        )
        return (
            super()
            .get_queryset(request)
            .annotate(is_holiday=Exists(holidays), holiday_name=Subquery(holidays.values("name")[:1]))
        )

    @admin.display(description=_("Holiday"), ordering="date")
    def on_holiday(self, obj):
        if not getattr(obj, "is_holiday", False):
            return None
        return format_html("<strong>{}</strong> {}", _("Holiday"), obj.holiday_name)


@admin.register(Consultation)
class ConsultationAdmin(TownScopedAdmin):
    list_display = ("recorded_at", "town", "village", "topic", "people", "recorded_by", "note")
    list_filter = ("town", "topic", "village")
    search_fields = ("note",)
    date_hierarchy = "recorded_at"
    list_select_related = ("town", "village", "recorded_by")

    # Recorded at the desks (villages.services.consultation_record) and counted into the stored month figures
    # (stats.tally): an edit here would change a finished month behind the store's back. Read-only, as history is.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MarketSchedule)
class MarketScheduleAdmin(TownScopedAdmin):
    list_display = ("town", "kind", "cycle_days", "anchor_date", "digits", "valid_from", "valid_until")
    list_filter = ("town", "kind")


class ShiftCorrectionInline(TownScopedTabularInline):
    model = ShiftCorrection
    extra = 0
    can_delete = False
    readonly_fields = (
        "corrected_at",
        "corrected_by",
        "reason",
        "old_signed_in_at",
        "new_signed_in_at",
        "old_signed_out_at",
        "new_signed_out_at",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DutyShift)
class DutyShiftAdmin(TownScopedAdmin):
    town_lookup = "market_day__town"
    """Sign-ins are corrected on the roster page (with a reason, kept); here they are only read."""

    list_display = ("market_day", "village", "cadre", "substitute", "signed_in_at", "signed_out_at", "is_corrected")
    list_filter = ("market_day__town", "village", "is_corrected")
    date_hierarchy = "market_day__date"
    list_select_related = ("market_day", "village", "cadre", "substitute")
    readonly_fields = ("signed_in_at", "signed_out_at", "seal_carried", "substitute", "is_corrected")
    inlines = [ShiftCorrectionInline]
