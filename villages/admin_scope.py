"""The town office sees its own town in the admin, as everywhere else; superusers see every town.

Every ModelAdmin on the hall's site declares how its rows belong to a town (tests/jinjie/test_admin_walk.py walks
the whole registry and fails on an undeclared one):

- `TownScopedMixin` / `TownScopedAdmin`: rows of the user's towns (`town_scope`); the office may change or delete
  only `editable_scope` rows (shared county rows are read-only). Supervisors read, offices write.
- `SharedReadOnlyMixin`: rows every town reads; only a superuser changes them.
- `SuperuserOnlyMixin`: nobody but a superuser sees the model (groups and permissions).

Forms, drop-downs, inlines, autocomplete results and list filters follow the same rule, by the related model's
label in RELATED_TOWN_SCOPES (labels, not imports: apps depend one way).
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Q

from .models import Town, TownStaff
from .selectors import towns_of_staff

# How a row of each model belongs to a town, by model label. A foreign key to a model missing here offers
# nothing to a town user (fail closed); tests check that every model of the project is listed or is GLOBAL.
RELATED_TOWN_SCOPES = {
    "jinjie.User": lambda ids: Q(town__in=ids, is_superuser=False),
    "villages.Town": lambda ids: Q(pk__in=ids),
    "villages.Village": lambda ids: Q(town__in=ids),
    "villages.Hamlet": lambda ids: Q(village__town__in=ids),
    "villages.VillageCadre": lambda ids: Q(village__town__in=ids),
    "villages.TownStaff": lambda ids: Q(town__in=ids),
    "villages.Consultation": lambda ids: Q(town__in=ids),
    "villages.MarketDay": lambda ids: Q(town__in=ids),
    "villages.MarketSchedule": lambda ids: Q(town__in=ids),
    "villages.DutyShift": lambda ids: Q(market_day__town__in=ids),
    "villages.ShiftCorrection": lambda ids: Q(shift__market_day__town__in=ids),
    "villages.TownVersion": lambda ids: Q(town__in=ids),
    # County departments serve every town: a matter's county step may name one.
    "departments.Department": lambda ids: Q(town__in=ids) | Q(level="county"),
    "departments.DepartmentMember": lambda ids: Q(department__town__in=ids),
    "departments.VisitRound": lambda ids: Q(town__in=ids),
    "cases.Matter": lambda ids: Q(town__in=ids),
    "cases.RouteStep": lambda ids: Q(matter__town__in=ids),
    "cases.Material": lambda ids: Q(matter__town__in=ids),
    # The county's template catalogue: read by the offices of its towns (cases/admin_catalogue_template.py).
    "cases.TemplateMatter": lambda ids: Q(county__in=Town.objects.filter(pk__in=ids).values("county")),
    "cases.TemplateRouteStep": lambda ids: Q(template__county__in=Town.objects.filter(pk__in=ids).values("county")),
    "cases.TemplateMaterial": lambda ids: Q(template__county__in=Town.objects.filter(pk__in=ids).values("county")),
    # The shared calendar (national days) and the town's own days.
    "cases.Holiday": lambda ids: Q(town__in=ids) | Q(town__isnull=True),
    "cases.CaseCounter": lambda ids: Q(town__in=ids),
    "cases.Case": lambda ids: Q(town__in=ids),
    "cases.CaseStep": lambda ids: Q(case__town__in=ids),
    "cases.SealUse": lambda ids: Q(case__town__in=ids),
    "cases.Appointment": lambda ids: Q(case__town__in=ids),
    "cases.CaseEvent": lambda ids: Q(case__town__in=ids),
    "cases.Rating": lambda ids: Q(town__in=ids),
    "cases.Rectification": lambda ids: Q(town__in=ids),
    "cases.HistoryDigest": lambda ids: Q(town__in=ids),
    "cases.Paper": lambda ids: Q(town__in=ids),
    "cases.PaperCounter": lambda ids: Q(town__in=ids),
    "cases.RatingAppeal": lambda ids: Q(rating__town__in=ids),
    "cases.IdentityReveal": lambda ids: Q(town__in=ids),
    "cases.StaleMonth": lambda ids: Q(town__in=ids),
    "stats.OpeningBalance": lambda ids: Q(town__in=ids),
    "stats.StoredMonth": lambda ids: Q(town__in=ids),
    "stats.MonthFigure": lambda ids: Q(town__in=ids),
    "stats.MonthDurations": lambda ids: Q(town__in=ids),
    "notices.Notification": lambda ids: Q(town__in=ids),
}

# Models of the project that belong to no town (a county office's membership is the county's, set by a superuser).
GLOBAL_MODELS = frozenset({"cases.GuessCounter", "villages.CountyStaff"})

_CACHE = "_hall_admin_towns"


def _town_ids(request, roles: tuple[str, ...]) -> list[int] | None:
    if request.user.is_superuser:
        return None
    cache = request.__dict__.setdefault(_CACHE, {})
    if roles not in cache:
        cache[roles] = list(towns_of_staff(user=request.user, roles=roles).values_list("pk", flat=True))
    return cache[roles]


def staff_town_ids(request) -> list[int] | None:
    """The towns whose data the user reads (office or supervisor); None for a superuser (no limit)."""
    return _town_ids(request, (TownStaff.Role.OFFICE, TownStaff.Role.SUPERVISOR))


def office_town_ids(request) -> list[int] | None:
    """The towns whose data the user may change (office only; supervisors read); None for a superuser."""
    return _town_ids(request, (TownStaff.Role.OFFICE,))


def choices_scope(model, town_ids) -> Q | None:
    """The rows of `model` a town user may pick, or None when the model is not town data."""
    label = model._meta.label
    if label in GLOBAL_MODELS:
        return None
    scope = RELATED_TOWN_SCOPES.get(label)
    return scope(town_ids) if scope is not None else Q(pk__in=[])


class TownScopedChoicesMixin:
    """Drop-downs offer only the user's own town's villages, departments, matters, users, market days…

    The queryset is also what the submitted value is validated against, so a hand-made POST cannot pick another
    town's row either.
    """

    def choice_scope(self, db_field, town_ids) -> Q | None:
        return choices_scope(db_field.related_model, town_ids)

    def _scoped_choices(self, db_field, request, kwargs):
        town_ids = office_town_ids(request)
        if town_ids is None:
            return
        scope = self.choice_scope(db_field, town_ids)
        if scope is not None:
            queryset = kwargs.get("queryset", db_field.related_model._default_manager.all())
            kwargs["queryset"] = queryset.filter(scope)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TownScopedMixin(TownScopedChoicesMixin):
    """A ModelAdmin whose rows belong to towns: lists, pages, permissions, filters and autocomplete are scoped."""

    town_lookup = "town"

    def town_scope(self, town_ids) -> Q:
        """The rows the staff of these towns may read."""
        return Q(**{f"{self.town_lookup}__in": town_ids})

    def editable_scope(self, town_ids) -> Q:
        """The rows the office of these towns may change or delete (shared rows are left out)."""
        return self.town_scope(town_ids)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        town_ids = staff_town_ids(request)
        if town_ids is None:
            return queryset
        return queryset.filter(self.town_scope(town_ids))

    def is_editable(self, request, obj) -> bool:
        """Whether the user's office may change `obj` (superusers may change everything)."""
        town_ids = office_town_ids(request)
        if town_ids is None or obj is None:
            return True
        if obj.pk is None:
            return False
        cache = request.__dict__.setdefault(_CACHE + "_rows", {})
        key = (self.model._meta.label, obj.pk)
        if key not in cache:
            cache[key] = self.model._default_manager.filter(self.editable_scope(town_ids), pk=obj.pk).exists()
        return cache[key]

    def has_add_permission(self, request, *args):
        town_ids = office_town_ids(request)
        return super().has_add_permission(request, *args) and (town_ids is None or bool(town_ids))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_editable(request, obj)

    def get_list_filter(self, request):
        """A town user's filters list only the related rows the list itself holds (no other town's names)."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        scoped = []
        for entry in filters:
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def get_search_results(self, request, queryset, search_term):
        """Autocomplete answers with the rows a form would accept: the office's own town's."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            town_ids = office_town_ids(request)
            if town_ids is not None:
                scope = choices_scope(self.model, town_ids)
                if scope is not None:
                    queryset = queryset.filter(scope)
        return queryset, may_have_duplicates


class TownScopedAdmin(TownScopedMixin, admin.ModelAdmin):
    pass


class TownScopedTabularInline(TownScopedChoicesMixin, admin.TabularInline):
    """Inline rows: scoped drop-downs. (Django itself makes every inline read-only where the parent is.)"""


class SharedReadOnlyMixin:
    """Rows every town reads and only a superuser changes (they apply to every town at once)."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class SuperuserOnlyMixin:
    """Only a superuser sees or manages the model (groups and permissions hand out rights in every town)."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()


SCOPED_ADMIN_BASES = (TownScopedMixin, SharedReadOnlyMixin, SuperuserOnlyMixin)
