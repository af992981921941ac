"""The log of full numbers shown on asking (查看记录, cases.privacy): read-only, each town's own rows.

The town office reads it: it answers for its staff's use of villagers' data. The supervisor (纪检) reads it too, the
whole town's and not only its own entries, since it oversees the office's use of the same right; both read only
(the rows are written by cases.privacy.identity_reveal, never typed in, never changed or deleted). A superuser
reads every town's. The log holds no ID number or phone, only who asked, when, on which case and why.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin import ReadOnlyAdmin
from .models import IdentityReveal
from .privacy import Where


@admin.register(IdentityReveal)
class IdentityRevealAdmin(ReadOnlyAdmin):
    list_display = ("at", "user_name", "case_number", "reason", "shown_on", "town")
    list_filter = ("town", "where")
    search_fields = ("case__number", "user_name", "reason")
    date_hierarchy = "at"
    list_select_related = ("case", "town")
    fields = ("at", "town", "case", "user", "user_name", "reason", "where")
    show_full_result_count = False

    @admin.display(description=_("Case number"), ordering="case__number")
    def case_number(self, obj):
        return obj.case.number

    @admin.display(description=_("where"), ordering="where")
    def shown_on(self, obj):
        return Where(obj.where).label if obj.where in Where.values else obj.where
