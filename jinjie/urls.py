from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from stats import views as stats

from . import views

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
