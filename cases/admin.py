from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from villages.admin_scope import TownScopedAdmin, TownScopedTabularInline

from . import guide, holidays
from .models import (
    Appointment,
    Case,
    CaseEvent,
    CaseStep,
    HistoryDigest,
    Holiday,
    Material,
    Matter,
    RouteStep,
    SealUse,
)


class RouteFormSet(BaseInlineFormSet):
    """Refuse a route whose steps are not numbered 1, 2, 3… without gaps or repeats."""

    def clean(self):
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
                _("Route steps must be numbered 1, 2, 3… without gaps or repeats (now: %(orders)s).")
                % {"orders": "、".join(str(o) for o in sorted(orders)) or "—"}
            )
        super().clean()


class RouteStepInline(TownScopedTabularInline):
    model = RouteStep
    formset = RouteFormSet
    extra = 0
    fields = ("order", "department", "action", "time_limit_days")


class MaterialInline(TownScopedTabularInline):
    model = Material
    extra = 0
    fields = ("order", "name", "form", "copies", "is_required", "note")


class MatterAdminForm(forms.ModelForm):
    """The guide's newer fields may be left empty: empty means the model's default (no legal limit, 5 days to
    bring missing materials, one visit, collected at the desk), as when a form of an older page leaves them out."""

    OPTIONAL = ("legal_days", "correction_days", "visits", "result_delivery")

    class Meta:
        model = Matter
        fields = "__all__"  # noqa: DJ007 — the admin's fieldsets choose what is shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.OPTIONAL:
            if name in self.fields and cleaned.get(name) in (None, ""):
                cleaned[name] = Matter._meta.get_field(name).get_default()
        return cleaned


