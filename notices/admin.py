from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from villages.admin_scope import SuperuserOnlyMixin, TownScopedAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(TownScopedAdmin):
    """The outbox as it is: what each villager was (or was not) sent, and the provider's answer. Messages change only
    through the worker, so the admin only reads them."""

    town_lookup = "town"
    list_display = ("created_at", "case", "kind", "masked_phone", "state", "attempts", "sent_at", "error_code")
    list_filter = ("state", "kind", "backend")
    search_fields = ("case__number",)
    date_hierarchy = "created_at"
    list_select_related = ("case", "case__matter")
    exclude = ("phone",)
    readonly_fields = (
        "case",
        "event",
        "appointment",
        "kind",
        "masked_phone",
        "text",
        "params",
        "state",
        "created_at",
        "next_attempt_at",
        "attempts",
        "sent_at",
        "backend",
        "provider_id",
        "error_code",
        "error",
        "claimed_by",
        "claimed_until",
        "key",
    )
    show_full_result_count = False

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.masked_phone

    # Whoever reads the town's cases here reads their messages: the 镇办 and 纪检 groups carry the cases app's
    # view rights (seed_demo.group_permissions), and the rows are the town's own (TownScopedAdmin).
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("cases.view_case")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or request.user.has_perm("cases.view_case")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The worker's task queue spans every town: only a superuser reads it.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(SuperuserOnlyMixin, DBTaskResultAdmin):
    pass
