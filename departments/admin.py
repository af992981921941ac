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
    def town_scope(self, town_ids):
        return Q(town__in=town_ids) | Q(level=Department.Level.COUNTY)

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
    def town_scope(self, town_ids):
        return Q(department__town__in=town_ids) | Q(department__level=Department.Level.COUNTY)

    list_display = ("user", "department", "role", "is_active")
    list_filter = ("department__level", "department", "role", "is_active")
    search_fields = ("user__name", "user__username", "department__name")
    autocomplete_fields = ["user"]
    list_select_related = ("user", "department")
