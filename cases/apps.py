from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases and catalogue")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import holidays

        # Tag database: it reads the calendar, so only `check --database default` runs it, not every start.
        checks.register(holidays.calendar_check, checks.Tags.database)
