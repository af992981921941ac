from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import Material, Matter, RouteStep


class RouteFormSet(BaseInlineFormSet):
    """Refuse a route whose steps are not numbered 1, 2, 3… without gaps or repeats."""

    def clean(self):
        super().clean()
        orders = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            if form.cleaned_data.get("order") is not None:
                orders.append(form.cleaned_data["order"])
        if sorted(orders) != list(range(1, len(orders) + 1)):
            raise ValidationError(
                _(
                    "Route steps must be numbered 1, 2, 3… without gaps or repeats (now: %(orders)s)."
                )
                % {"orders": "、".join(str(o) for o in sorted(orders)) or "—"}
            )


class RouteStepInline(admin.TabularInline):
    model = RouteStep
    formset = RouteFormSet
    extra = 0
    fields = ("order", "department", "action", "time_limit_days")


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ("order", "name", "form", "copies", "is_required", "note")


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "category",
        "kind",
        "promised_days",
        "needs_village_certificate",
        "route_length",
        "county_mode",
        "is_active",
    )
    list_display_links = ("code", "name")
    list_filter = ("town", "category", "kind", "needs_village_certificate", "county_mode", "is_active")
    search_fields = ("code", "name", "summary")
    inlines = [RouteStepInline, MaterialInline]
    fieldsets = (
        (None, {"fields": ("town", "code", "name", "category", "summary", "display_order", "is_active")}),
        (
            _("Time and route"),
            {
                "fields": (
                    "kind",
                    "promised_days",
                    "needs_village_certificate",
                    "village_time_limit_days",
                    "county_mode",
                    "county_department",
                    "county_action",
                    "county_time_limit_days",
                )
            },
        ),
        (_("Guide text"), {"fields": ("conditions", "legal_basis", "fee", "contact")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_route_length=Count("route"))

    @admin.display(description=_("town desks"), ordering="_route_length")
    def route_length(self, obj):
        return obj._route_length
