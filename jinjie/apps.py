from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class JinjieConfig(AppConfig):
    name = "jinjie"
    verbose_name = _("Users and town office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, security  # noqa: F401 — checks registers the deploy checks

        security.connect()


class JinjieAdminConfig(AdminConfig):
    default_site = "jinjie.admin_site.HallAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese heading in the admin (its models: login lockouts, login records)."""

    verbose_name = _("Logins")
