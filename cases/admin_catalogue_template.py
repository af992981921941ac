"""The county template catalogue in the admin: a superuser keeps it; a town office reads its county's templates and
adopts chosen ones into its own catalogue (cases.catalogue_template)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from villages.admin_scope import SharedReadOnlyMixin, TownScopedTabularInline, office_town_ids, staff_town_ids
from villages.models import Town

from . import catalogue_template
from .admin import RouteFormSet
from .errors import CaseError
from .models import TemplateMaterial, TemplateMatter, TemplateRouteStep


def county_scope(town_ids) -> Q:
    """Template rows of the counties of these towns."""
    return Q(county__in=Town.objects.filter(pk__in=town_ids).values("county"))


class SuperuserEditsInline(TownScopedTabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class TemplateRouteStepInline(SuperuserEditsInline):
    model = TemplateRouteStep
    formset = RouteFormSet  # numbered 1, 2, 3… as a town's route
    fields = ("order", "department_name", "action", "time_limit_days")


class TemplateMaterialInline(SuperuserEditsInline):
    model = TemplateMaterial
    fields = ("order", "name", "form", "copies", "is_required", "note")


class AdoptForm(forms.Form):
    town = forms.ModelChoiceField(queryset=Town.objects.none(), label=_("Into the catalogue of"), empty_label=None)


@admin.register(TemplateMatter)
class TemplateMatterAdmin(SharedReadOnlyMixin, admin.ModelAdmin):
    """Read by the staff of the county's towns (no other county's); changed only by a superuser."""

    list_display = ("code", "name", "county", "category", "kind", "promised_days", "route_length", "adopted_by")
    list_display_links = ("code", "name")
    list_filter = ("county", "category", "kind", "county_mode")
    search_fields = ("code", "name", "summary")
    inlines = [TemplateRouteStepInline, TemplateMaterialInline]
    actions = ["adopt_into_town"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        town_ids = staff_town_ids(request)
        if town_ids is not None:
            queryset = queryset.filter(county_scope(town_ids))
        # How many towns adopted each template: for town staff only their own towns count (never the others').
        adopted = Q() if town_ids is None else Q(adoptions__town__in=town_ids)
        return queryset.annotate(
            _route_length=Count("route", distinct=True),
            _adopted=Count("adoptions__town", filter=adopted, distinct=True),
        )

    @admin.display(description=_("town desks"), ordering="_route_length")
    def route_length(self, obj):
        return obj._route_length

    @admin.display(description=_("towns adopted"), ordering="_adopted")
    def adopted_by(self, obj):
        return obj._adopted

    def adoptable_towns(self, request):
        town_ids = office_town_ids(request)
        towns = Town.objects.order_by("code")
        return towns if town_ids is None else towns.filter(pk__in=town_ids)

    def has_adopt_permission(self, request):
        return request.user.has_perm("cases.add_matter") and self.adoptable_towns(request).exists()

    @admin.action(description=_("Adopt into the town's catalogue"), permissions=["adopt"])
    def adopt_into_town(self, request, queryset):
        form = AdoptForm(request.POST if "town" in request.POST else None)
        form.fields["town"].queryset = self.adoptable_towns(request)
        if form.is_bound and form.is_valid():
            town = form.cleaned_data["town"]
            try:
                result = catalogue_template.adopt(actor=request.user, town=town, templates=queryset)
            except CaseError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            level = messages.SUCCESS if result.adopted and not result.missing else messages.WARNING
            self.message_user(request, str(result), level)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adopt into the town's catalogue"),
            "opts": self.model._meta,
            "form": form,
            "templates": queryset.order_by("category", "display_order", "code"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cases/templatematter/adopt.html", context)


@admin.action(description=_("Make these the county's template"), permissions=["publish"])
def publish_to_template(modeladmin, request, queryset):
    """On the Matter list, for a superuser: a town's matters become the county template of their codes."""
    try:
        published = catalogue_template.template_publish(actor=request.user, matters=queryset)
    except CaseError as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    modeladmin.message_user(
        request,
        _("%(count)s matter(s) are now the county's template of their codes.") % {"count": len(published)},
        messages.SUCCESS,
    )
