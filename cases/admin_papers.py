"""The papers register in the admin (文书登记): every numbered paper of the town, read-only — papers are issued by
the services that make them, never typed in."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin import ReadOnlyAdmin
from .models import Paper


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "issued_at", "issuer", "case", "handled_by_name", "current")
    list_filter = ("kind", "year", "town")
    search_fields = ("number", "case__number", "issuer")
    date_hierarchy = "issued_at"
    list_select_related = ("case", "case__matter")
    exclude = ("token",)

    @admin.display(description=_("current"), boolean=True)
    def current(self, obj):
        return obj.is_current
