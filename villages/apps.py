from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Villages and market days")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import page_versions

        page_versions.connect()
