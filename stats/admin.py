from django.contrib import admin

from villages.admin_scope import TownScopedAdmin

from .models import OpeningBalance


@admin.register(OpeningBalance)
class OpeningBalanceAdmin(TownScopedAdmin):
    list_display = ("town", "counted_from", "system_from", "visits", "received", "joint", "disputes", "source")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
