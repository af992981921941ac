from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.cache import cache
from django.http import Http404
from django.urls import path
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _


def _town_name(town_id: int | None) -> str:
    """A town's name by id, from the cache for five minutes: the admin's header on every page without a query."""
    if town_id is None:
        return ""
    key = f"admin-town-name:{town_id}"
    name = cache.get(key)
    if name is None:
        from villages.models import Town

        name = Town.objects.filter(pk=town_id).values_list("name", flat=True).first() or ""
        cache.set(key, name, 300)
    return name


class HallAdminSite(admin.AdminSite):
    site_header = _("Service hall — administration")
    site_title = _("Town office")
    index_title = _("Town office administration")
    index_template = "admin/hall_index.html"

    def get_urls(self):
        from stats import views as stats

        from . import digests

        def page(view, **kwargs):
            return self.admin_view(lambda request: view(request, admin_site=self, **kwargs))

        return [
            path("history-digests/", page(digests.digest_list), name="history_digests"),
            path("history-digests/print/", page(digests.digest_print), name="history_digests_print"),
            path("history-digests/export.csv", page(digests.digest_export), name="history_digests_csv"),
            path("stats/", page(stats.monthly_stats), name="stats"),
            path("stats/export.xlsx", page(stats.monthly_export, fmt="xlsx"), name="stats_xlsx"),
            path("stats/export.csv", page(stats.monthly_export, fmt="csv"), name="stats_csv"),
            path("stats/list/", page(stats.figure_list), name="stats_list"),
            path("stats/print/", page(stats.report_print), name="stats_print"),
            path("stats/issue/", page(stats.report_issue), name="stats_issue"),
            path("oversight/", page(stats.oversight_page), name="oversight"),
            path("stats/county/", page(stats.county_stats), name="stats_county"),
            path("stats/county/export.xlsx", page(stats.county_export), name="stats_county_xlsx"),
            # "View on site" before Django's own: it must not lead a town office to another town's row.
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *super().get_urls(),
        ]

    def each_context(self, request):
        """Django's, with the app list of the sidebar built only when a page shows it: a statistics page or a
        drill-down list, which leave the sidebar out, does not pay for every registered model's permissions."""
        request._hall_apps_on_demand = True
        try:
            context = super().each_context(request)
        finally:
            del request._hall_apps_on_demand
        town_name = _town_name(getattr(request.user, "town_id", None))
        if town_name:  # each town's office sees its own town's name, not the first town's
            context["site_header"] = _("%(town)s service hall — town office") % {"town": town_name}
        return context

    def get_app_list(self, request, app_label=None):
        if getattr(request, "_hall_apps_on_demand", False):
            build = super().get_app_list
            return SimpleLazyObject(lambda: build(request, app_label))
        return super().get_app_list(request, app_label)

    def index(self, request, extra_context=None):
        from villages.access import is_county_office, visible_town_ids

        extra_context = {
            "county_office": request.user.is_superuser or is_county_office(request.user),
            "town_office": request.user.is_superuser or bool(visible_town_ids(request.user)),
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    def view_on_site(self, request, content_type_id, object_id):
        """Django's redirect to a row's public page, only for a row the user's own admin list would show."""
        if not request.user.is_superuser:
            try:
                model = ContentType.objects.get_for_id(content_type_id).model_class()
            except ContentType.DoesNotExist:
                raise Http404 from None
            model_admin = self._registry.get(model)
            if model_admin is None or not model_admin.get_queryset(request).filter(pk=object_id).exists():
                raise Http404
        return shortcut(request, content_type_id, object_id)
