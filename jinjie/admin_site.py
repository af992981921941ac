from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _


class HallAdminSite(admin.AdminSite):
    site_header = _("Jinjie town service hall — town office")
    site_title = _("Town office")
    index_title = _("Town office administration")
    index_template = "admin/hall_index.html"

    def get_urls(self):
        from . import digests, stats

        def page(view, **kwargs):
            return self.admin_view(lambda request: view(request, admin_site=self, **kwargs))

        return [
            path("history-digests/", page(digests.digest_list), name="history_digests"),
            path("history-digests/print/", page(digests.digest_print), name="history_digests_print"),
            path("history-digests/export.csv", page(digests.digest_export), name="history_digests_csv"),
            path("stats/", page(stats.monthly_stats), name="stats"),
            path("stats/export.xlsx", page(stats.monthly_export, fmt="xlsx"), name="stats_xlsx"),
            path("stats/export.csv", page(stats.monthly_export, fmt="csv"), name="stats_csv"),
            path("oversight/", page(stats.oversight_page), name="oversight"),
            *super().get_urls(),
        ]
