from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from villages.admin_scope import TownScopedAdmin, TownScopedTabularInline

from .models import Department, DepartmentMember


class DepartmentMemberInline(TownScopedTabularInline):
    model = DepartmentMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(TownScopedAdmin):
    """County departments serve every town: each town office reads them, only the county (a superuser) edits them."""

    def town_scope(self, town_ids):
        return Q(town__in=town_ids) | Q(level=Department.Level.COUNTY)

    def editable_scope(self, town_ids):
        return Q(town__in=town_ids)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "level" and not request.user.is_superuser:
            choices = db_field.get_choices(include_blank=False)
            kwargs["choices"] = [choice for choice in choices if choice[0] != Department.Level.COUNTY]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "town" and not request.user.is_superuser:
            kwargs["required"] = True  # a town office's departments are its town's, never shared ones
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    list_display = ("name", "level", "town", "county", "desk_label", "desk_order", "member_count")
    list_filter = ("level", "town", "county")
    search_fields = ("name", "desk_label", "duties")
    inlines = [DepartmentMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("town").annotate(_member_count=Count("members"))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count


@admin.register(DepartmentMember)
class DepartmentMemberAdmin(TownScopedAdmin):
    """Members of county departments are shown to every town office and changed only by a superuser."""

    def town_scope(self, town_ids):
        return Q(department__town__in=town_ids) | Q(department__level=Department.Level.COUNTY)

    def editable_scope(self, town_ids):
        return Q(department__town__in=town_ids)

    def choice_scope(self, db_field, town_ids):
        if db_field.name == "department":
            return Q(town__in=town_ids)
        return super().choice_scope(db_field, town_ids)

    list_display = ("user", "department", "role", "is_active")
    list_filter = ("department__level", "department", "role", "is_active")
    search_fields = ("user__name", "user__username", "department__name")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "department")
