from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """The town office's statistics: the queries (queries.py), charts, exports and pages, in one place."""

    name = "stats"
    verbose_name = _("Statistics")
