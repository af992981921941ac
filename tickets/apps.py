from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Queue tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.signals import event_appended

        from .receivers import on_event_appended

        event_appended.connect(on_event_appended, dispatch_uid="tickets.on_event_appended")