@admin.register(Matter)
class MatterAdmin(TownScopedAdmin):
    form = MatterAdminForm
    list_display = (
        "code",
        "name",
        "category",
        "kind",
        "promised_days",
        "legal_days",
        "needs_village_certificate",
        "route_length",
        "county_mode",
        "visits",
        "is_active",
    )
    list_display_links = ("code", "name")
    list_filter = ("town", "category", "kind", "needs_village_certificate", "county_mode", "visits", "is_active")
    search_fields = ("code", "name", "summary")
    inlines = [RouteStepInline, MaterialInline]
    readonly_fields = ("guide_timing", "template")
    actions = ["publish_to_template"]
    fieldsets = (
        (None, {"fields": ("town", "code", "name", "category", "summary", "display_order", "is_active", "template")}),
        (
            _("Time and route"),
            {
                "fields": (
                    "kind",
                    "promised_days",
                    "legal_days",
                    "needs_village_certificate",
                    "village_time_limit_days",
                    "county_mode",
                    "county_department",
                    "county_action",
                    "county_time_limit_days",
                    "correction_days",
                    "guide_timing",
                ),
                "description": _(
                    "The guide states the time of each step and the promised total from these fields and the "
                    "route below; the summary should not repeat them."
                ),
            },
        ),
        (
            _("Guide text"),
            {
                "fields": (
                    "conditions",
                    "legal_basis",
                    "result_name",
                    "result_delivery",
                    "visits",
                    "fee",
                    "contact",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_route_length=Count("route"))

    def has_publish_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Make these the county's template"), permissions=["publish"])
    def publish_to_template(self, request, queryset):
        from .admin_catalogue_template import publish_to_template

        publish_to_template(self, request, queryset)

    @admin.display(description=_("town desks"), ordering="_route_length")
    def route_length(self, obj):
        return obj._route_length

    @admin.display(description=_("As the guide states it"))
    def guide_timing(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        lines = guide.timing(obj).lines
        total = guide.route_days(obj)
        if not obj.is_same_day and total != obj.promised_days:
            lines.append(mismatch_message(obj, total))
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        matter = form.instance
        total = guide.route_days(matter)
        if total != (0 if matter.is_same_day else matter.promised_days):
            self.message_user(request, mismatch_message(matter, total), messages.WARNING)


def mismatch_message(matter: Matter, total: int) -> str:
    return _(
        "The promised time (%(promised)s working days) is not the sum of the steps' time limits (%(total)s working "
        "days): the receipt promises the first, the guide lists the second. Make them agree."
    ) % {"promised": matter.promised_days, "total": total}


class HolidayForm(forms.ModelForm):
    # Set by HolidayAdmin.get_form: whether the user may keep shared days (the national calendar, every town).
    keeps_shared = True

    class Meta:
        model = Holiday
        fields = ["town", "date", "kind", "name", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form sent without the source (older pages, scripts) keeps the day's source; a new day is hand-entered.
        if "source" in self.fields:  # a reader's form has no fields: the admin shows them read-only
            self.fields["source"].required = False
        if "town" in self.fields and not self.keeps_shared:
            self.fields["town"].required = True  # a town office keeps its own town's days only

    def clean_source(self):
        return self.cleaned_data.get("source") or self.instance.source or Holiday.Source.MANUAL

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("town") is not None and cleaned.get("source") == Holiday.Source.NATIONAL:
            self.add_error(
                "source",
                _("National days belong to every town's calendar; a town's own day is regional or entered by hand."),
            )
        return cleaned


@admin.register(Holiday)
class HolidayAdmin(TownScopedAdmin):
    """The shared calendar (national days, town empty) every town reads, and each town's own days where it differs.

    A town office reads the shared days and keeps its own town's; only a superuser (or `import_holidays`) changes
    the shared ones."""

    form = HolidayForm
    list_display = ("date", "kind", "name", "source", "town")
    list_filter = ("kind", "source", "town")
    search_fields = ("name",)
    date_hierarchy = "date"
    actions = ["import_next_year", "import_this_year"]
    # Not counting the whole table keeps the action bar on an empty calendar too: the import is how a calendar starts.
    show_full_result_count = False

    def town_scope(self, town_ids) -> Q:
        return Q(town__in=town_ids) | Q(town__isnull=True)

    def editable_scope(self, town_ids) -> Q:
        return Q(town__in=town_ids)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.keeps_shared = request.user.is_superuser
        return form

    def has_import_permission(self, request):
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        # The imports act on a year, not on ticked rows: let them run with nothing ticked (Django would refuse).
        if request.method == "POST" and not request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                chosen = request.POST.getlist("action")[int(request.POST.get("index", 0))]
            except (IndexError, ValueError):
                chosen = None
            if chosen in self.actions:
                post = request.POST.copy()
                post.setlist(helpers.ACTION_CHECKBOX_NAME, ["0"])
                post["select_across"] = "1"
                request.POST = post
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Import next year's national holidays"), permissions=["import"])
    def import_next_year(self, request, queryset):
        self._import_year(request, timezone.localdate().year + 1)

    @admin.action(description=_("Import this year's national holidays"), permissions=["import"])
    def import_this_year(self, request, queryset):
        self._import_year(request, timezone.localdate().year)

    def _import_year(self, request, year: int) -> None:
        try:
            result = holidays.import_national_year(year)
        except holidays.CalendarUnknown as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, str(result), messages.SUCCESS)


class ReadOnlyAdmin(TownScopedAdmin):
    """Cases change only through their services (locks, checks, history); the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseStepInline(TownScopedTabularInline):
    model = CaseStep
    fk_name = "case"
    extra = 0
    fields = ("order", "kind", "department", "state", "started_at", "due_at", "finished_at", "outcome")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    town_lookup = "town"
    list_display = ("number", "matter", "village", "masked_name", "state", "received_at", "closed_at")
    list_filter = ("state", "matter__category", "village", "matter")
    search_fields = ("number", "applicant_name")
    date_hierarchy = "received_at"
    list_select_related = ("matter", "village")
    exclude = ("applicant_id_number", "applicant_phone", "token")
    inlines = [CaseStepInline]
    show_full_result_count = False

    @admin.display(description=_("applicant"))
    def masked_name(self, obj):
        return obj.masked_name

    def view_on_site(self, obj):
        return obj.get_absolute_url()


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    town_lookup = "case__town"
    list_display = ("case", "seq", "at", "actor_name", "action", "state_change")
    list_filter = ("action",)
    search_fields = ("case__number", "actor_name")
    list_select_related = ("case", "case__matter")
    show_full_result_count = False

    @admin.display(description=_("state"))
    def state_change(self, obj):
        return obj.from_label if obj.from_state == obj.to_state else f"{obj.from_label} → {obj.to_label}"


@admin.register(SealUse)
class SealUseAdmin(ReadOnlyAdmin):
    town_lookup = "village__town"
    list_display = ("used_at", "village", "seal", "used_by", "purpose")
    list_filter = ("village",)
    search_fields = ("purpose", "case__number")
    list_select_related = ("village", "used_by")
    date_hierarchy = "used_at"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    town_lookup = "case__town"
    list_display = ("date", "time", "department", "case", "state")
    list_filter = ("state", "department")
    search_fields = ("case__number",)
    list_select_related = ("department", "case", "case__matter")
    date_hierarchy = "date"


@admin.register(HistoryDigest)
class HistoryDigestAdmin(ReadOnlyAdmin):
    """The sealed days of each town's case history: read (and printed) by its office and supervisor, never edited."""

    list_display = ("date", "town", "cases", "events", "key_id", "value")
    list_filter = ("town",)
    list_select_related = ("town",)
    date_hierarchy = "date"


# The registers kept in modules of their own, by what they are about.
from . import admin_catalogue_template, admin_feedback, admin_papers, admin_privacy  # noqa: E402, F401
