"""Reads of the outbox. The case view decides who may see a case (cases.selectors); these rows add nothing personal
beyond the case itself (the phone is shown masked)."""

from django.db.models import QuerySet

from .models import Notification


def notifications_for_case(*, case) -> QuerySet[Notification]:
    """Every message of one case, oldest first, for the one-stop case view."""
    return Notification.objects.filter(case_id=case.pk).order_by("created_at", "id")
