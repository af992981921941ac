from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from cases import guide_views, public_views
from stats import views as stats

from . import views


class TownCodeConverter:
    """A town's statistical area code (451425102): nine to twelve digits, so no other address is taken for one."""

    regex = "[0-9]{9,12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TownCodeConverter, "town")

# The public pages of one town of a county deployment: /451425102/guide/ … (issue 13 point 1). The addresses
# without a town below keep working: they are the town of a one-town deployment, or a chooser when there are several.
town_patterns = [
    path("", views.home, name="home"),
    path("guide/", guide_views.guide_list, name="guide"),
    path("guide/<slug:code>/", guide_views.guide_detail, name="guide_detail"),
    path("track/", public_views.track, name="track"),
    path("hall/", views.hall_board, name="hall"),
    path("hall/calls.json", views.hall_calls, name="board_calls"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("hall/", views.hall_board, name="hall"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session/", views.session_status, name="session_status"),
    path("start/", views.landing, name="landing"),
    path("no-role/", views.no_role, name="no_role"),
    path("admin/", admin.site.urls),
    path("api/v1/stats/monthly", stats.api_monthly, name="api_stats_monthly"),
    path("<town:town_code>/", include((town_patterns, "town"))),
    path("", include("villages.urls")),
    path("", include("cases.urls")),
    path("", include("tickets.urls")),
    path("", include("departments.urls")),
]

# Chinese error pages (jinjie/views.py).
handler400 = "jinjie.views.bad_request"
handler403 = "jinjie.views.permission_denied"
handler404 = "jinjie.views.page_not_found"
handler500 = "jinjie.views.server_error"
